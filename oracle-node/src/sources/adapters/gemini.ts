import { get, isRecord, record, tsMs } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Gemini, GET /v1/pubticker/btcusd: volume is keyed by currency code ({"BTC": base volume,
 * "USD": quote volume, "timestamp": ms}); the base is the key the symbol starts with.
 * Reference: docs/sources.md#gemini.
 */
export const gemini = venueAdapter({
  id: "gemini",
  defaultBaseUrl: "https://api.gemini.com",
  rateLimit: { capacity: 20, refillPerSec: 2, penaltyMs: 60_000, note: "public API: 120 req/min" },
  maxBatch: 1,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return (base + quote).toLowerCase();
  },
  path: ([s]) => `/v1/pubticker/${encodeURIComponent(s)}`,
  bodyError(body) {
    if (!isRecord(body) || body.result !== "error") return null;
    const message = `${String(body.reason ?? "")}: ${String(body.message ?? "")}`;
    if (/InvalidSymbol/i.test(String(body.reason))) return { failure: "unknown-symbol", message };
    if (/RateLimit/i.test(String(body.reason))) return { failure: "rate-limited", message };
    return { failure: "http-error", message };
  },
  entries: (body) => [body],
  read(t, _body, symbol) {
    const vol = get(t, "volume", "ticker");
    const v = vol === undefined ? undefined : record(vol, "volume");
    // The longest currency key the symbol starts with: "usdcusd" is USDC, not USD.
    const baseKey =
      v &&
      Object.keys(v)
        .filter((k) => k !== "timestamp" && symbol.toUpperCase().startsWith(k.toUpperCase()))
        .sort((a, b) => b.length - a.length)[0];
    return {
      price: get(t, "last", "ticker"),
      bid: get(t, "bid", "ticker"),
      ask: get(t, "ask", "ticker"),
      volume: v && baseKey ? v[baseKey] : undefined,
      timestamp: v ? tsMs(v.timestamp, "volume.timestamp") : undefined,
    };
  },
});
