import type { SimulatedSourceId } from "./vocabulary";

/**
 * What differs between simulated venues besides their wire format: the quote currencies each
 * lists, how far its price sits from fair (basis, noise), its spread, its 24 h volume and its
 * documented rate limit (docs/sources.md#<venue-id>). Thin venues get wide spreads and small
 * volumes. The venue ids themselves live in vocabulary.ts.
 */

/** A token bucket: `capacity` units, refilled at `refillPerSec`; a request costs its weight. */
export interface RateLimitSpec {
  capacity: number;
  refillPerSec: number;
  /** Where the figures come from, for the docs. */
  documented: string;
}

export interface VenueProfile {
  /** Quote currencies listed (upper case, canonical tickers: USDT, not UST). */
  quotes: readonly string[];
  /** Stationary standard deviation of the venue's basis to fair, bps. */
  basisBps: number;
  /** Per-step microstructure noise, bps. */
  noiseBps: number;
  /** Full bid/ask spread, bps. Zero for aggregators that quote no book. */
  spreadBps: number;
  /** 24 h traded value across its books, USD (scales base volumes). */
  volumeUsd: number;
  rateLimit: RateLimitSpec | null;
}

const CRYPTO_QUOTES = ["USD", "USDT", "USDC", "EUR", "GBP", "BTC", "ETH"];

export const VENUE_PROFILES: Record<SimulatedSourceId, VenueProfile> = {
  // No BTC/USD on binance.com (docs/sources.md#binance): USDT / USDC / FDUSD books only.
  binance: {
    quotes: ["USDT", "USDC", "FDUSD", "EUR", "BTC", "ETH"],
    basisBps: 2,
    noiseBps: 1,
    spreadBps: 0.6,
    volumeUsd: 2.5e9,
    rateLimit: { capacity: 6000, refillPerSec: 100, documented: "REQUEST_WEIGHT 6000/min/IP, ticker weight 2" },
  },
  coinbase: {
    quotes: ["USD", "USDT", "USDC", "EUR", "GBP", "BTC"],
    basisBps: 2,
    noiseBps: 1,
    spreadBps: 1.2,
    volumeUsd: 9e8,
    rateLimit: { capacity: 15, refillPerSec: 10, documented: "10 req/s/IP, bursts 15" },
  },
  "coinbase-spot": {
    quotes: ["USD", "USDT", "USDC", "EUR", "GBP", "BTC"],
    basisBps: 2,
    noiseBps: 1,
    spreadBps: 0,
    volumeUsd: 0,
    rateLimit: { capacity: 15, refillPerSec: 10, documented: "10 req/s/IP (Coinbase public limit)" },
  },
  kraken: {
    quotes: ["USD", "USDT", "USDC", "EUR", "GBP", "JPY", "CAD", "CHF", "BTC", "ETH"],
    basisBps: 3,
    noiseBps: 1.5,
    spreadBps: 2,
    volumeUsd: 4e8,
    rateLimit: { capacity: 15, refillPerSec: 1, documented: "stay at <= 1 req/s (counter of 15)" },
  },
  bitstamp: {
    quotes: ["USD", "USDT", "USDC", "EUR", "GBP", "BTC"],
    basisBps: 4,
    noiseBps: 2,
    spreadBps: 3,
    volumeUsd: 1.5e8,
    rateLimit: { capacity: 400, refillPerSec: 400, documented: "400 req/s, 10,000 per 10 min" },
  },
  bitfinex: {
    quotes: ["USD", "USDT", "EUR", "GBP", "JPY", "BTC"],
    basisBps: 4,
    noiseBps: 2,
    spreadBps: 2,
    volumeUsd: 1.2e8,
    rateLimit: { capacity: 90, refillPerSec: 1.5, documented: "~90 req/min" },
  },
  okx: {
    quotes: ["USD", "USDT", "USDC", "EUR", "BTC", "ETH"],
    basisBps: 2,
    noiseBps: 1,
    spreadBps: 0.8,
    volumeUsd: 1.2e9,
    rateLimit: { capacity: 20, refillPerSec: 10, documented: "20 req / 2 s / IP" },
  },
  bybit: {
    quotes: ["USDT", "USDC", "EUR", "BTC", "ETH"],
    basisBps: 2,
    noiseBps: 1,
    spreadBps: 1,
    volumeUsd: 1e9,
    rateLimit: { capacity: 600, refillPerSec: 120, documented: "600 req / 5 s / IP" },
  },
  gemini: {
    quotes: ["USD", "USDT", "EUR", "GBP", "BTC", "ETH"],
    basisBps: 5,
    noiseBps: 2,
    spreadBps: 4,
    volumeUsd: 6e7,
    rateLimit: { capacity: 120, refillPerSec: 2, documented: "120 req/min" },
  },
  kucoin: {
    quotes: ["USDT", "USDC", "BTC", "ETH"],
    basisBps: 3,
    noiseBps: 1.5,
    spreadBps: 1.5,
    volumeUsd: 3e8,
    rateLimit: { capacity: 2000, refillPerSec: 66.7, documented: "public pool 2000 weight / 30 s" },
  },
  gateio: {
    quotes: ["USDT", "USDC", "BTC", "ETH"],
    basisBps: 4,
    noiseBps: 2,
    spreadBps: 3,
    volumeUsd: 2e8,
    rateLimit: { capacity: 200, refillPerSec: 20, documented: "200 req / 10 s" },
  },
  htx: {
    quotes: ["USDT", "USDC", "BTC", "ETH"],
    basisBps: 4,
    noiseBps: 2,
    spreadBps: 2.5,
    volumeUsd: 2e8,
    rateLimit: { capacity: 4500, refillPerSec: 15, documented: "4,500 req / 5 min" },
  },
  cryptocom: {
    quotes: ["USD", "USDT", "USDC", "EUR", "BTC"],
    basisBps: 3,
    noiseBps: 1.5,
    spreadBps: 2,
    volumeUsd: 3e8,
    rateLimit: { capacity: 100, refillPerSec: 100, documented: "100 req/s per method" },
  },
  coingecko: {
    quotes: ["USD", "EUR", "GBP", "JPY", "CHF", "BTC", "ETH"],
    basisBps: 1,
    noiseBps: 0.5,
    spreadBps: 0,
    volumeUsd: 3e10,
    rateLimit: { capacity: 30, refillPerSec: 0.5, documented: "public API ~30 calls/min" },
  },
  cryptocompare: {
    quotes: CRYPTO_QUOTES.concat(["JPY", "CHF"]),
    basisBps: 1,
    noiseBps: 0.5,
    spreadBps: 0,
    volumeUsd: 3e10,
    rateLimit: { capacity: 50, refillPerSec: 50, documented: "free tier ~50 req/s" },
  },
  frankfurter: { quotes: ["USD", "EUR", "GBP", "JPY", "CHF"], basisBps: 0, noiseBps: 0, spreadBps: 0, volumeUsd: 0, rateLimit: null },
  "open-er-api": { quotes: ["USD", "EUR", "GBP", "JPY", "CHF"], basisBps: 0, noiseBps: 0, spreadBps: 0, volumeUsd: 0, rateLimit: null },
  "open-meteo": {
    quotes: [],
    basisBps: 0,
    noiseBps: 0,
    spreadBps: 0,
    volumeUsd: 0,
    rateLimit: { capacity: 600, refillPerSec: 10, documented: "600/min, 5,000/h" },
  },
  stooq: {
    quotes: ["USD"],
    basisBps: 0,
    noiseBps: 0,
    spreadBps: 0,
    volumeUsd: 5e9,
    rateLimit: { capacity: 10_000, refillPerSec: 10_000 / 86_400, documented: "daily hits limit (figure undocumented; 10,000/day here)" },
  },
};
