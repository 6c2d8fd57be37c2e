import { PRICE_SCALE, type Fixed } from "./decimal";
import type { FailureClass, Quote } from "./quote";

/**
 * Validation that runs before anything else sees a quote. Parsing (decimal.ts) already rejected
 * non-numeric, non-finite and over-precise text; this checks what a parsed number can still get
 * wrong: zero, negative, absurd magnitudes, crossed books and stale source timestamps.
 */
export interface ValidationOptions {
  /** Now, unix ms (injected so backtests replay history). */
  now: number;
  /** A source timestamp older than this is stale. */
  maxAgeMs: number;
  /** A source timestamp further in the future than this is invalid (clock skew allowance). */
  maxFutureMs?: number;
  /** Largest believable price, fixed-point. Default 1e15. */
  maxPrice?: Fixed;
  /** Smallest believable positive price, fixed-point. Default 1e-12. */
  minPrice?: Fixed;
}

export interface ValidationIssue {
  failure: Extract<FailureClass, "invalid-value" | "stale">;
  reason: string;
}

export const DEFAULT_MAX_PRICE: Fixed = 10n ** 15n * PRICE_SCALE;
export const DEFAULT_MIN_PRICE: Fixed = PRICE_SCALE / 10n ** 12n;
/** Clocks of venues and nodes disagree by a few seconds; more than this is a broken timestamp. */
export const DEFAULT_MAX_FUTURE_MS = 30_000;

/** Returns null for a usable quote, or the one reason it is not. */
export function validateQuote(q: Quote, opts: ValidationOptions): ValidationIssue | null {
  const maxPrice = opts.maxPrice ?? DEFAULT_MAX_PRICE;
  const minPrice = opts.minPrice ?? DEFAULT_MIN_PRICE;
  if (q.price <= 0n) return { failure: "invalid-value", reason: q.price === 0n ? "zero price" : "negative price" };
  if (q.price > maxPrice) return { failure: "invalid-value", reason: "price above the absurd-magnitude bound" };
  if (q.price < minPrice) return { failure: "invalid-value", reason: "price below the absurd-magnitude bound" };
  for (const [name, v] of [
    ["bid", q.bid],
    ["ask", q.ask],
  ] as const) {
    if (v === undefined) continue;
    if (v <= 0n) return { failure: "invalid-value", reason: `non-positive ${name}` };
    if (v > maxPrice) return { failure: "invalid-value", reason: `${name} above the absurd-magnitude bound` };
  }
  if (q.bid !== undefined && q.ask !== undefined && q.bid > q.ask) {
    return { failure: "invalid-value", reason: "crossed book: bid > ask" };
  }
  if (q.volume !== undefined && q.volume < 0n) return { failure: "invalid-value", reason: "negative volume" };
  if (q.sourceTimestamp !== undefined) {
    if (!Number.isFinite(q.sourceTimestamp)) return { failure: "invalid-value", reason: "non-finite source timestamp" };
    const age = opts.now - q.sourceTimestamp;
    if (age > opts.maxAgeMs) return { failure: "stale", reason: `source timestamp ${Math.round(age / 1000)} s old` };
    if (-age > (opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS)) {
      return { failure: "invalid-value", reason: "source timestamp in the future" };
    }
  }
  return null;
}
