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

/** Nesting deeper than any venue sends; stops stack exhaustion on hostile payloads. */
const MAX_DEPTH = 256;

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** Every run of digits that could be a JSON number (strings included: a conservative scan). */
const NUMBER_TOKEN_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

export function parseJsonLossless(text: string): unknown {
  // Fast path: when every number-like token in the text is exactly its double, JSON.parse
  // (native, ~10x faster on a 1 MB every-market answer) yields exactly what the slow path would.
  if (numbersAreExact(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new JsonSyntaxError(err instanceof Error ? err.message : String(err));
    }
  }
  return parseSlow(text);
}

function numbersAreExact(text: string): boolean {
  NUMBER_TOKEN_RE.lastIndex = 0;
  for (let m = NUMBER_TOKEN_RE.exec(text); m !== null; m = NUMBER_TOKEN_RE.exec(text)) {
    if (typeof keepNumber(m[0]) !== "number") return false;
  }
  return true;
}

function parseSlow(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i += 1;
      else break;
    }
  };
  const str = (): string => {
    i += 1; // opening quote
    let out = "";
    let start = i;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        out += text.slice(start, i);
        i += 1;
        return out;
      }
      if (c === "\\") {
        out += text.slice(start, i);
        const e = text[i + 1];
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad unicode escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const m = e === undefined ? undefined : ESCAPES[e];
          if (m === undefined) fail("bad escape");
          out += m;
          i += 2;
        }
        start = i;
        continue;
      }
      if (text.charCodeAt(i) < 0x20) fail("control character in string");
      i += 1;
    }
    return fail("unterminated string");
  };
  const num = (): number | string => {
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail("bad number");
    i += m[0].length;
    return keepNumber(m[0]);
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i += 1;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") {
        i += 1;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const k = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i += 1;
        const v = value(depth + 1);
        // "__proto__" as a plain assignment would set the prototype; make it an own key instead.
        if (k === "__proto__") Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        else obj[k] = v;
        ws();
        if (text[i] === ",") {
          i += 1;
          continue;
        }
        if (text[i] === "}") {
          i += 1;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i += 1;
      const arr: unknown[] = [];
      ws();
      if (text[i] === "]") {
        i += 1;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i += 1;
          continue;
        }
        if (text[i] === "]") {
          i += 1;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === "t" && text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (c === "f" && text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (c === "n" && text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return num();
    return fail(c === undefined ? "unexpected end of input" : `unexpected ${JSON.stringify(c)}`);
  };
  const out = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return out;
}

/** Fractional trailing zeros (and a dot left bare) of a number without exponent. */
const TRAILING_ZEROS_RE = /(?:(\.\d*?[1-9])0+|\.0+)$/;

/** The number as a JS number when that is exact, else its original decimal text. */
function keepNumber(raw: string): number | string {
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
