import type { Fixed } from "../quotes/decimal";
import { compareBig } from "./median";

/**
 * Confidence of an observation: half the interquartile range of the surviving quotes, in the
 * same fixed-point units as the price (the contract stores the same measure over the signed
 * observations). Quartiles by the nearest-rank rule, exact in bigint. 0 for fewer than 2 values.
 */
export function halfIqr(values: readonly Fixed[]): Fixed {
  if (values.length < 2) return 0n;
  const s = [...values].sort(compareBig);
  const q1 = s[Math.floor((s.length - 1) / 4)];
  const q3 = s[Math.ceil((3 * (s.length - 1)) / 4)];
  return (q3 - q1) / 2n;
}

/** Confidence in basis points of the price, for logs and the dashboard. */
export function confidenceBps(values: readonly Fixed[], price: Fixed): number {
  if (price === 0n) return Number.POSITIVE_INFINITY;
  const abs = price < 0n ? -price : price;
  return Number((halfIqr(values) * 10_000_000n) / abs) / 1000;
}
