import type { ProposedFeed, ReportProposal } from "./messages";
import { minObservations } from "./report-answer";

/** One verified observation the leader collected. */
export interface CollectedObservation {
  observer: number;
  feedIndex: number;
  value: bigint;
  signature: string;
}

/**
 * The leader builds a report proposal from the observations it collected: per feed, only when at
 * least 2f+1 distinct oracles observed it, and then the first 2f+1 to arrive (a majority of
 * them honest, so the median lies between honest values; every further observation would cost
 * each follower a signature check and the chain calldata without moving that bound);
 * observations sorted ascending (ties by observer), one per observer; feeds in ascending index.
 * Feeds below quorum are left out (and listed in `missing`). Returns null when no feed reached
 * quorum. `collected` is in arrival order.
 */
export function buildReportProposal(
  collected: readonly CollectedObservation[],
  feeds: readonly number[],
  f: number,
  observationsTimestamp: number,
): { proposal: ReportProposal | null; missing: number[] } {
  const quorum = minObservations(f);
  const out: ProposedFeed[] = [];
  const missing: number[] = [];
  for (const feedIndex of [...new Set(feeds)].sort((a, b) => a - b)) {
    const byObserver = new Map<number, CollectedObservation>();
    for (const o of collected) if (o.feedIndex === feedIndex && !byObserver.has(o.observer)) byObserver.set(o.observer, o);
    const list = [...byObserver.values()].slice(0, quorum).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.observer - b.observer));
    if (list.length < quorum) {
      missing.push(feedIndex);
      continue;
    }
    out.push({
      feedIndex,
      observers: list.map((o) => o.observer),
      observations: list.map((o) => o.value.toString()),
      signatures: list.map((o) => o.signature),
    });
  }
  return { proposal: out.length ? { observationsTimestamp, feeds: out } : null, missing };
}
