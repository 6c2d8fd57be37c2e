import { describe, expect, it } from "vitest";
import { median, mad } from "./median";
import { madFilter } from "./mad-filter";
import { halfIqr, confidenceBps } from "./confidence";
import { parseDecimal as d } from "../quotes/decimal";

describe("median", () => {
  it("returns the middle value of an odd list, whatever the order", () => {
    expect(median([d("3"), d("1"), d("2")])).toBe(d("2"));
  });
  it("returns the exact mean of the two middle values of an even list", () => {
    expect(median([d("1.1"), d("4"), d("1.2"), d("100")])).toBe(d("2.6"));
    expect(median([d("0.000000000000000001"), d("0.000000000000000002")])).toBe(1n); // floor of 1.5 units
  });
  it("floors toward negative infinity for negative values", () => {
    expect(median([-1n, -2n])).toBe(-2n);
  });
  it("rejects an empty list", () => {
    expect(() => median([])).toThrow(RangeError);
  });
  it("computes the median absolute deviation", () => {
    expect(mad([d("1"), d("2"), d("3"), d("4"), d("100")])).toBe(d("1"));
  });
});

describe("madFilter", () => {
  it("drops a spiked venue and keeps the honest ones", () => {
    const prices = ["100.00", "100.02", "99.98", "100.01", "130.00", "99.99", "100.03"].map(d);
    const r = madFilter(prices);
    expect(r.dropped).toEqual([4]);
    expect(r.kept).toHaveLength(6);
  });
  it("keeps quotes a few basis points apart when every venue agrees to the cent (sigma floor)", () => {
    const prices = ["1.0000", "1.0000", "1.0000", "1.0001", "0.9999"].map(d);
    expect(madFilter(prices).dropped).toEqual([]);
  });
  it("handles an empty round", () => {
    expect(madFilter([])).toEqual({ kept: [], dropped: [], center: 0n, sigma: 0n });
  });
});

describe("confidence", () => {
  it("is half the interquartile range", () => {
    const v = ["1", "2", "3", "4", "5"].map(d);
    expect(halfIqr(v)).toBe(d("1")); // q1 = 2, q3 = 4
    expect(confidenceBps(v, d("3"))).toBeCloseTo(3333.333, 2);
  });
  it("is zero for a single value", () => {
    expect(halfIqr([d("5")])).toBe(0n);
  });
});
