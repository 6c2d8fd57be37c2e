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
 * Which 2f+1 of the observations that came in are taken: the committee index the choice starts
 * from (`start`, 0..n-1) and the committee size. The leader turns it by one every round (see
 * `rotationStart`), so every member that answers within the collection window is included, and
 * paid per included observation (docs/economics.md), in turn; without it the same fastest 2f+1
 * would be taken every round and a live, honest but slower member would never be included.
 */
export interface ObserverRotation {
  start: number;
  n: number;
}

/** The rotation's start for a round: (epoch x 256 + round) mod n, one step per round. */
export function rotationStart(epoch: number, round: number, n: number): number {
  return (((epoch * 256 + round) % n) + n) % n;
}

/**
 * The leader builds a report proposal from the observations it collected: per feed, only when at
 * least 2f+1 distinct oracles observed it, and then 2f+1 of them (a majority of them honest, so
 * the median lies between honest values; every further observation would cost each follower a
 * signature check and the chain calldata without moving that bound): with a `rotation`, the
 * first 2f+1 observers at or after `rotation.start` in cyclic committee order, otherwise the
 * first 2f+1 to arrive; observations sorted ascending (ties by observer), one per observer;
 * feeds in ascending index. Feeds below quorum are left out (and listed in `missing`). Returns
 * null when no feed reached quorum. `collected` is in arrival order.
 */
export function buildReportProposal(
  collected: readonly CollectedObservation[],
  feeds: readonly number[],
  f: number,
  observationsTimestamp: number,
  rotation?: ObserverRotation,
): { proposal: ReportProposal | null; missing: number[] } {
  const quorum = minObservations(f);
  const turn = (o: CollectedObservation) => (rotation ? (((o.observer - rotation.start) % rotation.n) + rotation.n) % rotation.n : 0);
  const out: ProposedFeed[] = [];
  const missing: number[] = [];
  for (const feedIndex of [...new Set(feeds)].sort((a, b) => a - b)) {
    const byObserver = new Map<number, CollectedObservation>();
    for (const o of collected) if (o.feedIndex === feedIndex && !byObserver.has(o.observer)) byObserver.set(o.observer, o);
    const chosen = rotation ? [...byObserver.values()].sort((a, b) => turn(a) - turn(b)) : [...byObserver.values()];
    const list = chosen.slice(0, quorum).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.observer - b.observer));
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
