/**
 * Answers as venues write them. `num(text)` puts decimal text into JSON as a bare number
 * without a float round trip (67123.40 stays 67123.40 on the wire); text that is not a JSON
 * number (a garbage "NaN") goes out as a string, as a broken API would send it.
 */
export interface SimResponse {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  /** Request weight for the rate limiter (Binance-style); default 1. */
  weight?: number;
  /** Market pairs this answer covers (for pair-scoped structural garbage). */
  pairs?: ReadonlyArray<{ base: string; quote: string }>;
}

/** Marks a raw number inside JSON.stringify's output; no text a venue sends contains U+0001. */
const MARK = "\u0001";
const MARKED_RE = /"\\u0001([^"\\]*)\\u0001"/g;

export class RawNumber {
  constructor(readonly text: string) {}

  /** JSON.stringify writes a marked string; writeJson then strips the quotes and marks. */
  toJSON(): string {
    return `${MARK}${this.text}${MARK}`;
  }
}

const JSON_NUMBER_RE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** A JSON number from decimal text, or the text as a string when it is not one. */
export function num(text: string): RawNumber | string {
  return JSON_NUMBER_RE.test(text) ? new RawNumber(text) : text;
}

/** JSON.stringify that writes RawNumber values verbatim (native speed: one regex pass after). */
export function writeJson(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(MARKED_RE, "$1");
}

export function json(status: number, value: unknown, extra: Partial<SimResponse> = {}): SimResponse {
  return { status, body: writeJson(value), contentType: "application/json; charset=utf-8", ...extra };
}

export function text(status: number, body: string, contentType = "text/plain; charset=utf-8", extra: Partial<SimResponse> = {}): SimResponse {
  return { status, body, contentType, ...extra };
}

/** A CDN's 503 page: what a venue behind Cloudflare serves when its origin is down. */
export function serviceUnavailable(): SimResponse {
  return text(
    503,
    "<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>",
    "text/html; charset=UTF-8",
  );
}

/** Numbers venues send as JSON strings pass through; numbers venues send bare use num(). */
export type NumberStyle = "string" | "number";

export function value(style: NumberStyle, textValue: string): RawNumber | string {
  return style === "number" ? num(textValue) : textValue;
}
