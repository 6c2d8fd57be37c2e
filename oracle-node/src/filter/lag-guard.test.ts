import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDecimal } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import { Rng } from "../simulator/rng";
import { viewRound } from "./features";
import { applyLagGuard, laggingDelay, LAGS, updateLagHistory } from "./lag-guard";
import { createFilter, type FeedRoundResult, type RoundFilter } from "./pipeline";
import { FilterState, type SourceLag } from "./state";

const FEED = "ETH/USD";
const HONEST = ["binance", "coinbase", "kraken", "okx", "bybit", "bitstamp", "gemini"];
const MIRRORS = ["coingecko", "cryptocompare"];
const BP = 1e-4;

function quote(source: string, price: number, book = true): Quote {
  const half = (price * 3) / 2e4;
  return {
    source,
    pair: FEED,
    price: parseDecimal(price.toFixed(4)),
    bid: book ? parseDecimal((price - half).toFixed(4)) : undefined,
    ask: book ? parseDecimal((price + half).toFixed(4)) : undefined,
    volume: book ? parseDecimal("10000.000") : undefined,
    receivedAt: 0,
  };
}

/**
 * A market path: a random walk of `sigma` per round with a trend of `drift` per round (log units),
 * from 3000, seeded; `fair[t]` is the fair price of round t.
 */
function marketPath(seed: number, rounds: number, sigma: number, drift: number): number[] {
  const rng = new Rng(seed);
  const fair: number[] = [];
  let l = Math.log(3000);
  for (let t = 0; t < rounds; t++) {
    l += drift + sigma * rng.normal();
    fair.push(Math.exp(l));
  }
  return fair;
}

/**
 * Runs the path through the filter: every honest venue quotes fair x its own small basis and noise,
 * lagging `honestLag` rounds; the mirrors (no book, like aggregators) serve the fair price of
 * `mirrorLag` rounds ago from round `from` on (honest before).
 */
async function run(
  filter: RoundFilter,
  fair: number[],
  opts: { mirrorLag: number; from: number; honestLag?: number; mirrors?: string[] },
): Promise<FeedRoundResult[]> {
  const state = new FilterState();
  const rng = new Rng(7);
  const mirrors = opts.mirrors ?? MIRRORS;
  const out: FeedRoundResult[] = [];
  for (let t = 0; t < fair.length; t++) {
    const at = (lag: number) => fair[Math.max(0, t - lag)];
    const quotes = [
      ...HONEST.map((v, i) => quote(v, at(opts.honestLag ?? 0) * (1 + (i - 3) * BP + 2 * BP * rng.normal()))),
      ...mirrors.map((v) => quote(v, at(t >= opts.from ? opts.mirrorLag : 0) * (1 + 2 * BP * rng.normal()), false)),
    ];
    const [res] = await filter.run([{ feedId: FEED, quotes, minSources: 3, now: 1_700_000_000_000 + t * 15_000 }], state);
    out.push(res);
  }
  return out;
}

const byLagRule = (res: FeedRoundResult) =>
  res.dropped
    .filter((d) => /lagging source/.test(d.reason))
    .map((d) => d.source)
    .sort();
const errorBps = (res: FeedRoundResult, fair: number) => Math.abs(Number(res.observation!) / 1e18 / fair - 1) / BP;

describe("the lag guard", () => {
  let filter: RoundFilter;
  let noGuard: RoundFilter;
  beforeAll(async () => {
    filter = await createFilter({ kind: "onnx" });
    noGuard = await createFilter({ kind: "onnx", lagGuard: false });
  });
  afterAll(async () => {
    await filter.close();
    await noGuard.close();
  });

  it("drops two sources serving the market 20 rounds late in a trend, and the answer is closer to fair than without it", async () => {
    // +8 % over 500 rounds, 4 bps of random walk per round: the mirrors sit ~31 bps behind on average.
    const fair = marketPath(1, 500, 4 * BP, Math.log(1.08) / 500);
    const withIt = await run(filter, fair, { mirrorLag: 20, from: 20 });
    const without = await run(noGuard, fair, { mirrorLag: 20, from: 20 });
    const late = withIt.slice(200);
    // Once their fit has settled, the mirrors are dropped whenever they are 20 bps or more off.
    const dropped = late.filter((r) => byLagRule(r).length > 0);
    expect(dropped.length).toBeGreaterThan(late.length / 4);
    for (const r of late) for (const s of byLagRule(r)) expect(MIRRORS).toContain(s);
    const mean = (rs: FeedRoundResult[]) => rs.slice(200).reduce((a, r, i) => a + errorBps(r, fair[200 + i]), 0) / (rs.length - 200);
    expect(mean(withIt)).toBeLessThan(0.85 * mean(without));
  });

  it("drops no honest venue that reports 2 rounds late through a genuine +20 % rally", async () => {
    const calm = marketPath(2, 150, 3 * BP, 0);
    const rally = marketPath(3, 60, 10 * BP, Math.log(1.2) / 60).map((p) => (p / 3000) * calm[calm.length - 1]);
    const fair = [...calm, ...rally, ...marketPath(4, 100, 3 * BP, 0).map((p) => (p / 3000) * rally[rally.length - 1])];
    const results = await run(filter, fair, { mirrorLag: 0, from: 0, honestLag: 2, mirrors: ["coingecko"] });
    for (const r of results) {
      expect(byLagRule(r)).toEqual([]);
      expect(r.observation).not.toBeNull();
    }
  });

  it("never takes the honest venues a pump leaves behind for late ones: 5 of 7 venues x2 ramped over 60 rounds in a crash", async () => {
    const fair = [...marketPath(6, 200, 4 * BP, 0), ...marketPath(9, 200, 8 * BP, Math.log(0.8) / 200)];
    const pumped = HONEST.slice(0, 5);
    const answers = async (f: RoundFilter) => {
      const state = new FilterState();
      const rng = new Rng(8);
      const out: FeedRoundResult[] = [];
      for (let t = 0; t < fair.length; t++) {
        const m = t < 200 ? 1 : Math.exp((Math.log(2) * Math.min(t - 199, 60)) / 60);
        const quotes = HONEST.map((v, i) => quote(v, fair[t] * (t >= 200 && pumped.includes(v) ? m : 1) * (1 + (i - 3) * BP + 2 * BP * rng.normal())));
        const [res] = await f.run([{ feedId: FEED, quotes, minSources: 3, now: 1_700_000_000_000 + t * 15_000 }], state);
        out.push(res);
      }
      return out;
    };
    const withIt = await answers(filter);
    const without = await answers(noGuard);
    withIt.forEach((res, t) => {
      expect(byLagRule(res)).toEqual([]);
      expect(res.observation).toEqual(without[t].observation);
    });
  });

  it("takes a fit of 16 rounds that halves the residual for a late source, never a 2-round one or a flat fit", () => {
    const fit = (best: number, at: number, n = 100): SourceLag => ({
      mean: LAGS.map(() => 0),
      var: LAGS.map((d) => (d === at ? best : (10 * BP) ** 2)),
      n,
    });
    expect(laggingDelay(fit((3 * BP) ** 2, 16))).toBe(16);
    expect(laggingDelay(fit((3 * BP) ** 2, 2))).toBeNull();
    expect(laggingDelay(fit((9.5 * BP) ** 2, 16))).toBeNull();
    expect(laggingDelay(fit((3 * BP) ** 2, 16, 10))).toBeNull();
    expect(laggingDelay(undefined)).toBeNull();
    // An answer pushed around by an attack fits nothing closely: a residual of 100 bps is no lag.
    const loud: SourceLag = { mean: LAGS.map(() => 0), var: LAGS.map((d) => (d === 16 ? (100 * BP) ** 2 : (400 * BP) ** 2)), n: 100 };
    expect(laggingDelay(loud)).toBeNull();
  });

  it("never drops a majority of the kept quotes, nor leaves fewer than minSources, nor acts while a guard disputes the answer or it moves fast", () => {
    const late: SourceLag = { mean: LAGS.map(() => 0), var: LAGS.map((d) => (d === 16 ? (2 * BP) ** 2 : (10 * BP) ** 2)), n: 100 };
    const quotes = ["a", "b", "c", "d", "e"].map((s, i) => quote(s, i < 3 ? 3000 : 2980));
    const view = viewRound(quotes);
    const hist = new FilterState().feed(FEED);
    hist.lag.answers = new Array<number>(65).fill(Math.log(3000));
    const runWith = (lateSources: string[], minSources: number) => {
      hist.lag.sources = Object.fromEntries(lateSources.map((s) => [s, late]));
      const kept = quotes.map(() => true);
      const dropped: { source: string; reason: string }[] = [];
      return { n: applyLagGuard(quotes, view, hist, kept, dropped, minSources), kept };
    };
    expect(runWith(["d", "e"], 3)).toEqual({ n: 2, kept: [true, true, true, false, false] });
    expect(runWith(["d", "e"], 4).n).toBe(0);
    // Three "late" quotes of five: the late side is the majority, the rule does not pick a minority as the market.
    expect(runWith(["c", "d", "e"], 1).n).toBe(0);
    // The answer itself moved 50 bps in the last 4 rounds (its sigma is the 1 bp floor): a fast move.
    hist.lag.answers[64] = Math.log(3015);
    expect(runWith(["d", "e"], 3).n).toBe(0);
    hist.lag.answers[64] = Math.log(3000);
    hist.splitRounds = 1;
    expect(runWith(["d", "e"], 3).n).toBe(0);
    hist.splitRounds = 0;
    hist.liquid.active = 1;
    expect(runWith(["d", "e"], 3).n).toBe(0);
  });

  it("keeps a late quote that sits within 20 bps of the others (its delay costs the answer nothing)", () => {
    const late: SourceLag = { mean: LAGS.map(() => 0), var: LAGS.map((d) => (d === 16 ? (2 * BP) ** 2 : (10 * BP) ** 2)), n: 100 };
    const quotes = ["a", "b", "c", "d", "e"].map((s, i) => quote(s, i < 4 ? 3000 : 2995));
    const hist = new FilterState().feed(FEED);
    hist.lag.answers = new Array<number>(65).fill(Math.log(3000));
    hist.lag.sources = { e: late };
    expect(
      applyLagGuard(
        quotes,
        viewRound(quotes),
        hist,
        quotes.map(() => true),
        [],
        3,
      ),
    ).toBe(0);
  });

  it("learns a lag from the answers it has seen, survives a JSON round trip, and rejects a corrupt fit", () => {
    const state = new FilterState();
    const lag = state.feed(FEED).lag;
    const fair = marketPath(5, 200, 10 * BP, 0);
    for (let t = 0; t < fair.length; t++) {
      const quotes = [quote("x", fair[Math.max(0, t - 10)], false)];
      updateLagHistory(lag, quotes, viewRound(quotes), Math.log(fair[t]));
    }
    expect(lag.answers.length).toBe(LAGS[LAGS.length - 1] + 1);
    expect(laggingDelay(lag.sources.x)).toBe(10);
    const json = JSON.parse(JSON.stringify(state)) as { feeds: Record<string, { lag?: unknown }> };
    expect(FilterState.fromJSON(json).feed(FEED).lag).toEqual(lag);
    delete json.feeds[FEED].lag;
    expect(FilterState.fromJSON(json).feed(FEED).lag).toEqual({ answers: [], sources: {} });
    json.feeds[FEED].lag = { answers: [1, "x"], sources: {} };
    expect(() => FilterState.fromJSON(json)).toThrow(/lag\.answers/);
    json.feeds[FEED].lag = { answers: [], sources: { x: { mean: [0], var: [0, 1], n: 3 } } };
    expect(() => FilterState.fromJSON(json)).toThrow(/lag\.sources\.x/);
  });
});
