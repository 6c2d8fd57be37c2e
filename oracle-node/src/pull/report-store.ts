import { expectedAnswer, expectedConfidence, type Report } from "../protocol/report";
import { maxReportAgeSec, type ReportAgeFeed } from "../protocol/report-age";

/**
 * The signed reports a node serves to pull consumers (GET /v1/reports/latest and
 * /v1/reports?at=): every report the committee signed with f+1 signatures that this node saw
 * (as leader, or in the leader's final report), newest last, for `historySeconds` back. Memory is
 * bounded twice: by age and by count (MAX_REPORTS_PER_SECOND x historySeconds). `latest` never
 * serves a report older than any of its feeds' maximum report age (the contract would refuse
 * it); `at` serves the history as it was signed (an audit of what the committee said at a time).
 */

/** An honest committee signs at most one report per poll (1 s by default); room for faster polls and retries. */
export const MAX_REPORTS_PER_SECOND = 4;

export interface SignedReport {
  epoch: number;
  round: number;
  observationsTimestamp: number;
  /** The encoded report (0x hex), exactly what verifyReport takes. */
  report: string;
  /** The packed signature entries (0x hex), f+1 of them. */
  signatures: string;
  /** Per feed, decoded: answer and confidence as the contract computes them (decimal strings). */
  feeds: Array<{ feedIndex: number; answer: string; confidence: string }>;
}

export interface ServedReport extends SignedReport {
  /** now - observationsTimestamp, ms, at the moment of serving. */
  ageMs: number;
}

export class PullReportStore {
  private readonly reports: SignedReport[] = [];
  private readonly maxEntries: number;
  /** Per feed, when (this node's clock, ms) a report carrying it was last added. */
  private readonly lastAdded = new Map<number, number>();
  private readonly createdAt: number;

  constructor(
    private readonly o: {
      historySeconds: number;
      /** The node's feeds by index, for their maximum report age. */
      feeds: ReadonlyMap<number, ReportAgeFeed>;
      now?: () => number;
    },
  ) {
    this.maxEntries = Math.max(1, Math.ceil(o.historySeconds * MAX_REPORTS_PER_SECOND));
    this.createdAt = this.now();
  }

  /** How long (ms) no report carrying `feedIndex` was added: since the store was created when none ever was (the pacemaker's pull alarm). */
  silentMs(feedIndex: number): number {
    return this.now() - (this.lastAdded.get(feedIndex) ?? this.createdAt);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Records a signed report (its signatures already checked by the caller). Older than the newest one: dropped. */
  add(report: Report, encoded: string, signatures: string): void {
    const t = this.now();
    for (const f of report.feeds) this.lastAdded.set(f.feedIndex, Math.max(t, this.lastAdded.get(f.feedIndex) ?? 0));
    const last = this.reports[this.reports.length - 1];
    if (last && report.observationsTimestamp < last.observationsTimestamp) return;
    if (last && last.epoch === report.epoch && last.round === report.round) return;
    this.reports.push({
      epoch: report.epoch,
      round: report.round,
      observationsTimestamp: report.observationsTimestamp,
      report: encoded,
      signatures,
      feeds: report.feeds.map((f) => ({
        feedIndex: f.feedIndex,
        answer: expectedAnswer(f.observations).toString(),
        confidence: expectedConfidence(f.observations).toString(),
      })),
    });
    this.prune();
  }

  /** The newest report carrying every one of `feeds` and still within their maximum age, or null. */
  latest(feeds: readonly number[]): ServedReport | null {
    return this.find(feeds, Number.POSITIVE_INFINITY, true);
  }

  /** The newest report carrying every one of `feeds` stamped at or before `atSec` (unix s), within the history. */
  at(feeds: readonly number[], atSec: number): ServedReport | null {
    return this.find(feeds, atSec, false);
  }

  /** Reports held now (the bound tests read). */
  get size(): number {
    this.prune();
    return this.reports.length;
  }

  private find(feeds: readonly number[], atSec: number, fresh: boolean): ServedReport | null {
    this.prune();
    const now = this.now();
    const maxAge = Math.min(...feeds.map((i) => maxReportAgeSec(this.o.feeds.get(i) ?? { heartbeatSec: 0, maxReportAgeSec: 0 })));
    for (let k = this.reports.length - 1; k >= 0; k--) {
      const r = this.reports[k];
      if (r.observationsTimestamp > atSec) continue;
      const ageMs = now - r.observationsTimestamp * 1000;
      if (fresh && ageMs > maxAge * 1000) return null;
      if (feeds.every((i) => r.feeds.some((f) => f.feedIndex === i))) return { ...r, ageMs };
    }
    return null;
  }

  private prune(): void {
    const oldest = this.now() / 1000 - this.o.historySeconds;
    let drop = 0;
    while (drop < this.reports.length && this.reports[drop].observationsTimestamp < oldest) drop++;
    drop = Math.max(drop, this.reports.length - this.maxEntries);
    if (drop > 0) this.reports.splice(0, drop);
  }
}
