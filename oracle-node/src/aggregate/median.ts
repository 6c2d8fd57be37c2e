import type { Fixed } from "../quotes/decimal";

/** bigint comparator for Array.prototype.sort. */
export function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Exact median of fixed-point values: the middle value, or for an even count the mean of the two
 * middle values rounded toward negative infinity (one unit is 1e-18, far below any feed's
 * precision). Throws on an empty list.
 */
export function median(values: readonly Fixed[]): Fixed {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const s = [...values].sort(compareBig);
  const mid = s.length >> 1;
  if (s.length % 2 === 1) return s[mid];
  const sum = s[mid - 1] + s[mid];
  // Floor division for negatives too (bigint `/` truncates toward zero).
  return sum >= 0n ? sum / 2n : -((-sum + 1n) / 2n);
}

/** Median absolute deviation from `center` (defaults to the median). */
export function mad(values: readonly Fixed[], center: Fixed = median(values)): Fixed {
  return median(values.map((v) => (v >= center ? v - center : center - v)));
}
