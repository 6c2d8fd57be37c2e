/**
 * Feed pairs ("BTC/USD") and the venue symbol conventions shared by several adapters.
 * Venue-specific rules (Kraken's XBT, Bitfinex's UST, CoinGecko ids) live in the adapter file.
 */
export interface Pair {
  base: string;
  quote: string;
}

const PAIR_RE = /^([A-Z0-9]{1,20})\/([A-Z0-9]{1,20})$/;

/** Splits "BTC/USD" (case-insensitive) into upper-case parts; throws a clear error otherwise. */
export function splitPair(pair: string): Pair {
  const m = PAIR_RE.exec(String(pair).trim().toUpperCase());
  if (!m) throw new Error(`pair must look like BASE/QUOTE (e.g. BTC/USD), got ${JSON.stringify(pair)}`);
  return { base: m[1], quote: m[2] };
}

/**
 * Venues that list no fiat-USD book quote Bitcoin and friends in Tether; a USD feed reads the
 * USDT book there (a feed that must exclude Tether names the symbol explicitly).
 */
export function usdAsUsdt(quote: string): string {
  return quote === "USD" ? "USDT" : quote;
}

/** Symbols go into URLs: allow only what venues use, so config cannot inject a path or query. */
const SAFE_SYMBOL_RE = /^[A-Za-z0-9._:\-/]{1,64}$/;

export function checkSymbol(symbol: string): string {
  if (!SAFE_SYMBOL_RE.test(symbol)) throw new Error(`symbol has characters no venue uses: ${JSON.stringify(symbol)}`);
  return symbol;
}
