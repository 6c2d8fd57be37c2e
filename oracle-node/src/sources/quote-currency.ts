import { isSourceId } from "./registry";
import { splitPair } from "./symbols";
import type { SourceAdapter } from "./types";

/**
 * The currency a source's book for a feed pair is quoted in. Venues that list no fiat-USD book
 * answer a USD feed from their USDT book (symbols.ts usdAsUsdt: Binance BTCUSDT, OKX BTC-USDT,
 * ...), and a config may name a USDT or USDC book explicitly (`symbol: BTCUSDC`). Books are named
 * BASE+QUOTE on every exchange adapter, so the symbol's ending tells: USDT (Bitfinex: UST), USDC,
 * FDUSD. Aggregators (CoinGecko, CryptoCompare) and generic sources quote in the pair's own
 * currency. A config's `feeds[].sources[].quoteCurrency` overrides all of this.
 */

/** Sources whose symbol does not carry the quote currency (it is the pair's, by request). */
const QUOTE_BY_REQUEST: ReadonlySet<string> = new Set(["coingecko", "cryptocompare"]);

/** Stablecoin tickers as book symbols end in them, FDUSD before USD-anything. */
const STABLE_ENDINGS: ReadonlyArray<[string, string]> = [
  ["FDUSD", "FDUSD"],
  ["USDT", "USDT"],
  ["USDC", "USDC"],
];
/** Bitfinex alone calls Tether UST (tBTCUST); elsewhere a symbol ending in UST names an asset. */
const BITFINEX_ENDINGS: ReadonlyArray<[string, string]> = [...STABLE_ENDINGS, ["UST", "USDT"]];

export function sourceQuoteCurrency(adapter: Pick<SourceAdapter, "id" | "defaultSymbol">, pair: string, symbol?: string, configured?: string): string {
  if (configured !== undefined) return configured.toUpperCase();
  const { quote } = splitPair(pair);
  if (QUOTE_BY_REQUEST.has(adapter.id) || !isSourceId(adapter.id)) return quote;
  const sym = (symbol ?? safeDefault(adapter, pair) ?? "").toUpperCase().replace(/[-_/:]/g, "");
  for (const [ending, currency] of adapter.id === "bitfinex" ? BITFINEX_ENDINGS : STABLE_ENDINGS) {
    if (sym.endsWith(ending)) return currency;
  }
  return quote;
}

function safeDefault(adapter: Pick<SourceAdapter, "defaultSymbol">, pair: string): string | undefined {
  try {
    return adapter.defaultSymbol(pair);
  } catch {
    return undefined;
  }
}
