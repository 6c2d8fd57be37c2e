import type { GenericCsvSourceConfigInput, GenericJsonSourceConfigInput } from "../generic-config";

/**
 * Generic source configs for the keyless data APIs (docs/sources.md#frankfurter,
 * #open-er-api, #open-meteo, #stooq), as a node config would write them. Used by tests and
 * docs; copy them into a config file's sources.
 */

/** ECB reference rates, published once per working day: a weekend plus a holiday is normal. */
const DAILY_RATE_MAX_AGE_MS = 4 * 24 * 60 * 60_000;
/** Open-Meteo's "current" block is a 15-minute interval. */
const WEATHER_MAX_AGE_MS = 60 * 60_000;

export const FRANKFURTER: GenericJsonSourceConfigInput = {
  kind: "json",
  id: "frankfurter",
  url: "https://api.frankfurter.dev/v1/latest?base={base}&symbols={quote}",
  valuePath: "rates.{quote}",
  timestampPath: "date",
  timestampUnit: "iso",
  maxAgeMs: DAILY_RATE_MAX_AGE_MS,
  unknownSymbolStatuses: [404, 422],
};

export const OPEN_ER_API: GenericJsonSourceConfigInput = {
  kind: "json",
  id: "open-er-api",
  url: "https://open.er-api.com/v6/latest/{base}",
  valuePath: "rates.{quote}",
  timestampPath: "time_last_update_unix",
  timestampUnit: "s",
  maxAgeMs: DAILY_RATE_MAX_AGE_MS,
  error: { path: "result", equals: "error", messagePath: "error-type", unknownSymbolPattern: "unsupported-code" },
};

/** Berlin's air temperature in kelvin (°C + 273.15 keeps a winter value positive). */
export const OPEN_METEO_BERLIN: GenericJsonSourceConfigInput = {
  kind: "json",
  id: "open-meteo",
  url: "https://api.open-meteo.com/v1/forecast?latitude=52.52&longitude=13.41&current=temperature_2m&timeformat=unixtime",
  valuePath: "current.temperature_2m",
  timestampPath: "current.time",
  timestampUnit: "s",
  scale: { offset: "273.15" },
  maxAgeMs: WEATHER_MAX_AGE_MS,
  error: { path: "error", equals: true, messagePath: "reason" },
};

/** US stocks' last close; a feed's pair AAPL/USD maps to Stooq's aapl.us. */
export const STOOQ: GenericCsvSourceConfigInput = {
  kind: "csv",
  id: "stooq",
  url: "https://stooq.com/q/l/?s={symbol}&f=sd2t2ohlcv&h&e=csv",
  defaultSymbol: "{base:lower}.us",
  column: "Close",
  symbolColumn: "Symbol",
  volumeColumn: "Volume",
  timestamp: { dateColumn: "Date", timeColumn: "Time", utcOffsetMinutes: 60 },
  maxAgeMs: DAILY_RATE_MAX_AGE_MS,
};
