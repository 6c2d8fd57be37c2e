import { get, isRecord, tsIso } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Coinbase Exchange, GET /products/BTC-USD/ticker: price, bid, ask, volume, ISO time (µs).
 * Reference: docs/sources.md#coinbase.
 */
export const coinbase = venueAdapter({
  id: "coinbase",
  defaultBaseUrl: "https://api.exchange.coinbase.com",
  rateLimit: { capacity: 15, refillPerSec: 10, penaltyMs: 1_000, note: "public: 10 req/s per IP, bursts of 15" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return `${base}-${quote}`;
  },
  path: ([s]) => `/products/${encodeURIComponent(s)}/ticker`,
  bodyError(body, status) {
    const message = isRecord(body) && typeof body.message === "string" ? body.message : `HTTP ${status}`;
    if (status === 404 || message === "NotFound") return { failure: "unknown-symbol", message };
    if (/rate limit/i.test(message)) return { failure: "rate-limited", message };
    return null;
  },
  entries: (body) => [body],
  read: (t) => ({
    price: get(t, "price", "ticker"),
    bid: get(t, "bid", "ticker"),
    ask: get(t, "ask", "ticker"),
    volume: get(t, "volume", "ticker"),
    timestamp: tsIso(get(t, "time", "ticker"), "time"),
  }),
});
