/**
 * The answer a report sets for a feed: the median of its sorted observations, the element at
 * index len/2 (the upper median for an even count). Mirrors the aggregator contract's choice so
 * the follower's tolerance check and the on-chain answer are the same number.
 */
export function reportAnswer(sortedObservations: readonly bigint[]): bigint {
  if (sortedObservations.length === 0) throw new RangeError("report feed without observations");
  return sortedObservations[sortedObservations.length >> 1];
}

/** Observations a report needs per feed: 2f + 1, so that a majority of them are honest. */
export function minObservations(f: number): number {
  return 2 * f + 1;
}

/** Report signatures a transmission carries: f + 1, so at least one is honest. */
export function requiredSignatures(f: number): number {
  return f + 1;
}
