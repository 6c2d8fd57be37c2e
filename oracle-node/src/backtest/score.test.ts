import { describe, expect, it } from "vitest";
import { parseDecimal as d } from "../quotes/decimal";
import { formatResultCsv, parseLabels, parseQuotesCsv, parseResultCsv, parseTruthCsv, CsvError } from "./csv";
import { percentile, scoreResult } from "./score";

// Three rounds, three sources; round 20 has a manipulated quote from "c".
const QUOTES = [
  "timestamp,source,price,bid,ask,volume,label",
  "10,a,100,,,,0",
  "10,b,100.2,,,,0",
  "10,c,99.9,,,,0",
  "20,a,101,,,,0",
  "20,b,101,,,,0",
  "20,c,150,,,,1",
  "30,a,102,,,,0",
  "30,b,102,,,,0",
].join("\n");
const TRUTH = "timestamp,true_price\n10,100\n20,101\n30,102\n";

describe("scoreResult", () => {
  it("computes FORMAT.md's metrics on a hand-made case", () => {
    // Round 10: price 100.1 (10 bps off), drops b (a false positive). Round 20: drops c (true
    // positive), price 101 exact. Round 30: refused.
    const result = parseResultCsv("timestamp,price,used,dropped\n10,100.1,2,b\n20,101,2,c\n30,,0,\n");
    const m = scoreResult(parseLabels(QUOTES), parseTruthCsv(TRUTH), result);
    expect(m.rounds).toBe(3);
    expect(m.refused).toBe(1);
    expect(m.all.rounds).toBe(2);
    expect(m.all.mean).toBeCloseTo(5, 6);
    expect(m.all.max).toBeCloseTo(10, 6);
    expect(m.all.p99).toBeCloseTo(10, 6);
    expect(m.attacked.rounds).toBe(1);
    expect(m.attacked.mean).toBe(0);
    expect(m.roundsOver100Bps).toBe(0);
    expect([m.tp, m.fp, m.fn, m.tn]).toEqual([1, 1, 0, 6]);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(1);
    expect(m.falsePositiveRate).toBeCloseTo(1 / 7, 10);
  });

  it("counts a round over 100 bps and a missed manipulation", () => {
    const result = parseResultCsv("timestamp,price,used,dropped\n10,100,3,\n20,125.5,3,\n30,102,2,\n");
    const m = scoreResult(parseLabels(QUOTES), parseTruthCsv(TRUTH), result);
    expect(m.roundsOver100Bps).toBe(1);
    expect(m.attacked.max).toBeGreaterThan(2400);
    expect(m.recall).toBe(0);
    expect(Number.isNaN(m.precision)).toBe(true);
  });

  it("uses the nearest-rank p99", () => {
    const s = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(percentile(s, 0.99)).toBe(198);
    expect(percentile([5], 0.99)).toBe(5);
  });
});

describe("scenario CSV", () => {
  it("groups quote rows into rounds without reading the label", () => {
    const rounds = parseQuotesCsv(QUOTES);
    expect(rounds.map((r) => [r.timestamp, r.rows.length])).toEqual([
      [10, 3],
      [20, 3],
      [30, 2],
    ]);
    expect(Object.keys(rounds[0].rows[0]).sort()).toEqual(["ask", "bid", "price", "source", "volume"]);
  });

  it("rejects unsorted rows, bad sources and missing columns with the line number", () => {
    expect(() => parseQuotesCsv("timestamp,source,price\n20,a,1\n10,a,1\n")).toThrow(/line 3: rows are not sorted/);
    expect(() => parseQuotesCsv("timestamp,source,price\n20,A B,1\n")).toThrow(CsvError);
    expect(() => parseQuotesCsv("timestamp,price\n")).toThrow(/missing column "source"/);
    expect(() => parseLabels("timestamp,source,price,label\n1,a,1,2\n")).toThrow(/label/);
  });

  it("writes results with sorted dropped lists and empty price for refusals", () => {
    const text = formatResultCsv([
      { timestamp: 1, price: d("67123.45"), used: 5, dropped: ["okx", "binance"] },
      { timestamp: 2, price: null, used: 0, dropped: [] },
    ]);
    expect(text).toBe("timestamp,price,used,dropped\n1,67123.45,5,binance;okx\n2,,0,\n");
  });
});
