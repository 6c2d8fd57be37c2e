import { get, isRecord, list, rowsFor, tsSeconds } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Bitstamp, GET /api/v2/ticker/btcusd/: all strings, timestamp in seconds.
 * Reference: docs/sources.md#bitstamp.
 */
const RATE_LIMIT_CODE = "400.002";

export const bitstamp = venueAdapter({
  id: "bitstamp",
  defaultBaseUrl: "https://www.bitstamp.net",
  rateLimit: { capacity: 400, refillPerSec: 16, penaltyMs: 10_000, note: "400 req/s and 10,000 per 10 min" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return (base + quote).toLowerCase();
  },
  path: ([s]) => `/api/v2/ticker/${encodeURIComponent(s)}/`,
  bodyError(body, status) {
    if (isRecord(body) && body.status === "error") {
      const message = `${String(body.code ?? "")} ${String(body.reason ?? "")}`.trim();
      if (String(body.code) === RATE_LIMIT_CODE) return { failure: "rate-limited", message };
      if (status === 404) return { failure: "unknown-symbol", message };
      return { failure: "http-error", message };
    }
    return status === 404 ? { failure: "unknown-symbol", message: "HTTP 404 (unknown pair)" } : null;
  },
  entries: (body) => [body],
  // GET /api/v2/ticker/: every market, each row naming its pair as "BTC/USD".
  allMarkets: {
    path: "/api/v2/ticker/",
    entries: (body, symbols) =>
      rowsFor(list(body, "response"), symbols, (r) =>
        String(r.pair ?? "")
          .replace("/", "")
          .toLowerCase(),
      ),
  },
  read: (t) => ({
    price: get(t, "last", "ticker"),
    bid: get(t, "bid", "ticker"),
    ask: get(t, "ask", "ticker"),
    volume: get(t, "volume", "ticker"),
    timestamp: tsSeconds(get(t, "timestamp", "ticker")),
  }),
});
