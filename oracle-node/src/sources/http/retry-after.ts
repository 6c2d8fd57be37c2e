/** Longest back-off we accept from a Retry-After header (Binance 418 bans can say days). */
export const MAX_RETRY_AFTER_MS = 3 * 24 * 60 * 60 * 1000;

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds; undefined if absent/bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(v) * 1000));
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}
