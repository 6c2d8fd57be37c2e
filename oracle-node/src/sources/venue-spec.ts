import type { FailureClass } from "../quotes/quote";
import type { RawQuote } from "./extract";

/**
 * The declarations a venue's adapter file fills in (VenueSpec, its rate limit, its error
 * answers), and the request type they read. A leaf: it imports no module that imports it, so
 * types.ts, the HTTP layer (rate limiter), interpret-response.ts and venue-adapter.ts can all
 * depend on it without a circle.
 */

/** One pair a feed wants from one source. */
export interface SourceRequest {
  /** The feed's pair, "BTC/USD" (BASE/QUOTE, upper case). */
  pair: string;
  /** The venue's own symbol from the feed config; overrides the adapter's default mapping. */
  symbol?: string;
}

/** A token bucket sized from a venue's documented limit. */
export interface RateLimitSpec {
  /** Burst size, in cost units (requests, or request weight where the venue counts weight). */
  capacity: number;
  /** Sustained refill, cost units per second. */
  refillPerSec: number;
  /** How long to back off after a rate-limit answer that names no Retry-After. */
  penaltyMs: number;
  /** Where the numbers come from (docs, comments, `oracle-node` help). */
  note: string;
}

/** What a venue's adapter file declares; venueAdapter() turns it into a SourceAdapter. */
export interface VenueSpec {
  id: string;
  defaultBaseUrl: string;
  rateLimit: RateLimitSpec;
  maxAgeMs?: number;
  /** Most symbols one request may carry; 1 when the venue has no batch endpoint. */
  maxBatch: number;
  defaultSymbol(pair: string): string;
  /**
   * The key this request is fetched under; default: the configured symbol or defaultSymbol.
   * CoinGecko and CryptoCompare fold the pair's quote currency into it.
   */
  resolveSymbol?(req: SourceRequest): string;
  /** Documented path and query for these symbols, starting with "/". */
  path(symbols: string[]): string;
  /** Rate-limiter cost of one request for n symbols (weight); default 1. */
  cost?(n: number): number;
  /**
   * An error the venue reports in the body or status (often inside HTTP 200), or null.
   * Called for every status before anything else reads the body; body is undefined when it
   * is not JSON.
   */
  bodyError(body: unknown, status: number): BodyError | null;
  /** The payload entry for each symbol, aligned with `symbols`; undefined = venue lacks it. */
  entries(body: unknown, symbols: string[]): unknown[];
  /** Raw fields of one entry; throws PayloadError on a shape it does not recognise. */
  read(entry: unknown, body: unknown, symbol: string): RawQuote;
  /**
   * The venue's every-market endpoint (OKX tickers?instType=SPOT, Gate tickers, ...), used when
   * a round asks for at least ALL_MARKETS_MIN_SYMBOLS symbols of a venue without a batch query.
   */
  allMarkets?: AllMarketsSpec;
}

export interface AllMarketsSpec {
  /** Documented path and query of the every-market endpoint. */
  path: string;
  /** Rate-limiter cost (weight) of that request; default 1. */
  cost?: number;
  /** The row of each symbol in the answer, aligned with `symbols`; undefined = not listed. */
  entries(body: unknown, symbols: string[]): unknown[];
  /** Reads a row when its shape differs from the single-symbol answer's; default spec.read. */
  read?(entry: unknown, body: unknown, symbol: string): RawQuote;
}

export interface BodyError {
  failure: FailureClass;
  message: string;
  /** For rate-limit answers that say how long to stay away. */
  retryAfterMs?: number;
}
