import type { Fixed } from "./decimal";

/**
 * One source's answer for one pair, normalized. The single quote type every stage uses:
 * sources produce it, validation checks it, the filter scores it, aggregation medians it.
 */
export interface Quote {
  /** Source id: binance, coinbase, kraken, ..., or a generic source's configured id. */
  source: string;
  /** The feed's pair as configured, "BTC/USD" (not the venue's symbol). */
  pair: string;
  /** Last trade or mid price, fixed-point (see decimal.ts). */
  price: Fixed;
  bid?: Fixed;
  ask?: Fixed;
  /** Traded base volume over the venue's 24 h window, where the venue gives it. */
  volume?: Fixed;
  /** The source's own timestamp of the quote, unix milliseconds, where it gives one. */
  sourceTimestamp?: number;
  /** When this node received the response, unix milliseconds. */
  receivedAt: number;
}

/** Why a source produced no usable quote. Every failure has exactly one class. */
export type FailureClass = "timeout" | "rate-limited" | "unknown-symbol" | "malformed" | "stale" | "invalid-value" | "http-error" | "unreachable";

export const FAILURE_CLASSES: readonly FailureClass[] = [
  "timeout",
  "rate-limited",
  "unknown-symbol",
  "malformed",
  "stale",
  "invalid-value",
  "http-error",
  "unreachable",
];

/** A classified source failure. Adapters throw it; rounds log and count it, never crash on it. */
export class SourceError extends Error {
  constructor(
    readonly failure: FailureClass,
    readonly source: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${source}: ${failure}: ${message}`);
    this.name = "SourceError";
  }
}

/** JSON-friendly form of a quote: decimal strings for every number (CLI output, logs, API). */
export interface QuoteJson {
  source: string;
  pair: string;
  price: string;
  bid: string | null;
  ask: string | null;
  volume: string | null;
  timestamp: number | null;
  receivedAt: number;
}
