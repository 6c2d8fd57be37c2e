import { expectedAnswer } from "./report";

/**
 * The answer a report sets for a feed: exactly what the aggregator stores (report.ts
 * `expectedAnswer`, the median of the sorted observations, an even count's middle pair floored),
 * so the follower's tolerance check and the on-chain answer are the same number.
 */
export function reportAnswer(sortedObservations: readonly bigint[]): bigint {
  if (sortedObservations.length === 0) throw new RangeError("report feed without observations");
  return expectedAnswer([...sortedObservations]);
}

/** Observations a report needs per feed: 2f + 1, so that a majority of them are honest. */
export function minObservations(f: number): number {
  return 2 * f + 1;
}

/** Report signatures a transmission carries: f + 1, so at least one is honest. */
export function requiredSignatures(f: number): number {
  return f + 1;
}

/** Rounds per epoch: the report's round is one byte (report.ts epochAndRound). */
export const MAX_ROUND = 255;
