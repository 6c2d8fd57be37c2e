import { get, isRecord } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Coinbase v2, GET /v2/prices/BTC-USD/spot: one spot amount, no bid, ask, volume or time.
 * Reference: docs/sources.md#coinbase-spot.
 */
export const coinbaseSpot = venueAdapter({
  id: "coinbase-spot",
  defaultBaseUrl: "https://api.coinbase.com",
  rateLimit: { capacity: 10, refillPerSec: 2.5, penaltyMs: 10_000, note: "10,000 req/h per IP (undocumented for v2 prices; conservative)" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return `${base}-${quote}`;
  },
  path: ([s]) => `/v2/prices/${encodeURIComponent(s)}/spot`,
  bodyError(body, status) {
    const first = isRecord(body) && Array.isArray(body.errors) && isRecord(body.errors[0]) ? body.errors[0] : undefined;
    const id = first ? String(first.id ?? "") : "";
    const message = first ? `${id}: ${String(first.message ?? "")}` : `HTTP ${status}`;
    if (id === "not_found" || status === 404) return { failure: "unknown-symbol", message };
    if (id === "rate_limit_exceeded") return { failure: "rate-limited", message };
    if (first) return { failure: "http-error", message };
    return null;
  },
  entries: (body) => [get(body, "data")],
  read: (d) => ({ price: get(d, "amount", "data") }),
});
