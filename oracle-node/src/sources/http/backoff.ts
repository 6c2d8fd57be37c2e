/** First retry waits about this long: long enough for a venue's hiccup, short for a round. */
export const RETRY_BASE_MS = 100;
/** No single retry waits longer than this; a round cannot afford more. */
export const RETRY_CAP_MS = 1_000;

/** Exponential back-off with full jitter: uniform in [base*2^attempt / 2, base*2^attempt]. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
