import { DecimalError, parseDecimal, type Fixed } from "../quotes/decimal";
import { SourceError, type Quote } from "../quotes/quote";
import { validateQuote } from "../quotes/validate";
import { PayloadError, type RawQuote } from "./extract";
import type { SourceContext, SourceResult } from "./types";

/**
 * Raw payload fields to a validated Quote: exact decimals, optional transform of price/bid/ask
 * (generic sources' scaling), then validateQuote. Every failure comes back classified.
 */
export function buildQuote(
  source: string,
  pair: string,
  raw: RawQuote,
  receivedAt: number,
  ctx: Pick<SourceContext, "now">,
  maxAgeMs: number,
  transform: (x: Fixed) => Fixed = (x) => x,
): SourceResult {
  try {
    const quote: Quote = { source, pair, price: transform(decimal(raw.price, "price", true)!), receivedAt };
    const bid = optional(decimal(raw.bid, "bid", false), transform);
    const ask = optional(decimal(raw.ask, "ask", false), transform);
    const volume = decimal(raw.volume, "volume", false);
    if (bid !== undefined) quote.bid = bid;
    if (ask !== undefined) quote.ask = ask;
    if (volume !== undefined) quote.volume = volume;
    if (raw.timestamp !== undefined) quote.sourceTimestamp = raw.timestamp;
    const issue = validateQuote(quote, { now: ctx.now(), maxAgeMs });
    if (issue) return { ok: false, error: new SourceError(issue.failure, source, `${pair}: ${issue.reason}`) };
    return { ok: true, quote };
  } catch (err) {
    return { ok: false, error: toSourceError(source, err, pair) };
  }
}

/**
 * A payload value to fixed-point. Absent optional fields (undefined, null, "") stay absent; a
 * wrong JSON type is malformed; text that is not a finite decimal is an invalid value.
 */
export function decimal(v: unknown, name: string, required: boolean): Fixed | undefined {
  if (v === undefined || v === null || (v === "" && !required)) {
    if (required) throw new PayloadError("malformed", `${name} missing`);
    return undefined;
  }
  if (typeof v !== "string" && typeof v !== "number") throw new PayloadError("malformed", `${name} is a ${Array.isArray(v) ? "array" : typeof v}`);
  try {
    return parseDecimal(v);
  } catch (err) {
    if (err instanceof DecimalError) throw new PayloadError("invalid-value", `${name}: ${err.message}`);
    throw err;
  }
}

export function toSourceError(source: string, err: unknown, pair?: string): SourceError {
  if (err instanceof SourceError) return err;
  const where = pair ? `${pair}: ` : "";
  if (err instanceof PayloadError) return new SourceError(err.failure, source, where + err.message);
  return new SourceError("malformed", source, where + (err instanceof Error ? err.message : String(err)));
}

function optional(x: Fixed | undefined, f: (x: Fixed) => Fixed): Fixed | undefined {
  return x === undefined ? undefined : f(x);
}
