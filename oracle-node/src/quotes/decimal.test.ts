import { describe, expect, it } from "vitest";
import { DecimalError, PRICE_SCALE, deviationBps, formatDecimal, fromFeedUnits, parseDecimal, toFeedUnits } from "./decimal";

describe("parseDecimal", () => {
  it("parses exchange decimal text exactly", () => {
    expect(parseDecimal("67123.45000000")).toBe((6712345n * PRICE_SCALE) / 100n);
    expect(formatDecimal(parseDecimal("67123.45000000"))).toBe("67123.45");
    expect(parseDecimal("0.000000000000000001")).toBe(1n);
    expect(parseDecimal(".5")).toBe(PRICE_SCALE / 2n);
    expect(parseDecimal("-3")).toBe(-3n * PRICE_SCALE);
  });
  it("parses JSON numbers and exponents without float rounding", () => {
    expect(formatDecimal(parseDecimal(67123.45))).toBe("67123.45");
    expect(formatDecimal(parseDecimal(1e-7))).toBe("0.0000001");
    expect(formatDecimal(parseDecimal("1.5E+3"))).toBe("1500");
  });
  it("accepts trailing zeros beyond 18 decimals but rejects significant digits there", () => {
    expect(parseDecimal("1.5000000000000000000000")).toBe(PRICE_SCALE + PRICE_SCALE / 2n);
    expect(() => parseDecimal("0.0000000000000000001")).toThrow(/too many decimals/);
  });
  it.each(["", "abc", "1.2.3", "NaN", "Infinity", "0x10", "1,5", " ", "--1", "1e999"])("rejects %j", (s) => {
    expect(() => parseDecimal(s)).toThrow(DecimalError);
  });
  it("rejects non-finite numbers", () => {
    expect(() => parseDecimal(Number.NaN)).toThrow(DecimalError);
    expect(() => parseDecimal(Number.POSITIVE_INFINITY)).toThrow(DecimalError);
  });
});

describe("feed units", () => {
  it("rounds half away from zero to the feed's decimals", () => {
    expect(toFeedUnits(parseDecimal("67123.454999995"), 8)).toBe(6712345500000n);
    expect(toFeedUnits(parseDecimal("1.000000004"), 8)).toBe(100000000n);
    expect(toFeedUnits(parseDecimal("1.000000005"), 8)).toBe(100000001n);
    expect(toFeedUnits(parseDecimal("-1.000000005"), 8)).toBe(-100000001n);
    expect(fromFeedUnits(100000001n, 8)).toBe(parseDecimal("1.00000001"));
  });
  it("rejects impossible decimals", () => {
    expect(() => toFeedUnits(1n, 19)).toThrow(DecimalError);
    expect(() => toFeedUnits(1n, 1.5)).toThrow(DecimalError);
  });
  it("measures deviation in basis points", () => {
    expect(deviationBps(parseDecimal("101"), parseDecimal("100"))).toBe(100);
    expect(deviationBps(parseDecimal("99.995"), parseDecimal("100"))).toBe(0.5);
  });
});
