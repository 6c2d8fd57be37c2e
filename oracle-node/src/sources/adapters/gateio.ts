import { get, isRecord, list, pickRow, rowsFor } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Gate v4, GET /api/v4/spot/tickers?currency_pair=BTC_USDT: an array even for one pair; no time.
 * Reference: docs/sources.md#gateio.
 */
export const gateio = venueAdapter({
  id: "gateio",
  defaultBaseUrl: "https://api.gateio.ws",
  rateLimit: { capacity: 200, refillPerSec: 20, penaltyMs: 10_000, note: "200 req / 10 s" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return `${base}_${usdAsUsdt(quote)}`;
  },
  path: ([s]) => `/api/v4/spot/tickers?currency_pair=${encodeURIComponent(s)}`,
  bodyError(body) {
    if (!isRecord(body) || typeof body.label !== "string") return null;
    const message = `${body.label} ${String(body.message ?? "")}`;
    if (body.label === "INVALID_CURRENCY_PAIR" || body.label === "INVALID_CURRENCY") return { failure: "unknown-symbol", message };
    if (body.label === "TOO_MANY_REQUESTS") return { failure: "rate-limited", message };
    return { failure: "http-error", message };
  },
  entries(body, [symbol]) {
    const rows = list(body, "response");
    return [pickRow(rows, "currency_pair", symbol)];
  },
  allMarkets: {
    path: "/api/v4/spot/tickers",
    entries: (body, symbols) => rowsFor(list(body, "response"), symbols, (r) => r.currency_pair),
  },
  read: (t) => ({
    price: get(t, "last", "ticker"),
    bid: get(t, "highest_bid", "ticker"),
    ask: get(t, "lowest_ask", "ticker"),
    volume: get(t, "base_volume", "ticker"),
  }),
});
