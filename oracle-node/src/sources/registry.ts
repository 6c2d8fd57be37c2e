import { binance } from "./adapters/binance";
import { bitfinex } from "./adapters/bitfinex";
import { bitstamp } from "./adapters/bitstamp";
import { bybit } from "./adapters/bybit";
import { coinbase } from "./adapters/coinbase";
import { coinbaseSpot } from "./adapters/coinbase-spot";
import { coingecko } from "./adapters/coingecko";
import { cryptocom } from "./adapters/cryptocom";
import { cryptocompare } from "./adapters/cryptocompare";
import { gateio } from "./adapters/gateio";
import { gemini } from "./adapters/gemini";
import { htx } from "./adapters/htx";
import { kraken } from "./adapters/kraken";
import { kucoin } from "./adapters/kucoin";
import { okx } from "./adapters/okx";
import type { SourceAdapter } from "./types";

/**
 * Every built-in venue adapter by source id. Generic JSON/CSV sources are built from config
 * (createGenericJsonSource / createGenericCsvSource) and are not listed here.
 */
const ADAPTERS: readonly SourceAdapter[] = [
  binance,
  coinbase,
  coinbaseSpot,
  kraken,
  bitstamp,
  bitfinex,
  okx,
  bybit,
  gemini,
  kucoin,
  gateio,
  htx,
  cryptocom,
  coingecko,
  cryptocompare,
];

const BY_ID = new Map(ADAPTERS.map((a) => [a.id, a]));

export const SOURCE_IDS: readonly string[] = ADAPTERS.map((a) => a.id);

export function isSourceId(id: string): boolean {
  return BY_ID.has(id);
}

/** The built-in adapter for a source id; throws an error listing the known ids otherwise. */
export function getAdapter(id: string): SourceAdapter {
  const adapter = BY_ID.get(id);
  if (!adapter) throw new Error(`unknown source ${JSON.stringify(id)}; known sources: ${SOURCE_IDS.join(", ")}`);
  return adapter;
}

export { createGenericCsvSource } from "./generic/csv-source";
export { createGenericJsonSource } from "./generic/json-source";
export { SourceFetcher, type FetchJob } from "./fetcher";
export type { SourceAdapter, SourceContext, SourceRequest, SourceResult } from "./types";
