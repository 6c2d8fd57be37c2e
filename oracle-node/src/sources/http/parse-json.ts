import { parse } from "lossless-json";
import { DecimalError, parseDecimal } from "../../quotes/decimal";

/**
 * JSON.parse that never loses a number's digits. JSON.parse turns "67123.450000000000001" into
 * the nearest double; Node 20 has no reviver source access. This parser keeps every number
 * whose double is exactly its decimal text as a JS number (codes, timestamps, ordinary prices)
 * and keeps any other number as its original text (a string), which parseDecimal reads exactly.
 */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

/**
 * The document read by lossless-json, each number through keepNumber. No hand-written fast
 * path: scanning the number tokens and handing exact documents to native JSON.parse measured
 * no faster on our data (`npm run bench:json`, the 312 answers of a 100-feed simulator round,
 * 2026-12-07, six runs on a loaded 2-core host: scan+JSON.parse / lossless-json = 1.00 to 1.43,
 * median 1.09). It wins only on the small single-ticker fixtures (0.67 to 0.97), which are not
 * where a round spends its parsing time.
 */
export function parseJsonLossless(text: string): unknown {
  try {
    // A repeated key keeps its last value, as JSON.parse does (lossless-json throws by default).
    return parse(text, null, { parseNumber: keepNumber, onDuplicateKey: ({ newValue }) => newValue });
  } catch (err) {
    if (err instanceof SyntaxError) throw new JsonSyntaxError(err.message);
    // lossless-json recurses per nesting level: a hostile "[[[[..." exhausts the stack.
    if (err instanceof RangeError) throw new JsonSyntaxError(`nesting too deep (${err.message})`);
    throw err;
  }
}

/** Fractional trailing zeros (and a dot left bare) of a number without exponent. */
const TRAILING_ZEROS_RE = /(?:(\.\d*?[1-9])0+|\.0+)$/;

/** The number as a JS number when that is exact, else its original decimal text. */
export function keepNumber(raw: string): number | string {
  const n = Number(raw);
  if (!Number.isFinite(n)) return raw;
  if (String(n) === raw) return n;
  if (TRAILING_ZEROS_RE.test(raw) && String(n) === raw.replace(TRAILING_ZEROS_RE, "$1")) return n; // "67123.45000000"
  try {
    return parseDecimal(n) === parseDecimal(raw) ? n : raw;
  } catch (err) {
    if (err instanceof DecimalError) return raw; // e.g. more than 18 decimals: let the caller judge
    throw err;
  }
}
