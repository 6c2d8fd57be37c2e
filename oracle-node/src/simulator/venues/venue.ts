import type { SimMarket, TickerResult } from "../market";
import type { SimResponse } from "../response";
import { parseVenueSymbol, type Market } from "../symbols";
import type { CryptoVenueId, SimulatedSourceId } from "../vocabulary";
import type { VenueQuote } from "../price-model";

/** One simulated API: answers a request under its documented path, and its rate-limit answer. */
export interface VenueRequest {
  /** Path after the venue's prefix, e.g. /api/v3/ticker/price. */
  path: string;
  query: URLSearchParams;
  market: SimMarket;
}

export interface VenueApi {
  id: SimulatedSourceId;
  handle(req: VenueRequest): SimResponse;
  /** The venue's answer to a client over its limit; `banned` = it ignored earlier 429s. */
  rateLimited(retryAfterS: number, banned: boolean): SimResponse;
}

export type Lookup = { kind: "ok"; market: Market; quote: VenueQuote } | { kind: "unknown"; symbol: string } | { kind: "unavailable"; market: Market };

/** Parses a client's symbol as the venue would and asks the market for that venue's quote. */
export function lookup(market: SimMarket, venue: CryptoVenueId, symbol: string): Lookup {
  const m = parseVenueSymbol(venue, symbol);
  if (!m) return { kind: "unknown", symbol };
  const r: TickerResult = market.ticker(venue, m);
  if (r.kind === "unknown") return { kind: "unknown", symbol };
  if (r.kind === "unavailable") return { kind: "unavailable", market: m };
  return { kind: "ok", market: m, quote: r.quote };
}

/** Quotes for every listed market of a venue that has one right now (all-tickers endpoints). */
export function allTickers(market: SimMarket, venue: CryptoVenueId): Array<{ market: Market; quote: VenueQuote }> {
  const out: Array<{ market: Market; quote: VenueQuote }> = [];
  for (const m of market.listed(venue)) {
    const r = market.ticker(venue, m);
    if (r.kind === "ok") out.push({ market: m, quote: r.quote });
  }
  return out;
}

/** Right-pads decimal text to `d` fractional digits, as venues with fixed formats print. */
export function pad(textValue: string, d: number): string {
  if (!/^-?\d+(\.\d+)?$/.test(textValue)) return textValue;
  const dot = textValue.indexOf(".");
  const have = dot < 0 ? 0 : textValue.length - dot - 1;
  if (have >= d) return textValue;
  return (dot < 0 ? textValue + "." : textValue) + "0".repeat(d - have);
}

/** Decimal text arithmetic for derived fields (changes, percents): floats are fine here. */
export function diff(a: string, b: string, d = 8): string {
  const x = Number(a) - Number(b);
  return Number.isFinite(x) ? x.toFixed(d).replace(/\.?0+$/, "") || "0" : "NaN";
}

export function ratio(a: string, b: string, d = 4): string {
  const x = (Number(a) - Number(b)) / Number(b);
  return Number.isFinite(x) ? x.toFixed(d) : "NaN";
}

/** Coinbase-style ISO-8601 UTC time with microseconds. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** A seeded-looking but stable integer id derived from a timestamp (trade ids, sequences). */
export function idFrom(ms: number, salt = 0): number {
  return Math.floor(ms / 10) + salt;
}

/** A path segment's text; malformed percent-escapes stay as sent (the venue then finds no such symbol). */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
