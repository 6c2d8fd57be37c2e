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
