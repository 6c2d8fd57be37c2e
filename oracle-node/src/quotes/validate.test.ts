import { describe, expect, it } from "vitest";
import { parseDecimal as d } from "./decimal";
import type { Quote } from "./quote";
import { validateQuote } from "./validate";

const now = 1_700_000_000_000;
const base: Quote = { source: "binance", pair: "BTC/USD", price: d("67000"), bid: d("66999"), ask: d("67001"), receivedAt: now };
const opts = { now, maxAgeMs: 60_000 };

describe("validateQuote", () => {
  it("accepts a sane quote", () => {
    expect(validateQuote(base, opts)).toBeNull();
  });
  it.each([
    ["zero price", { price: 0n }],
    ["negative price", { price: d("-1") }],
    ["absurd magnitude", { price: d("1e16") }],
    ["dust magnitude", { price: d("1e-15") }],
    ["crossed book", { bid: d("67002"), ask: d("67001") }],
    ["non-positive bid", { bid: 0n }],
    ["negative volume", { volume: d("-5") }],
    ["future timestamp", { sourceTimestamp: now + 120_000 }],
  ])("rejects %s as invalid-value", (_name, patch) => {
    expect(validateQuote({ ...base, ...patch }, opts)?.failure).toBe("invalid-value");
  });
  it("rejects a stale source timestamp", () => {
    const r = validateQuote({ ...base, sourceTimestamp: now - 61_000 }, opts);
    expect(r).toEqual({ failure: "stale", reason: "source timestamp 61 s old" });
  });
});
