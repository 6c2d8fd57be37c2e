/**
 * Exact decimal prices. Every price, bid, ask and volume in the node is a bigint fixed-point
 * number with PRICE_DECIMALS fractional digits, parsed from the API's decimal text (or from a
 * JSON number's shortest round-trip text). No float ever sits between an exchange's JSON and a
 * signature; floats are used only as model features (`toFloat`).
 */

/** Fractional digits of the node's internal fixed-point prices. */
export const PRICE_DECIMALS = 18;
export const PRICE_SCALE = 10n ** BigInt(PRICE_DECIMALS);

/** A fixed-point decimal: value = units / 10^PRICE_DECIMALS. */
export type Fixed = bigint;

export class DecimalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecimalError";
  }
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const LEADING_DOT_RE = /^([+-])?\.(\d+)(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text ("67123.45000000", "1e-7", "-3") or a JSON number into fixed-point.
 * Throws DecimalError on anything that is not a finite decimal, or that has more significant
 * fractional digits than PRICE_DECIMALS (trailing zeros are fine) — it never rounds silently.
 */
export function parseDecimal(input: string | number): Fixed {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new DecimalError(`not a finite number: ${input}`);
    text = String(input); // shortest round-trip text of the double, e.g. 67123.45 or 1e-7
  } else if (typeof input === "string") {
    text = input.trim();
  } else {
    throw new DecimalError(`not a decimal: ${JSON.stringify(input)}`);
  }
  if (text.length === 0 || text.length > 80) throw new DecimalError(`not a decimal: ${JSON.stringify(input)}`);
  let sign: string | undefined;
  let intPart: string;
  let fracPart: string;
  let exp: string | undefined;
  const m = DECIMAL_RE.exec(text);
  if (m) {
    [, sign, intPart, fracPart = "", exp] = m;
  } else {
    const d = LEADING_DOT_RE.exec(text);
    if (!d) throw new DecimalError(`not a decimal: ${JSON.stringify(input)}`);
    [, sign, fracPart, exp] = d;
    intPart = "0";
  }
  const e = exp === undefined ? 0 : Number(exp);
  if (!Number.isSafeInteger(e) || Math.abs(e) > 60) throw new DecimalError(`exponent out of range: ${text}`);
  let digits = intPart + fracPart;
  let scale = fracPart.length - e; // value = digits * 10^-scale
  // Strip trailing zeros so "1.500000000000000000000" is accepted.
  while (scale > PRICE_DECIMALS && digits.length > 1 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    scale -= 1;
  }
  if (scale > PRICE_DECIMALS) {
    if (/^0+$/.test(digits)) return 0n;
    throw new DecimalError(`too many decimals (max ${PRICE_DECIMALS}): ${text}`);
  }
  const units = BigInt(digits) * 10n ** BigInt(PRICE_DECIMALS - scale);
  return sign === "-" ? -units : units;
}

/** Fixed-point to plain decimal text without exponent or trailing zeros ("67123.45"). */
export function formatDecimal(x: Fixed): string {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  const int = abs / PRICE_SCALE;
  const frac = (abs % PRICE_SCALE).toString().padStart(PRICE_DECIMALS, "0").replace(/0+$/, "");
  return (neg ? "-" : "") + int.toString() + (frac ? "." + frac : "");
}

/** For model features and display only; never on the way to a signature. */
export function toFloat(x: Fixed): number {
  return Number(x) / 1e18;
}

/**
 * Converts a fixed-point price to a feed's integer answer with `decimals` digits (Chainlink
 * style: 8 for USD pairs), rounding half away from zero. Exact: bigint only.
 */
export function toFeedUnits(x: Fixed, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > PRICE_DECIMALS) {
    throw new DecimalError(`feed decimals must be an integer in [0, ${PRICE_DECIMALS}], got ${decimals}`);
  }
  const div = 10n ** BigInt(PRICE_DECIMALS - decimals);
  const q = x / div;
  const r = x % div;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= div) return x < 0n ? q - 1n : q + 1n;
  return q;
}

/** A feed's integer answer back to fixed-point. */
export function fromFeedUnits(units: bigint, decimals: number): Fixed {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > PRICE_DECIMALS) {
    throw new DecimalError(`feed decimals must be an integer in [0, ${PRICE_DECIMALS}], got ${decimals}`);
  }
  return units * 10n ** BigInt(PRICE_DECIMALS - decimals);
}

/** |a - b| / b in basis points, as a float (for thresholds and metrics). */
export function deviationBps(a: Fixed, b: Fixed): number {
  if (b === 0n) return Number.POSITIVE_INFINITY;
  const diff = a > b ? a - b : b - a;
  const babs = b < 0n ? -b : b;
  // 1e6 extra precision keeps 0.0001 bp resolution before the float conversion.
  return Number((diff * 10_000n * 1_000_000n) / babs) / 1_000_000;
}
