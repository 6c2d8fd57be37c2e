import type { SimulatedSourceId } from "../vocabulary";
import { binance } from "./binance";
import { bitfinex } from "./bitfinex";
import { bitstamp } from "./bitstamp";
import { bybit } from "./bybit";
import { coinbase } from "./coinbase";
import { coinbaseSpot } from "./coinbase-spot";
import { coingecko } from "./coingecko";
import { cryptocom } from "./cryptocom";
import { cryptocompare } from "./cryptocompare";
import { frankfurter } from "./frankfurter";
import { gateio } from "./gateio";
import { gemini } from "./gemini";
import { htx } from "./htx";
import { kraken } from "./kraken";
import { kucoin } from "./kucoin";
import { okx } from "./okx";
import { openErApi } from "./open-er-api";
import { openMeteo } from "./open-meteo";
import { stooq } from "./stooq";
import type { VenueApi } from "./venue";

/** Every simulated API by source id. */
export const VENUE_APIS: Record<SimulatedSourceId, VenueApi> = {
  binance,
  coinbase,
  "coinbase-spot": coinbaseSpot,
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
  frankfurter,
  "open-er-api": openErApi,
  "open-meteo": openMeteo,
  stooq,
};

export type { VenueApi, VenueRequest } from "./venue";
