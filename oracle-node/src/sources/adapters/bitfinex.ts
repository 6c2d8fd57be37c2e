import { isRecord, list, malformed } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Bitfinex v2: GET /v2/ticker/tBTCUSD -> [BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE,
 * DAILY_CHANGE_RELATIVE, LAST_PRICE, VOLUME, HIGH, LOW] (JSON numbers); several pairs via
 * GET /v2/tickers?symbols=tBTCUSD,tETHUSD, each row prefixed with its symbol. Symbols are
 * "t" + BASE + QUOTE, Tether is UST, codes longer than 3 letters take a colon (tDOGE:USD).
 * Reference: docs/sources.md#bitfinex.
 */
const SYMBOL_INVALID = 10020;
const TICKER_FIELDS = 10;
const ALIASES: Record<string, string> = { USDT: "UST" };

export const bitfinex = venueAdapter({
  id: "bitfinex",
  defaultBaseUrl: "https://api-pub.bitfinex.com",
  rateLimit: { capacity: 10, refillPerSec: 1.5, penaltyMs: 60_000, note: "~90 req/min; a breach blocks the IP for 10-60 s" },
  maxBatch: 100,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    const b = ALIASES[base] ?? base;
    const q = ALIASES[quote] ?? quote;
    return b.length > 3 || q.length > 3 ? `t${b}:${q}` : `t${b}${q}`;
  },
  path: (symbols) =>
    symbols.length === 1 ? `/v2/ticker/${encodeURIComponent(symbols[0])}` : `/v2/tickers?symbols=${symbols.map(encodeURIComponent).join(",")}`,
  bodyError(body) {
    if (Array.isArray(body) && body[0] === "error") {
      const message = `${String(body[1])} ${String(body[2] ?? "")}`;
      return { failure: body[1] === SYMBOL_INVALID || /symbol/i.test(String(body[2])) ? "unknown-symbol" : "http-error", message };
    }
    if (isRecord(body) && body.error !== undefined) {
      const message = String(body.error);
      return { failure: /RATE_LIMIT/i.test(message) ? "rate-limited" : "http-error", message };
    }
    return null;
  },
  entries(body, symbols) {
    const rows = list(body, "response");
    if (symbols.length === 1 && (rows.length === 0 || !Array.isArray(rows[0]))) return [rows.length === 0 ? undefined : rows];
    const bySymbol = new Map(rows.filter(Array.isArray).map((r) => [r[0], r.slice(1)]));
    return symbols.map((s) => bySymbol.get(s));
  },
  read(row) {
    const r = list(row, "ticker");
    if (r.length < TICKER_FIELDS) malformed(`ticker has ${r.length} fields, expected ${TICKER_FIELDS}`);
    return { price: r[6], bid: r[0], ask: r[2], volume: r[7] };
  },
});
