import { get, isRecord, pickRow, list, tsMs } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Binance spot, GET /api/v3/ticker/24hr: last, bid, ask, base volume and closeTime in one call;
 * `symbols=["BTCUSDT","ETHUSDT"]` batches. binance.com lists no BTC/USD book, so a USD feed
 * reads the USDT book by default (BTC/USD -> BTCUSDT).
 * Reference: docs/sources.md#binance.
 */
const INVALID_SYMBOL = -1121;
const TOO_MANY_REQUESTS = -1003;

export const binance = venueAdapter({
  id: "binance",
  defaultBaseUrl: "https://api.binance.com",
  rateLimit: {
    capacity: 6000,
    refillPerSec: 100,
    penaltyMs: 60_000,
    note: "REQUEST_WEIGHT 6000/min/IP; 24hr ticker weight 2 (1-20 symbols), 40 (21-100)",
  },
  maxBatch: 100,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return base + usdAsUsdt(quote);
  },
  path: (symbols) =>
    symbols.length === 1
      ? `/api/v3/ticker/24hr?symbol=${encodeURIComponent(symbols[0])}`
      : `/api/v3/ticker/24hr?symbols=${encodeURIComponent(JSON.stringify(symbols))}`,
  cost: (n) => (n <= 20 ? 2 : 40),
  bodyError(body, status) {
    if (!isRecord(body) || typeof body.code !== "number") return null;
    const message = `${body.code} ${String(body.msg ?? "")}`;
    if (body.code === INVALID_SYMBOL) return { failure: "unknown-symbol", message };
    if (body.code === TOO_MANY_REQUESTS) return { failure: "rate-limited", message };
    return status >= 400 ? { failure: "http-error", message: `HTTP ${status}: ${message}` } : null;
  },
  entries(body, symbols) {
    if (!Array.isArray(body)) return symbols.length === 1 && isRecord(body) ? [pickRow([body], "symbol", symbols[0])] : list(body, "response");
    const bySymbol = new Map(body.filter(isRecord).map((t) => [t.symbol, t]));
    return symbols.map((s) => bySymbol.get(s));
  },
  read: (t) => ({
    price: get(t, "lastPrice", "ticker"),
    bid: get(t, "bidPrice", "ticker"),
    ask: get(t, "askPrice", "ticker"),
    volume: get(t, "volume", "ticker"),
    timestamp: tsMs(get(t, "closeTime", "ticker"), "closeTime"),
  }),
});
