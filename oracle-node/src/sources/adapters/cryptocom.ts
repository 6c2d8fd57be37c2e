import { get, isRecord, list, pickRow, record, rowsFor, tsMs } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Crypto.com Exchange v1, GET /exchange/v1/public/get-tickers?instrument_name=BTC_USDT.
 * Short keys: last is `a` (not ask!), bid `b`, ask `k`, base volume `v`, time `t` (ms).
 * Reference: docs/sources.md#cryptocom.
 */
const INVALID_INSTRUMENT = 40004;
const TOO_MANY_REQUESTS = 42901;

export const cryptocom = venueAdapter({
  id: "cryptocom",
  defaultBaseUrl: "https://api.crypto.com",
  rateLimit: { capacity: 100, refillPerSec: 100, penaltyMs: 1_000, note: "100 req/s per method" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return `${base}_${usdAsUsdt(quote)}`;
  },
  path: ([s]) => `/exchange/v1/public/get-tickers?instrument_name=${encodeURIComponent(s)}`,
  bodyError(body) {
    if (!isRecord(body) || body.code === undefined || Number(body.code) === 0) return null;
    const code = Number(body.code);
    const message = `${String(body.code)} ${String(body.message ?? "")}`;
    if (code === INVALID_INSTRUMENT || /instrument/i.test(String(body.message))) return { failure: "unknown-symbol", message };
    if (code === TOO_MANY_REQUESTS) return { failure: "rate-limited", message };
    return { failure: "http-error", message };
  },
  entries(body, [symbol]) {
    const rows = list(get(record(get(body, "result"), "result"), "data", "result"), "result.data");
    return [pickRow(rows, "i", symbol)];
  },
  allMarkets: {
    path: "/exchange/v1/public/get-tickers",
    entries: (body, symbols) => rowsFor(list(get(record(get(body, "result"), "result"), "data", "result"), "result.data"), symbols, (r) => r.i),
  },
  read: (t) => ({
    price: get(t, "a", "ticker"),
    bid: get(t, "b", "ticker"),
    ask: get(t, "k", "ticker"),
    volume: get(t, "v", "ticker"),
    timestamp: tsMs(get(t, "t", "ticker"), "t"),
  }),
});
