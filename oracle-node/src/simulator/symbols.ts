import { assetBySymbol } from "./assets";
import { VENUE_PROFILES } from "./venue-profiles";
import type { CryptoVenueId } from "./vocabulary";

/**
 * Venue symbol conventions (docs/sources.md#<venue-id>), both ways: what a venue accepts in a request and
 * how it names a market in its answer. The simulator parses whatever symbol a client sends
 * exactly as strictly as the venue does (Binance wants upper case, HTX and Bitstamp lower case,
 * Kraken answers under its own canonical key, Bitfinex needs a t-prefix and calls Tether UST).
 */
export interface Market {
  base: string;
  quote: string;
}

/** Kraken's pre-2019 asset codes, which get an X (crypto) or Z (fiat) prefix in pair keys. */
const KRAKEN_LEGACY_CRYPTO = new Set(["XBT", "ETH", "LTC", "XRP", "XLM", "ETC", "XMR", "ZEC", "REP", "MLN"]);
const KRAKEN_FIAT = new Set(["USD", "EUR", "GBP", "JPY", "CAD", "CHF"]);
const KRAKEN_NAMES: Record<string, string> = { BTC: "XBT", DOGE: "XDG" };
/** Tether is UST on Bitfinex (docs/sources.md#bitfinex); every other code is the plain ticker. */
const BITFINEX_NAMES: Record<string, string> = { USDT: "UST" };

function invert(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
}
const KRAKEN_TO_STD = invert(KRAKEN_NAMES);
const BITFINEX_TO_STD = invert(BITFINEX_NAMES);

/** Is base/quote a market this venue lists? Crypto and stablecoin bases, quotes from its profile. */
export function isListed(venue: CryptoVenueId, m: Market): boolean {
  const base = assetBySymbol(m.base);
  const quote = assetBySymbol(m.quote);
  if (!base || !quote || base.symbol === quote.symbol) return false;
  if (base.kind !== "crypto" && base.kind !== "stable") return false;
  return VENUE_PROFILES[venue].quotes.includes(quote.symbol);
}

/** Every market the venue lists (for the all-tickers endpoints). */
export function listedMarkets(venue: CryptoVenueId, bases: readonly string[], quotes: readonly string[]): Market[] {
  const out: Market[] = [];
  for (const base of bases) for (const quote of quotes) if (isListed(venue, { base, quote })) out.push({ base, quote });
  return out;
}

/** Splits concatenated "BTCUSDT" by trying every cut, longest quote first. */
function splitConcat(venue: CryptoVenueId, text: string, rename: (s: string) => string = (s) => s): Market | undefined {
  for (let cut = 1; cut < text.length; cut++) {
    const m = { base: rename(text.slice(0, cut)), quote: rename(text.slice(cut)) };
    if (isListed(venue, m)) return m;
  }
  return undefined;
}

function splitOn(venue: CryptoVenueId, text: string, sep: string): Market | undefined {
  const parts = text.split(sep);
  if (parts.length !== 2) return undefined;
  const m = { base: parts[0], quote: parts[1] };
  return isListed(venue, m) ? m : undefined;
}

function krakenAsset(code: string): string {
  // XXBT -> XBT, ZUSD -> USD: the four-letter legacy forms.
  if (code.length === 4 && (code[0] === "X" || code[0] === "Z")) {
    const inner = code.slice(1);
    if (KRAKEN_LEGACY_CRYPTO.has(inner) || KRAKEN_FIAT.has(inner)) code = inner;
  }
  return KRAKEN_TO_STD[code] ?? code;
}

/**
 * Kraken's answer key (docs/sources.md#kraken): legacy assets X/Z-prefixed, XBT/USD -> XXBTZUSD,
 * ETH/XBT -> XETHXXBT; newer assets unprefixed: SOL/USD -> SOLUSD, XBT/USDT -> XBTUSDT.
 */
export function krakenPairKey(m: Market): string {
  const b = KRAKEN_NAMES[m.base] ?? m.base;
  const q = KRAKEN_NAMES[m.quote] ?? m.quote;
  if (KRAKEN_LEGACY_CRYPTO.has(b)) {
    if (KRAKEN_FIAT.has(q)) return `X${b}Z${q}`;
    if (KRAKEN_LEGACY_CRYPTO.has(q)) return `X${b}X${q}`;
    return `${b}${q}`;
  }
  return `${b}${q}`;
}

/** Bitfinex trading symbol: tBTCUSD, tBTCUST, tDOGE:USD. */
export function bitfinexSymbol(m: Market): string {
  const b = BITFINEX_NAMES[m.base] ?? m.base;
  const q = BITFINEX_NAMES[m.quote] ?? m.quote;
  return b.length > 3 || q.length > 3 ? `t${b}:${q}` : `t${b}${q}`;
}

/** The symbol a venue uses in its own answers for a market. */
export function venueSymbol(venue: CryptoVenueId, m: Market): string {
  switch (venue) {
    case "binance":
    case "bybit":
      return `${m.base}${m.quote}`;
    case "coinbase":
    case "coinbase-spot":
    case "okx":
    case "kucoin":
      return `${m.base}-${m.quote}`;
    case "gateio":
    case "cryptocom":
      return `${m.base}_${m.quote}`;
    case "bitstamp":
    case "gemini":
    case "htx":
      return `${m.base}${m.quote}`.toLowerCase();
    case "kraken":
      return krakenPairKey(m);
    case "bitfinex":
      return bitfinexSymbol(m);
    case "coingecko":
    case "cryptocompare":
      return `${m.base}/${m.quote}`;
  }
}

/**
 * Parses the symbol a client sent, as strictly as the venue would; undefined = the venue
 * answers "unknown symbol". CoinGecko and CryptoCompare take base and quote separately.
 */
export function parseVenueSymbol(venue: CryptoVenueId, symbol: string): Market | undefined {
  switch (venue) {
    case "binance":
    case "bybit":
      return /^[A-Z0-9]+$/.test(symbol) ? splitConcat(venue, symbol) : undefined;
    case "htx":
    case "bitstamp":
      return /^[a-z0-9]+$/.test(symbol) ? splitConcat(venue, symbol.toUpperCase()) : undefined;
    case "gemini":
      return /^[A-Za-z0-9]+$/.test(symbol) ? splitConcat(venue, symbol.toUpperCase()) : undefined;
    case "coinbase":
    case "coinbase-spot":
      return splitOn(venue, symbol.toUpperCase(), "-");
    case "okx":
    case "kucoin":
      return splitOn(venue, symbol, "-");
    case "gateio":
    case "cryptocom":
      return splitOn(venue, symbol, "_");
    case "kraken":
      return /^[A-Za-z0-9]+$/.test(symbol) ? splitConcat(venue, symbol.toUpperCase(), krakenAsset) : undefined;
    case "bitfinex": {
      const m = /^t([A-Z0-9]+?)(?::([A-Z0-9]+))?$/.exec(symbol);
      if (!m) return undefined;
      const std = (s: string): string => BITFINEX_TO_STD[s] ?? s;
      const parsed = m[2] !== undefined ? { base: std(m[1]), quote: std(m[2]) } : splitConcat(venue, m[1], std);
      if (!parsed || !isListed(venue, parsed) || bitfinexSymbol(parsed) !== symbol) return undefined;
      return parsed;
    }
    case "coingecko":
    case "cryptocompare": {
      const parts = symbol.split("/");
      if (parts.length !== 2) return undefined;
      const m = { base: parts[0].toUpperCase(), quote: parts[1].toUpperCase() };
      return isListed(venue, m) ? m : undefined;
    }
  }
}
