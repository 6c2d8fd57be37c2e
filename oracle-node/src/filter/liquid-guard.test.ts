import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDecimal } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import { liquidLedPath, liquidReference, type LiquidRound } from "./liquid-guard";
import { createFilter, type FeedRoundResult, type RoundFilter } from "./pipeline";
import { FilterState, newLiquidHistory, type LiquidHistory } from "./state";

// Two deep venues (100x the volume of the others) and seven thin ones.
const LIQUID = ["binance", "coinbase"];
const THIN = ["kraken", "okx", "bybit", "bitstamp", "gemini", "kucoin", "htx"];
const VENUES = [...LIQUID, ...THIN];
const FEED = "ETH/USD";

function quote(source: string, price: number, t: number, flat = false): Quote {
  const deep = !flat && LIQUID.includes(source);
  const half = (price * (deep ? 1 : 6)) / 2e4;
  return {
    source,
    pair: FEED,
    price: parseDecimal(price.toFixed(2)),
    bid: parseDecimal((price - half).toFixed(2)),
    ask: parseDecimal((price + half).toFixed(2)),
    volume: parseDecimal(((deep ? 1_000_000 : 10_000) * (1 + 0.0003 * Math.sin(t))).toFixed(3)),
    receivedAt: 0,
  };
}

/** One round: every venue at `level` times its own multiplier, a few bps of deterministic noise. */
function round(t: number, level: number, mult: (venue: string) => number = () => 1, flat = false) {
  return {
    feedId: FEED,
    minSources: 3,
    now: 1_700_000_000_000 + t * 15_000,
    quotes: VENUES.map((v, i) => quote(v, level * mult(v) * (1 + 0.0002 * Math.sin(t * 1.3 + i * 2.1)), t, flat)),
  };
}

function price(res: FeedRoundResult): number {
  return Number(res.observation!) / 1e18;
}

const byLiquidRule = (res: FeedRoundResult) => res.dropped.filter((d) => /liquid venues' consensus/.test(d.reason)).map((d) => d.source);
const byDeepSplit = (res: FeedRoundResult) => res.dropped.filter((d) => /deep venue that stayed/.test(d.reason)).map((d) => d.source);

describe("the liquid guard", () => {
  let filter: RoundFilter;
  beforeAll(async () => {
    filter = await createFilter({ kind: "onnx" });
  });
  afterAll(async () => {
    await filter.close();
  });

  async function warm(state: FilterState, flat = false): Promise<void> {
    for (let t = 0; t < 40; t++) await filter.run([round(t, 3000, () => 1, flat)], state);
  }

  /** Five of the seven thin venues walked up 25 % over `rounds` rounds; the answer of every round. */
  async function ramp(state: FilterState, rounds: number, deep = true): Promise<FeedRoundResult[]> {
    const ramped = THIN.slice(0, 5);
    const out: FeedRoundResult[] = [];
    for (let k = 1; k <= rounds; k++) {
      const up = Math.log(1.25) * (k / rounds);
      // Without deep venues: the same ramp on a market where every venue has the same volume.
      const [res] = await filter.run([round(40 + k, 3000, (v) => (ramped.includes(v) ? Math.exp(up) : 1), !deep)], state);
      out.push(res);
    }
    return out;
  }

  it("keeps the answer with the two deep venues while five of seven thin venues are walked up 25 % over 400 rounds", async () => {
    const state = new FilterState();
    await warm(state);
    const results = await ramp(state, 400);
    // The gap needs ~10 rounds to pass 50 bps and persist 5 rounds; from then on the answer stays put.
    results.slice(20).forEach((res) => {
      expect(res.observation).not.toBeNull();
      expect(Math.abs(price(res) / 3000 - 1)).toBeLessThan(10e-4);
      expect(res.dropped.map((d) => d.source).sort()).toEqual(["bitstamp", "bybit", "gemini", "kraken", "okx"]);
      expect(res.kept.map((q) => q.source).sort()).toEqual(["binance", "coinbase", "htx", "kucoin"]);
    });
    // The rule fired first (the split guard joins in once the ramp has left the anchor's band).
    expect(byLiquidRule(results[12]).sort()).toEqual(["bitstamp", "bybit", "gemini", "kraken", "okx"]);
    expect(state.feed(FEED).liquid.active).toBe(1);
    // The anchor stayed with the market, not with the ramp.
    expect(Math.exp(state.feed(FEED).anchorLog!)).toBeCloseTo(3000, -1);
  });

  it("is what stops that ramp: with no deep venues the answer walks away with the thin majority", async () => {
    const state = new FilterState();
    await warm(state, true);
    const results = await ramp(state, 400, false);
    const last = results[results.length - 1];
    expect(results.every((res) => byLiquidRule(res).length === 0)).toBe(true);
    expect(price(last) / 3000 - 1).toBeGreaterThan(0.2);
  });

  it("stays out of a genuine 35 % rally that the deep venues lead and the thin venues follow 2 rounds late", async () => {
    const state = new FilterState();
    await warm(state);
    const level = (k: number) => 3000 * Math.exp((Math.log(1.35) * Math.min(Math.max(k, 0), 60)) / 60);
    for (let k = 1; k <= 80; k++) {
      const [res] = await filter.run([round(40 + k, level(k), (v) => (LIQUID.includes(v) ? 1 : level(k - 2) / level(k)))], state);
      expect(byLiquidRule(res)).toEqual([]);
      expect(state.feed(FEED).liquid.active).toBe(0);
      if (res.observation !== null && k > 62) expect(Math.abs(price(res) / level(k) - 1)).toBeLessThan(10e-4);
    }
  });

  it("does not follow the two deep venues when they are the ones walked away from the thin majority", async () => {
    const state = new FilterState();
    await warm(state);
    for (let k = 1; k <= 100; k++) {
      const up = Math.log(1.25) * (k / 100);
      const [res] = await filter.run([round(40 + k, 3000, (v) => (LIQUID.includes(v) ? Math.exp(up) : 1))], state);
      expect(byLiquidRule(res)).toEqual([]);
      expect(res.observation).not.toBeNull();
      expect(Math.abs(price(res) / 3000 - 1)).toBeLessThan(10e-4);
    }
    expect(state.feed(FEED).liquid.active).toBe(0);
  });

  it("leaves a ramp (+25 % over 400 rounds) that also takes one deep venue to the deep-split rule, which keeps the answer with the deep venue that stayed", async () => {
    const state = new FilterState();
    await warm(state);
    const ramped = ["binance", ...THIN.slice(0, 5)];
    for (let k = 1; k <= 400; k++) {
      const up = Math.log(1.25) * (k / 400);
      const [res] = await filter.run([round(40 + k, 3000, (v) => (ramped.includes(v) ? Math.exp(up) : 1))], state);
      // The deep venues disagree: the liquid guard itself stays out.
      expect(byLiquidRule(res)).toEqual([]);
      if (k >= 25) {
        expect(res.observation).not.toBeNull();
        expect(Math.abs(price(res) / 3000 - 1)).toBeLessThan(10e-4);
        expect(res.kept.map((q) => q.source).sort()).toEqual(["coinbase", "htx", "kucoin"]);
        // The rule holds the round (the model drops some of the ramped quotes itself, the rule the rest).
        expect(state.feed(FEED).deep.active).not.toBe(0);
        expect(res.dropped.map((d) => d.source).sort()).toEqual([...ramped].sort());
      }
    }
    expect(state.feed(FEED).liquid.active).toBe(0);
    expect(Math.exp(state.feed(FEED).anchorLog!)).toBeCloseTo(3000, -1);
  });

  it("without the deep-split rule that ramp walks the answer away (what the rule buys)", async () => {
    const plain = await createFilter({ kind: "onnx", deepSplit: false });
    const state = new FilterState();
    for (let t = 0; t < 40; t++) await plain.run([round(t, 3000)], state);
    const ramped = ["binance", ...THIN.slice(0, 5)];
    let last: FeedRoundResult | undefined;
    for (let k = 1; k <= 400; k++)
      [last] = await plain.run([round(40 + k, 3000, (v) => (ramped.includes(v) ? Math.exp((Math.log(1.25) * k) / 400) : 1))], state);
    await plain.close();
    expect(price(last!) / 3000 - 1).toBeGreaterThan(0.2);
  });

  it("keeps one deep venue pumped alone out of the median and never sides with it (the thin majority stays with the other)", async () => {
    const state = new FilterState();
    await warm(state);
    for (let k = 1; k <= 100; k++) {
      const [res] = await filter.run([round(40 + k, 3000, (v) => (v === "binance" ? Math.exp((Math.log(1.25) * k) / 100) : 1))], state);
      expect(byDeepSplit(res)).toEqual([]);
      expect(Math.abs(price(res) / 3000 - 1)).toBeLessThan(10e-4);
    }
    expect(state.feed(FEED).deep.active).toBe(0);
  });

  it("stays out of a genuine 35 % rally in which one deep venue reports 2 rounds late", async () => {
    const state = new FilterState();
    await warm(state);
    const level = (k: number) => 3000 * Math.exp((Math.log(1.35) * Math.min(Math.max(k, 0), 60)) / 60);
    for (let k = 1; k <= 80; k++) {
      const [res] = await filter.run(
        [round(40 + k, level(k), (v) => (v === "coinbase" || v === "htx" || v === "kucoin" ? level(k - 2) / level(k) : 1))],
        state,
      );
      expect(byDeepSplit(res)).toEqual([]);
      expect(res.observation).not.toBeNull();
      if (k > 62) expect(Math.abs(price(res) / level(k) - 1)).toBeLessThan(10e-4);
    }
  });

  it("does not count a thin venue as deep because it suddenly reports 1000x its volume", async () => {
    const state = new FilterState();
    await warm(state);
    const ramped = THIN.slice(0, 5);
    for (let k = 1; k <= 40; k++) {
      const up = Math.log(1.25) * (k / 100);
      const r = round(40 + k, 3000, (v) => (ramped.includes(v) ? Math.exp(up) : 1));
      // The attacker also inflates the reported 24 h volume of its venues: normal volume is learnt
      // from kept quotes only, so they do not become "liquid" and the rule still sides with the deep ones.
      r.quotes = r.quotes.map((q) => (ramped.includes(q.source) ? { ...q, volume: q.volume! * 1000n } : q));
      const [res] = await filter.run([r], state);
      if (k >= 20) expect(Math.abs(price(res) / 3000 - 1)).toBeLessThan(10e-4);
    }
  });
});

describe("the liquid guard's persisted state", () => {
  it("starts fresh for a state saved before it existed and rejects a corrupt one", () => {
    const s = new FilterState();
    const f = s.feed(FEED);
    f.liquid.gapN = 7;
    const json = JSON.parse(JSON.stringify(s)) as { version: number; feeds: Record<string, Record<string, unknown>> };
    expect(FilterState.fromJSON(json).feed(FEED).liquid.gapN).toBe(7);
    delete json.feeds[FEED].liquid;
    expect(FilterState.fromJSON(json).feed(FEED).liquid).toEqual(new FilterState().feed(FEED).liquid);
    json.feeds[FEED].liquid = { ...f.liquid, gapBase: "NaN" };
    expect(() => FilterState.fromJSON(json)).toThrow(/liquid\.gapBase/);
    json.feeds[FEED].liquid = 5;
    expect(() => FilterState.fromJSON(json)).toThrow(/liquid is not an object/);
  });
});

describe("the liquid guard's decision (pure)", () => {
  const BP = 1e-4;
  /** A gap opened 6 rounds ago, at median 0 and consensus 0; the deep venues agree at `consensus`. */
  function at(consensus: number, median: number, over: Partial<LiquidHistory> = {}): [LiquidRound, LiquidHistory] {
    const lh = { ...newLiquidHistory(), gapN: 50, openRounds: 6, liquidVar: (2 * BP) ** 2, ...over };
    const lr: LiquidRound = { liquid: [true, true, false, false, false], agree: true, consensus, gap: median - consensus - lh.gapBase, sigma: 2 * BP };
    return [lr, lh];
  }

  it("holds the round to the deep venues when the median is the side that walked 80 bps away", () => {
    const [lr, lh] = at(5 * BP, 85 * BP);
    expect(liquidReference(lr, 85 * BP, lh)).toBe(5 * BP);
    expect(liquidLedPath(lr, 85 * BP, lh)).toBeNull();
  });

  it("stays out when the deep venues are the side that moved, and marks their path as followed only once the median comes a quarter of the way", () => {
    const [lr, lh] = at(80 * BP, 5 * BP);
    expect(liquidReference(lr, 5 * BP, lh)).toBeNull();
    expect(liquidLedPath(lr, 5 * BP, lh)).toEqual({ lo: 0, hi: 80 * BP, followed: false });
    const [lr2, lh2] = at(80 * BP, 25 * BP);
    expect(liquidLedPath(lr2, 25 * BP, lh2)!.followed).toBe(true);
  });

  it("does not fire before the usual gap is learnt, before the gap persisted, or under the 50 bps floor", () => {
    expect(liquidReference(...argsOf(at(5 * BP, 85 * BP, { gapN: 5 })))).toBeNull();
    expect(liquidReference(...argsOf(at(5 * BP, 85 * BP, { openRounds: 2 })))).toBeNull();
    expect(liquidReference(...argsOf(at(0, 45 * BP)))).toBeNull();
    function argsOf([lr, lh]: [LiquidRound, LiquidHistory]): [LiquidRound, number, LiquidHistory] {
      return [lr, lr.gap + lr.consensus + lh.gapBase, lh];
    }
  });

  it("holds on for a few rounds without two agreeing deep venues once firing, then lets go", () => {
    const lr: LiquidRound = { liquid: [], agree: false, consensus: NaN, gap: NaN, sigma: BP };
    expect(liquidReference(lr, 0, { ...newLiquidHistory(), active: 1, lastLiquid: 7 * BP, holdRounds: 2 })).toBe(7 * BP);
    expect(liquidReference(lr, 0, { ...newLiquidHistory(), active: 1, lastLiquid: 7 * BP, holdRounds: 6 })).toBeNull();
    expect(liquidReference(lr, 0, newLiquidHistory())).toBeNull();
  });
});
