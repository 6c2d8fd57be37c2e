import { PRICE_SCALE, parseDecimal, type Fixed } from "../../quotes/decimal";
import { PayloadError } from "../extract";

export interface Scale {
  invert: boolean;
  pow10: number;
  offset?: string;
}

/** Division rounded half away from zero: the one place a generic source may round (1/x, 10^-k). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  const dAbs = d < 0n ? -d : d;
  if (twice >= dAbs) return n < 0n !== d < 0n ? q - 1n : q + 1n;
  return q;
}

/** Applies invert, then 10^pow10, then offset, in exact fixed-point (18 decimals). */
export function applyScale(x: Fixed, scale: Scale | undefined): Fixed {
  if (!scale) return x;
  let v = x;
  if (scale.invert) {
    if (v === 0n) throw new PayloadError("invalid-value", "cannot invert a zero value");
    v = divRound(PRICE_SCALE * PRICE_SCALE, v);
  }
  if (scale.pow10 > 0) v *= 10n ** BigInt(scale.pow10);
  if (scale.pow10 < 0) v = divRound(v, 10n ** BigInt(-scale.pow10));
  if (scale.offset !== undefined) v += parseDecimal(scale.offset);
  return v;
}
