import { get, isRecord, list, record, rowsFor, tsMs } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * KuCoin, GET /api/v1/market/orderbook/level1?symbol=BTC-USDT: last, best bid/ask, time; no
 * volume on this endpoint. Unknown symbols answer 200 with data:null.
 * Reference: docs/sources.md#kucoin.
 */
const OK = "200000";
const TOO_MANY_REQUESTS = "429000";
/** allTickers counts 15 against the public pool (level1 counts 2). */
const ALL_TICKERS_WEIGHT = 15;

export const kucoin = venueAdapter({
  id: "kucoin",
  defaultBaseUrl: "https://api.kucoin.com",
  rateLimit: { capacity: 2000, refillPerSec: 66, penaltyMs: 30_000, note: "public pool 2000 weight / 30 s; level1 weight 2" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return `${base}-${usdAsUsdt(quote)}`;
  },
  path: ([s]) => `/api/v1/market/orderbook/level1?symbol=${encodeURIComponent(s)}`,
  cost: () => 2,
  bodyError(body) {
    if (!isRecord(body) || body.code === undefined || String(body.code) === OK) return null;
    const message = `${String(body.code)} ${String(body.msg ?? "")}`;
    if (String(body.code) === TOO_MANY_REQUESTS) return { failure: "rate-limited", message };
    if (/symbol/i.test(String(body.msg))) return { failure: "unknown-symbol", message };
    return { failure: "http-error", message };
  },
  entries: (body) => [get(body, "data")],
  // GET /api/v1/market/allTickers: {"code":"200000","data":{"time":ms,"ticker":[{symbol, last, buy, sell, vol, ...}]}}.
  allMarkets: {
    path: "/api/v1/market/allTickers",
    cost: ALL_TICKERS_WEIGHT,
    entries: (body, symbols) => rowsFor(list(get(record(get(body, "data"), "data"), "ticker", "data"), "data.ticker"), symbols, (r) => r.symbol),
    read: (t, body) => ({
      price: get(t, "last", "ticker"),
      bid: get(t, "buy", "ticker"),
      ask: get(t, "sell", "ticker"),
      volume: get(t, "vol", "ticker"),
      timestamp: tsMs(get(get(body, "data"), "time", "data"), "data.time"),
    }),
  },
  read: (d) => ({
    price: get(d, "price", "data"),
    bid: get(d, "bestBid", "data"),
    ask: get(d, "bestAsk", "data"),
    timestamp: tsMs(get(d, "time", "data"), "time"),
  }),
});
