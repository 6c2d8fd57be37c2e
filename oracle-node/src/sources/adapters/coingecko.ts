import { get, isRecord, malformed, record, tsSeconds } from "../extract";
import { splitPair } from "../symbols";
import { venueAdapter } from "../venue-adapter";

/**
 * CoinGecko, GET /api/v3/simple/price?ids=bitcoin,ethereum&vs_currencies=usd,eur
 * &include_last_updated_at=true: coin ids, not tickers; JSON numbers; time in seconds. One
 * request serves every (id, currency) of a round. The symbol is a coin id ("bitcoin"), or
 * "id/currency" to override the pair's quote currency. The 24 h volume CoinGecko offers is in
 * the quote currency, not the base, so it is not reported.
 * Reference: docs/sources.md#coingecko.
 */
export const COINGECKO_IDS: Readonly<Record<string, string>> = {
  BTC: "bitcoin",
  ETH: "ethereum",
  SOL: "solana",
  BNB: "binancecoin",
  XRP: "ripple",
  ADA: "cardano",
  DOGE: "dogecoin",
  DOT: "polkadot",
  AVAX: "avalanche-2",
  LINK: "chainlink",
  MATIC: "matic-network",
  POL: "polygon-ecosystem-token",
  LTC: "litecoin",
  TRX: "tron",
  ATOM: "cosmos",
  UNI: "uniswap",
  DAI: "dai",
  BCH: "bitcoin-cash",
  XLM: "stellar",
  ETC: "ethereum-classic",
  NEAR: "near",
  APT: "aptos",
  ARB: "arbitrum",
  OP: "optimism",
  SHIB: "shiba-inu",
  TON: "the-open-network",
  WBTC: "wrapped-bitcoin",
  AAVE: "aave",
  MKR: "maker",
  FIL: "filecoin",
  USDT: "tether",
  USDC: "usd-coin",
  PEPE: "pepe",
  SUI: "sui",
};
/** CoinGecko refreshes simple/price about once a minute; allow a few missed refreshes. */
const COINGECKO_MAX_AGE_MS = 300_000;

function split(key: string): { id: string; vs: string } {
  const [id, vs] = key.split("/");
  if (!id || !vs) malformed(`bad coingecko key ${key}`);
  return { id, vs };
}

export const coingecko = venueAdapter({
  id: "coingecko",
  defaultBaseUrl: "https://api.coingecko.com",
  rateLimit: { capacity: 5, refillPerSec: 0.5, penaltyMs: 60_000, note: "public API: about 30 calls/min" },
  maxAgeMs: COINGECKO_MAX_AGE_MS,
  maxBatch: 100,
  defaultSymbol(pair) {
    const { base } = splitPair(pair);
    return COINGECKO_IDS[base] ?? base.toLowerCase();
  },
  resolveSymbol(req) {
    const { base, quote } = splitPair(req.pair);
    const sym = req.symbol?.trim() || (COINGECKO_IDS[base] ?? base.toLowerCase());
    return (sym.includes("/") ? sym : `${sym}/${quote}`).toLowerCase();
  },
  path(keys) {
    const ids = [...new Set(keys.map((k) => split(k).id))];
    const vs = [...new Set(keys.map((k) => split(k).vs))];
    return `/api/v3/simple/price?ids=${ids.map(encodeURIComponent).join(",")}&vs_currencies=${vs.map(encodeURIComponent).join(",")}&include_last_updated_at=true`;
  },
  bodyError(body, status) {
    if (!isRecord(body)) return null;
    if (isRecord(body.status) && body.status.error_code !== undefined) {
      const code = Number(body.status.error_code);
      const message = `${code} ${String(body.status.error_message ?? "")}`;
      return { failure: code === 429 ? "rate-limited" : "http-error", message };
    }
    if (typeof body.error === "string") {
      return { failure: /not found|invalid/i.test(body.error) || status === 404 ? "unknown-symbol" : "http-error", message: body.error };
    }
    return null;
  },
  entries(body, keys) {
    record(body, "response");
    return keys.map((k) => {
      const { id, vs } = split(k);
      const coin = get(body, id);
      if (coin === undefined) return undefined;
      const price = get(coin, vs, id);
      return price === undefined ? undefined : { price, updated: get(coin, "last_updated_at", id) };
    });
  },
  read: (e) => ({ price: get(e, "price"), timestamp: tsSeconds(get(e, "updated"), "last_updated_at") }),
});
