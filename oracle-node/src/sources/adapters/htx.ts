import { get, isRecord, list, rowsFor, tsMs } from "../extract";
import { splitPair, usdAsUsdt } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * HTX (Huobi), GET /market/detail/merged?symbol=btcusdt: JSON numbers; errors as status:"error".
 * Reference: docs/sources.md#htx.
 */
export const htx = venueAdapter({
  id: "htx",
  defaultBaseUrl: "https://api.huobi.pro",
  rateLimit: { capacity: 100, refillPerSec: 15, penaltyMs: 10_000, note: "4,500 req / 5 min per IP" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return (base + usdAsUsdt(quote)).toLowerCase();
  },
  path: ([s]) => `/market/detail/merged?symbol=${encodeURIComponent(s)}`,
  bodyError(body) {
    if (!isRecord(body) || body.status !== "error") return null;
    const code = String(body["err-code"] ?? "");
    const message = `${code} ${String(body["err-msg"] ?? "")}`;
    if (/frequency|limit/i.test(code)) return { failure: "rate-limited", message };
    if (/symbol/i.test(message)) return { failure: "unknown-symbol", message };
    return { failure: "http-error", message };
  },
  entries: (body) => [get(body, "tick")],
  // GET /market/tickers: {"status":"ok","ts":...,"data":[{symbol, close, bid, ask, amount, ...}]}.
  allMarkets: {
    path: "/market/tickers",
    entries: (body, symbols) => rowsFor(list(get(body, "data"), "data"), symbols, (r) => r.symbol),
    read: (t, body) => ({
      price: get(t, "close", "ticker"),
      bid: get(t, "bid", "ticker"),
      ask: get(t, "ask", "ticker"),
      volume: get(t, "amount", "ticker"),
      timestamp: tsMs(get(body, "ts"), "ts"),
    }),
  },
  read: (tick, body) => ({
    price: get(tick, "close", "tick"),
    bid: list(get(tick, "bid", "tick") ?? [], "tick.bid")[0],
    ask: list(get(tick, "ask", "tick") ?? [], "tick.ask")[0],
    volume: get(tick, "amount", "tick"),
    timestamp: tsMs(get(body, "ts"), "ts"),
  }),
});
