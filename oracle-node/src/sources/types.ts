import type pLimit from "p-limit";
import type { Logger } from "../log/logger";
import type { FailureClass, Quote, SourceError } from "../quotes/quote";
import type { RateLimiter } from "./http/rate-limiter";
import type { RateLimitSpec, SourceRequest } from "./venue-spec";

/**
 * The contract between the node and every price source. One adapter per venue (adapters/*.ts)
 * or per generic JSON/CSV config (generic/*.ts); the node only ever sees this interface.
 */

export type { RateLimitSpec, SourceRequest } from "./venue-spec";

export interface SourceContext {
  /**
   * Replaces the documented scheme and host ("http://127.0.0.1:PORT/<id>" for the simulator,
   * which may add a path prefix); the documented path and query follow it unchanged. Absent:
   * the adapter's defaultBaseUrl.
   */
  baseUrl?: string;
  /** Per HTTP attempt; the request is aborted (socket closed) when it runs out. */
  timeoutMs: number;
  /** Now, unix ms; injected so tests and backtests control staleness. */
  now: () => number;
  /** Aborts every request of the call (node shutdown, round deadline). */
  signal?: AbortSignal;
  logger?: Logger;
  /** A source timestamp older than this is "stale". Default: the adapter's maxAgeMs. */
  maxAgeMs?: number;
  /** Retries after a timeout or 5xx (default DEFAULT_MAX_RETRIES). */
  maxRetries?: number;
  /** The source's token bucket (SourceFetcher passes one per source); absent: no local limit. */
  limiter?: RateLimiter;
  /** Bounds in-flight HTTP requests across all sources of a round (p-limit); absent: unbounded. */
  semaphore?: pLimit.Limit;
  /** Called once per HTTP attempt actually sent (metrics, benchmarks). */
  onRequest?: (sourceId: string, url: string) => void;
  /**
   * Called once per HTTP attempt when it ends: seconds from sending to the verdict on the
   * answer (queueing for the limiter or the semaphore not included), and "ok" or the failure
   * class the attempt ended with (metrics: oracle_source_latency_seconds).
   */
  onResponse?: (sourceId: string, seconds: number, outcome: "ok" | FailureClass) => void;
}

export type SourceResult = { ok: true; quote: Quote } | { ok: false; error: SourceError };

export interface SourceAdapter {
  /** Source id used in configs, logs and metrics: binance, kraken, ... */
  readonly id: string;
  /** Documented scheme + host, e.g. "https://api.binance.com". */
  readonly defaultBaseUrl: string;
  readonly rateLimit: RateLimitSpec;
  /** True when several pairs are fetched with one HTTP request. */
  readonly batch: boolean;
  /** Default quote age limit for this source, ms. */
  readonly maxAgeMs: number;
  /** The venue symbol for a feed pair when the config names none ("BTC/USD" -> "BTCUSDT"). */
  defaultSymbol(pair: string): string;
  /**
   * Fetches quotes: exactly one result per request, in the same order. Never throws: every
   * failure is a classified SourceError inside the result. Every quote passed validateQuote.
   */
  fetch(reqs: SourceRequest[], ctx: SourceContext): Promise<SourceResult[]>;
}
