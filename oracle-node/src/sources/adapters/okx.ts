import { get, isRecord, list, pickRow, rowsFor, tsMs } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * OKX v5, GET /api/v5/market/ticker?instId=BTC-USDT; errors in HTTP 200 with code != "0".
 * Reference: docs/sources.md#okx.
 */
const INSTRUMENT_UNKNOWN = "51001";
const RATE_LIMITED = "50011";

export const okx = venueAdapter({
  id: "okx",
  defaultBaseUrl: "https://www.okx.com",
  rateLimit: { capacity: 20, refillPerSec: 10, penaltyMs: 2_000, note: "20 req / 2 s per IP" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return `${base}-${usdAsUsdt(quote)}`;
  },
  path: ([s]) => `/api/v5/market/ticker?instId=${encodeURIComponent(s)}`,
  bodyError(body) {
    if (!isRecord(body) || body.code === undefined || String(body.code) === "0") return null;
    const code = String(body.code);
    const message = `${code} ${String(body.msg ?? "")}`;
    if (code === INSTRUMENT_UNKNOWN) return { failure: "unknown-symbol", message };
    if (code === RATE_LIMITED) return { failure: "rate-limited", message };
    return { failure: "http-error", message };
  },
  entries: (body, [symbol]) => [pickRow(list(get(body, "data"), "data"), "instId", symbol)],
  allMarkets: {
    path: "/api/v5/market/tickers?instType=SPOT",
    entries: (body, symbols) => rowsFor(list(get(body, "data"), "data"), symbols, (r) => r.instId),
  },
  read: (t) => ({
    price: get(t, "last", "ticker"),
    bid: get(t, "bidPx", "ticker"),
    ask: get(t, "askPx", "ticker"),
    volume: get(t, "vol24h", "ticker"),
    timestamp: tsMs(get(t, "ts", "ticker"), "ts"),
  }),
});
