import { InvalidArgumentError } from "commander";

/**
 * Commander option parsers shared by the CLI commands and scripts. A bad value is a usage error
 * (InvalidArgumentError: commander prints it with the option's name and the CLI exits 2).
 */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** A block number: an integer >= 0. */
export function blockNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a block number (an integer >= 0)");
  return n;
}

/** A non-negative decimal amount with up to `decimals` fraction digits ("10000", "0.5"), in base units (below 2^128). */
export function decimalAmount(decimals: number): (v: string) => bigint {
  return (v) => {
    const t = v.trim();
    if (!new RegExp(`^\\d+(\\.\\d{1,${decimals}})?$`).test(t)) throw new InvalidArgumentError(`must be a decimal amount >= 0 with up to ${decimals} decimals`);
    const [whole, frac = ""] = t.split(".");
    const n = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
    if (n >= 2n ** 128n) throw new InvalidArgumentError("is too large");
    return n;
  };
}
