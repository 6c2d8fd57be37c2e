/**
 * The simulated market's asset universe: what each asset is worth in USD at the start, how
 * volatile it is, and the names the data APIs know it by. A pair's price is the cross of two
 * assets' USD values, so every venue can quote any listed base against any quote it lists.
 */
export type AssetKind = "crypto" | "stable" | "fiat" | "equity";

export interface AssetSpec {
  /** Ticker in upper case: BTC, EUR, AAPL. */
  symbol: string;
  kind: AssetKind;
  /** USD value at step 0. */
  usd: number;
  /** Annualised volatility of the GBM. Zero for the numéraire. */
  vol: number;
  /** CoinGecko id, for crypto and stablecoins. */
  coingeckoId?: string;
}

export const ASSETS: readonly AssetSpec[] = [
  { symbol: "USD", kind: "fiat", usd: 1, vol: 0 },
  { symbol: "EUR", kind: "fiat", usd: 1.0823, vol: 0.07 },
  { symbol: "GBP", kind: "fiat", usd: 1.2641, vol: 0.08 },
  { symbol: "JPY", kind: "fiat", usd: 0.006612, vol: 0.09 },
  { symbol: "CHF", kind: "fiat", usd: 1.1104, vol: 0.07 },
  { symbol: "BTC", kind: "crypto", usd: 67123.45, vol: 0.6, coingeckoId: "bitcoin" },
  { symbol: "ETH", kind: "crypto", usd: 3312.18, vol: 0.7, coingeckoId: "ethereum" },
  { symbol: "SOL", kind: "crypto", usd: 152.37, vol: 0.9, coingeckoId: "solana" },
  { symbol: "LINK", kind: "crypto", usd: 17.842, vol: 0.9, coingeckoId: "chainlink" },
  { symbol: "XRP", kind: "crypto", usd: 0.61234, vol: 1.0, coingeckoId: "ripple" },
  { symbol: "DOGE", kind: "crypto", usd: 0.16542, vol: 1.1, coingeckoId: "dogecoin" },
  { symbol: "LTC", kind: "crypto", usd: 84.21, vol: 0.8, coingeckoId: "litecoin" },
  { symbol: "ADA", kind: "crypto", usd: 0.45871, vol: 1.0, coingeckoId: "cardano" },
  { symbol: "AVAX", kind: "crypto", usd: 36.412, vol: 1.0, coingeckoId: "avalanche-2" },
  { symbol: "DOT", kind: "crypto", usd: 7.0231, vol: 0.9, coingeckoId: "polkadot" },
  { symbol: "BNB", kind: "crypto", usd: 592.4, vol: 0.7, coingeckoId: "binancecoin" },
  { symbol: "TRX", kind: "crypto", usd: 0.12143, vol: 0.8, coingeckoId: "tron" },
  { symbol: "ATOM", kind: "crypto", usd: 8.912, vol: 0.9, coingeckoId: "cosmos" },
  { symbol: "UNI", kind: "crypto", usd: 9.874, vol: 1.0, coingeckoId: "uniswap" },
  { symbol: "BCH", kind: "crypto", usd: 468.2, vol: 0.8, coingeckoId: "bitcoin-cash" },
  { symbol: "XLM", kind: "crypto", usd: 0.10982, vol: 0.9, coingeckoId: "stellar" },
  { symbol: "NEAR", kind: "crypto", usd: 6.241, vol: 1.1, coingeckoId: "near" },
  { symbol: "AAVE", kind: "crypto", usd: 104.31, vol: 1.0, coingeckoId: "aave" },
  { symbol: "FIL", kind: "crypto", usd: 5.873, vol: 1.1, coingeckoId: "filecoin" },
  { symbol: "ARB", kind: "crypto", usd: 1.0421, vol: 1.2, coingeckoId: "arbitrum" },
  { symbol: "OP", kind: "crypto", usd: 2.3417, vol: 1.2, coingeckoId: "optimism" },
  { symbol: "DAI", kind: "stable", usd: 1.0001, vol: 0.01, coingeckoId: "dai" },
  { symbol: "USDT", kind: "stable", usd: 1, vol: 0, coingeckoId: "tether" },
  { symbol: "USDC", kind: "stable", usd: 1, vol: 0, coingeckoId: "usd-coin" },
  { symbol: "FDUSD", kind: "stable", usd: 1, vol: 0, coingeckoId: "first-digital-usd" },
  { symbol: "AAPL", kind: "equity", usd: 172.28, vol: 0.25 },
  { symbol: "MSFT", kind: "equity", usd: 421.43, vol: 0.25 },
  { symbol: "SPY", kind: "equity", usd: 521.21, vol: 0.15 },
];

const BY_SYMBOL = new Map(ASSETS.map((a) => [a.symbol, a]));
const BY_COINGECKO = new Map(ASSETS.filter((a) => a.coingeckoId).map((a) => [a.coingeckoId as string, a]));

export function assetBySymbol(symbol: string): AssetSpec | undefined {
  return BY_SYMBOL.get(symbol.toUpperCase());
}

export function assetByCoingeckoId(id: string): AssetSpec | undefined {
  return BY_COINGECKO.get(id.toLowerCase());
}

/**
 * USD-pegged quote currencies count as USD when the simulator looks up a fair price or matches
 * an attack: BTC/USDT on Binance is the venue's quote for the BTC/USD feed.
 */
export const USD_ALIASES: ReadonlySet<string> = new Set(["USD", "USDT", "USDC", "FDUSD"]);

/**
 * "BTC/USDT" -> "BTC/USD": the key attacks, bases and volumes are stored under. A stablecoin's
 * own books keep their name (USDT/USD, USDC/USD, USDT/USDC): they are the rate, not a USD pair.
 */
export function canonicalPair(base: string, quote: string): string {
  const b = base.toUpperCase();
  const q = quote.toUpperCase();
  if (USD_ALIASES.has(b)) return `${b}/${q}`;
  return `${b}/${USD_ALIASES.has(q) ? "USD" : q}`;
}

/** Parses "BTC/USD" (the config's pair notation) into its two tickers. */
export function splitPair(pair: string): { base: string; quote: string } {
  const m = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)$/.exec(pair.trim());
  if (!m) throw new Error(`pair must look like BASE/QUOTE, got ${JSON.stringify(pair)}`);
  return { base: m[1].toUpperCase(), quote: m[2].toUpperCase() };
}

/**
 * Decimal places a pair is quoted with: about seven significant digits at its starting price,
 * fixed per pair so the tick does not change while the price walks.
 */
export function pairDecimals(startPrice: number): number {
  const mag = Math.floor(Math.log10(Math.abs(startPrice) || 1));
  return Math.min(10, Math.max(0, 6 - mag));
}
