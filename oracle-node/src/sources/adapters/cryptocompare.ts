import { get, isRecord, malformed, record } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * CryptoCompare: GET /data/price?fsym=BTC&tsyms=USD -> {"USD":67187.33}; several pairs via
 * GET /data/pricemulti?fsyms=BTC,ETH&tsyms=USD,EUR -> {"BTC":{"USD":...},...}. Errors arrive in
 * HTTP 200 as {"Response":"Error"}; Type 99 is the rate limit. The symbol is the from-symbol
 * ("BTC"), or "FROM/TO" to override the pair's quote currency. No bid, ask, volume or time.
 * Reference: docs/sources.md#cryptocompare.
 */
const RATE_LIMIT_TYPE = 99;

function split(key: string): { from: string; to: string } {
  const [from, to] = key.split("/");
  if (!from || !to) malformed(`bad cryptocompare key ${key}`);
  return { from, to };
}

export const cryptocompare = venueAdapter({
  id: "cryptocompare",
  defaultBaseUrl: "https://min-api.cryptocompare.com",
  rateLimit: { capacity: 20, refillPerSec: 5, penaltyMs: 60_000, note: "free tier; limits undocumented (conservative)" },
  maxBatch: 100,
  defaultSymbol(pair) {
    return splitPair(pair).base;
  },
  resolveSymbol(req) {
    const { base, quote } = splitPair(req.pair);
    const sym = req.symbol?.trim() || base;
    return (sym.includes("/") ? sym : `${sym}/${quote}`).toUpperCase();
  },
  path(keys) {
    if (keys.length === 1) {
      const { from, to } = split(keys[0]);
      return `/data/price?fsym=${encodeURIComponent(from)}&tsyms=${encodeURIComponent(to)}`;
    }
    const froms = [...new Set(keys.map((k) => split(k).from))];
    const tos = [...new Set(keys.map((k) => split(k).to))];
    return `/data/pricemulti?fsyms=${froms.map(encodeURIComponent).join(",")}&tsyms=${tos.map(encodeURIComponent).join(",")}`;
  },
  bodyError(body) {
    if (!isRecord(body) || body.Response !== "Error") return null;
    const message = String(body.Message ?? "error");
    if (Number(body.Type) === RATE_LIMIT_TYPE || /rate limit/i.test(message)) return { failure: "rate-limited", message };
    if (/no data|does not exist|market does not exist/i.test(message) || body.ParamWithError !== undefined) {
      return { failure: "unknown-symbol", message };
    }
    return { failure: "http-error", message };
  },
  entries(body, keys) {
    record(body, "response");
    if (keys.length === 1) return [get(body, split(keys[0]).to)];
    return keys.map((k) => {
      const { from, to } = split(k);
      const row = get(body, from);
      return row === undefined ? undefined : get(row, to, from);
    });
  },
  read: (price) => ({ price }),
});
