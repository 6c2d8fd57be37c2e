import type { FailureClass } from "../quotes/quote";

/**
 * Small readers for venue payloads. They never trust the shape: a missing key, a wrong type or
 * an array where an object belongs throws a PayloadError ("malformed" unless stated), which the
 * adapter turns into a classified SourceError for that one pair.
 */
export class PayloadError extends Error {
  constructor(
    readonly failure: FailureClass,
    message: string,
  ) {
    super(message);
    this.name = "PayloadError";
  }
}

/** A venue's answer for one symbol, before decimal parsing and validation. */
export interface RawQuote {
  price: unknown;
  bid?: unknown;
  ask?: unknown;
  volume?: unknown;
  /** Unix ms, already converted with one of the ts* readers. */
  timestamp?: number;
}

export function malformed(message: string): never {
  throw new PayloadError("malformed", message);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** obj[key] where obj must be a JSON object; the key may be absent (undefined). */
export function get(obj: unknown, key: string, what = "response"): unknown {
  if (!isRecord(obj)) malformed(`${what} is not an object`);
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function record(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) malformed(`${what} is not an object`);
  return v;
}

export function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) malformed(`${what} is not an array`);
  return v;
}

/** Unix ms from a number or numeric string (Binance closeTime, OKX ts, ...). */
export function tsMs(v: unknown, what = "timestamp"): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d{1,16}$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) malformed(`${what} is not a unix-ms integer: ${JSON.stringify(v)}`);
  return n;
}

/** Unix seconds (number or numeric string, fractions allowed) to ms. */
export function tsSeconds(v: unknown, what = "timestamp"): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d{1,12}(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1e11) malformed(`${what} is not unix seconds: ${JSON.stringify(v)}`);
  return Math.round(n * 1000);
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO-8601 to ms; a time without a zone is UTC (Open-Meteo with utc_offset 0, ECB dates). */
export function tsIso(v: unknown, what = "timestamp"): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") return malformed(`${what} is not an ISO-8601 string: ${JSON.stringify(v)}`);
  const s = v.trim();
  const m = ISO_RE.exec(s);
  if (!m) return malformed(`${what} is not an ISO-8601 string: ${JSON.stringify(v)}`);
  const dateOnly = s.length === 10;
  const withZone = dateOnly || m[1] !== undefined ? s : `${s}Z`;
  const t = Date.parse(withZone.replace(" ", "T"));
  if (Number.isNaN(t)) malformed(`${what} is not a valid date: ${JSON.stringify(v)}`);
  return t;
}

/**
 * The row for `symbol` in a list of tickers keyed by `key`. A lone row without the key is
 * taken as the answer; a row naming a different symbol never is (a wrong pair is worse than none).
 */
export function pickRow(rows: unknown[], key: string, symbol: string): unknown {
  const match = rows.find((r) => isRecord(r) && r[key] === symbol);
  if (match !== undefined) return match;
  const only = rows.length === 1 ? rows[0] : undefined;
  return isRecord(only) && only[key] === undefined ? only : undefined;
}

/** The row of each symbol in an every-market list, matched by `keyOf(row)`; undefined = not listed. */
export function rowsFor(rows: unknown[], symbols: string[], keyOf: (row: Record<string, unknown>) => unknown): unknown[] {
  const index = new Map<unknown, unknown>();
  for (const r of rows) if (isRecord(r)) index.set(keyOf(r), r);
  return symbols.map((s) => index.get(s));
}
