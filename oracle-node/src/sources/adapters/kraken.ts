import { get, isRecord, list, record } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * Kraken, GET /0/public/Ticker?pair=XBTUSD,ETHUSD (comma batch). Kraken calls BTC "XBT" and
 * DOGE "XDG", and answers under its canonical pair name (XBTUSD -> XXBTZUSD, ETHUSD ->
 * XETHZUSD; newer assets unprefixed: SOLUSD). Errors always come in HTTP 200 `error[]`.
 * Reference: docs/sources.md#kraken.
 */
const ASSET_CODES: Record<string, string> = { BTC: "XBT", DOGE: "XDG" };
const LEGACY_KEY_RE = /^[XZ]([A-Z]{3})[XZ]([A-Z]{3})$/;

/** A pair name with legacy X/Z prefixes stripped and Kraken asset codes read back: XXBTZUSD -> BTCUSD. */
export function krakenCanonical(name: string): string {
  const n = name.toUpperCase().replace("/", "");
  const m = LEGACY_KEY_RE.exec(n);
  const plain = m ? m[1] + m[2] : n;
  return plain.replace(/^XBT/, "BTC").replace(/XBT$/, "BTC").replace(/^XDG/, "DOGE");
}

export const kraken = venueAdapter({
  id: "kraken",
  defaultBaseUrl: "https://api.kraken.com",
  rateLimit: { capacity: 1, refillPerSec: 1, penaltyMs: 15_000, note: "public endpoints: stay at <= 1 req/s" },
  maxBatch: 100,
  defaultSymbol(pair) {
    const { base, quote } = splitPair(pair);
    return (ASSET_CODES[base] ?? base) + (ASSET_CODES[quote] ?? quote);
  },
  path: (symbols) => `/0/public/Ticker?pair=${symbols.map(encodeURIComponent).join(",")}`,
  bodyError(body) {
    if (!isRecord(body) || !Array.isArray(body.error) || body.error.length === 0) return null;
    const message = body.error.map(String).join("; ");
    if (/Unknown asset pair|Invalid arguments/i.test(message)) return { failure: "unknown-symbol", message };
    if (/Too many requests|Rate limit/i.test(message)) return { failure: "rate-limited", message };
    return { failure: "http-error", message };
  },
  entries(body, symbols) {
    const result = record(get(body, "result"), "result");
    const keys = Object.keys(result);
    return symbols.map((s) => {
      if (result[s] !== undefined) return result[s];
      const want = krakenCanonical(s);
      const key = keys.find((k) => krakenCanonical(k) === want) ?? (symbols.length === 1 && keys.length === 1 ? keys[0] : undefined);
      return key === undefined ? undefined : result[key];
    });
  },
  read(t) {
    const first = (k: string, i = 0) => list(get(t, k, "ticker"), k)[i];
    return { price: first("c"), bid: first("b"), ask: first("a"), volume: first("v", 1) };
  },
});
