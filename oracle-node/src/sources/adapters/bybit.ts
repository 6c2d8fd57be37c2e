import { get, isRecord, list, pickRow, record, rowsFor, tsMs } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Bybit v5, GET /v5/market/tickers?category=spot&symbol=BTCUSDT; errors in HTTP 200 retCode.
 * Reference: docs/sources.md#bybit.
 */
const NOT_SUPPORTED_SYMBOL = 10001;
const TOO_MANY_VISITS = 10006;
/** Bybit's 403 "access too frequent" asks clients to wait at least 10 minutes. */
const FORBIDDEN_BACKOFF_MS = 10 * 60_000;

export const bybit = venueAdapter({
  id: "bybit",
  defaultBaseUrl: "https://api.bybit.com",
  rateLimit: { capacity: 600, refillPerSec: 120, penaltyMs: 5_000, note: "600 req / 5 s per IP" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return base + usdAsUsdt(quote);
  },
  path: ([s]) => `/v5/market/tickers?category=spot&symbol=${encodeURIComponent(s)}`,
  bodyError(body, status) {
    if (status === 403) return { failure: "rate-limited", message: "403 access too frequent", retryAfterMs: FORBIDDEN_BACKOFF_MS };
    if (!isRecord(body) || body.retCode === undefined || Number(body.retCode) === 0) return null;
    const code = Number(body.retCode);
    const message = `${String(body.retCode)} ${String(body.retMsg ?? "")}`;
    if (code === NOT_SUPPORTED_SYMBOL || /symbol/i.test(String(body.retMsg))) return { failure: "unknown-symbol", message };
    if (code === TOO_MANY_VISITS) return { failure: "rate-limited", message };
    return { failure: "http-error", message };
  },
  entries(body, [symbol]) {
    const rows = list(get(record(get(body, "result"), "result"), "list", "result"), "result.list");
    return [pickRow(rows, "symbol", symbol)];
  },
  allMarkets: {
    path: "/v5/market/tickers?category=spot",
    entries: (body, symbols) => rowsFor(list(get(record(get(body, "result"), "result"), "list", "result"), "result.list"), symbols, (r) => r.symbol),
  },
  read: (t, body) => ({
    price: get(t, "lastPrice", "ticker"),
    bid: get(t, "bid1Price", "ticker"),
    ask: get(t, "ask1Price", "ticker"),
    volume: get(t, "volume24h", "ticker"),
    timestamp: tsMs(get(body, "time"), "time"),
  }),
});
