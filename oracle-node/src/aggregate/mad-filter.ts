import type { Fixed } from "../quotes/decimal";
import { mad, median } from "./median";

/**
 * The classic robust-statistics baseline (`--filter mad`): drop a quote when its distance from
 * the round median exceeds K robust standard deviations, sigma = 1.4826 * MAD. A floor on sigma
 * (MIN_SIGMA_BPS of the median) keeps a calm round, where most venues agree to the cent and MAD
 * is ~0, from dropping honest quotes a basis point away.
 */
export const MAD_K = 3;
export const MAD_SIGMA_FACTOR_E4 = 14_826n; // 1.4826, the MAD -> sigma factor for normal data
export const MIN_SIGMA_BPS = 5n;

export interface MadFilterResult {
  /** Indices into the input that survive. */
  kept: number[];
  /** Indices dropped as outliers. */
  dropped: number[];
  center: Fixed;
  /** The robust sigma used (after the floor), fixed-point. */
  sigma: Fixed;
}

export function madFilter(prices: readonly Fixed[], k: number = MAD_K): MadFilterResult {
  if (prices.length === 0) return { kept: [], dropped: [], center: 0n, sigma: 0n };
  const center = median(prices);
  const rawSigma = (mad(prices, center) * MAD_SIGMA_FACTOR_E4) / 10_000n;
  const absCenter = center < 0n ? -center : center;
  const floor = (absCenter * MIN_SIGMA_BPS) / 10_000n;
  const sigma = rawSigma > floor ? rawSigma : floor;
  const limit = (sigma * BigInt(Math.round(k * 1000))) / 1000n;
  const kept: number[] = [];
  const dropped: number[] = [];
  prices.forEach((p, i) => {
    const d = p >= center ? p - center : center - p;
    (d > limit ? dropped : kept).push(i);
  });
  return { kept, dropped, center, sigma };
}
