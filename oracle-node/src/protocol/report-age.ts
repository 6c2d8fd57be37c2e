/**
 * How old a signed report may be when it is sent. A report carries the time its observations
 * were made (`observationsTimestamp`); one withheld for hours would otherwise land as fresh
 * (consumers read the block time as `updatedAt`). The aggregator refuses reports older than a
 * feed's `maxReportAge` (`ReportTooOld`, default 300 s on chain); nodes apply the same limit
 * before they schedule, send or re-send a transmission, so they never spend gas on one.
 */
export const DEFAULT_MAX_REPORT_AGE_SEC = 300;

export interface ReportAgeFeed {
  heartbeatSec: number;
  /** Configured limit; default DEFAULT_MAX_REPORT_AGE_SEC, never above the heartbeat. */
  maxReportAgeSec?: number;
}

export function maxReportAgeSec(feed: ReportAgeFeed): number {
  return feed.maxReportAgeSec ?? Math.min(DEFAULT_MAX_REPORT_AGE_SEC, feed.heartbeatSec);
}

/** Whether a report stamped `observationsTimestamp` (unix s) is too old, at `nowMs`, for any of these feeds. */
export function reportTooOld(observationsTimestamp: number, feeds: ReadonlyArray<ReportAgeFeed | undefined>, nowMs: number): boolean {
  const age = nowMs / 1000 - observationsTimestamp;
  return feeds.some((f) => f !== undefined && age > maxReportAgeSec(f));
}
