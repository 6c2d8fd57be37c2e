import { describe, expect, it } from "vitest";
import { parseDecimal, type Fixed } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import { ANCHOR_CONFIRM_ROUNDS, ANCHOR_RESYNC_ROUNDS, computeFeatures, FEATURE_NAMES, NUM_FEATURES, updateHistory, viewRound } from "./features";
import { FilterState } from "./state";

const F = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);

interface Q {
  source: string;
  price: number;
  spreadBps?: number;
  volume?: number;
}

function quote(q: Q): Quote {
  const p = parseDecimal(q.price.toFixed(6));
  const half = (q.price * (q.spreadBps ?? 2)) / 2e4;
  return {
    source: q.source,
    pair: "ETH/USD",
    price: p,
    bid: parseDecimal((q.price - half).toFixed(6)),
    ask: parseDecimal((q.price + half).toFixed(6)),
    volume: parseDecimal((q.volume ?? 1000).toFixed(3)),
    receivedAt: 0,
  };
}

const VENUES = ["a", "b", "c", "d", "e", "f", "g"];

/** Runs one round through features + history update, keeping every quote and the median as answer. */
function step(state: FilterState, quotes: Quote[], answer?: Fixed): Float32Array<ArrayBufferLike> {
  const hist = state.feed("eth");
  const view = viewRound(quotes);
  const out = new Float32Array(quotes.length * NUM_FEATURES);
  computeFeatures(quotes, view, hist, out);
  const sorted = quotes.map((q) => q.price).sort((a, b) => (a < b ? -1 : 1));
  updateHistory(
    hist,
    quotes,
    view,
    quotes.map(() => true),
    answer ?? sorted[sorted.length >> 1],
  );
  return out;
}

function calmRound(t: number, level = 2000): Quote[] {
  return VENUES.map((source, i) => quote({ source, price: level * (1 + 0.0002 * Math.sin(t + i)), volume: 1000 + 10 * i + t }));
}

function row(out: Float32Array, i: number): Float32Array {
  return out.subarray(i * NUM_FEATURES, (i + 1) * NUM_FEATURES);
}

describe("features", () => {
  it("describes every quote with the same fixed-length vector", () => {
    const state = new FilterState();
    const out = step(state, calmRound(0));
    expect(out.length).toBe(VENUES.length * NUM_FEATURES);
    expect([...out].every(Number.isFinite)).toBe(true);
  });

  it("shows a single-venue spike far from the median in raw and robust units, honest venues near it", () => {
    const state = new FilterState();
    for (let t = 0; t < 20; t++) step(state, calmRound(t));
    const quotes = calmRound(20);
    quotes[3] = quote({ source: "d", price: 2600, spreadBps: 200, volume: 1033 });
    const out = step(state, quotes);
    const spike = row(out, 3);
    expect(spike[F("dev_bps")]).toBeGreaterThan(Math.log1p(2500));
    expect(spike[F("dev_robust_z")]).toBeGreaterThan(Math.log1p(100));
    expect(spike[F("spread_z")]).toBeGreaterThan(Math.log1p(5));
    expect(spike[F("own_return_vs_market_bps")]).toBeGreaterThan(Math.log1p(2500));
    for (const i of [0, 1, 2, 4, 5, 6]) expect(Math.abs(row(out, i)[F("dev_bps")])).toBeLessThan(Math.log1p(10));
  });

  it("keeps the cross-section calm in a genuine crash every venue shows, while the anchor features see the move", () => {
    const state = new FilterState();
    for (let t = 0; t < 20; t++) step(state, calmRound(t));
    const out = step(state, calmRound(20, 1800));
    for (let i = 0; i < VENUES.length; i++) {
      const r = row(out, i);
      expect(Math.abs(r[F("dev_bps")])).toBeLessThan(Math.log1p(10));
      expect(Math.abs(r[F("own_return_vs_market_bps")])).toBeLessThan(Math.log1p(10));
      expect(r[F("median_vs_anchor_bps")]).toBeLessThan(-Math.log1p(900));
    }
  });

  it("counts how long a venue's whole quote has repeated", () => {
    const state = new FilterState();
    const frozen = quote({ source: "a", price: 2000 });
    let out: Float32Array<ArrayBufferLike> = new Float32Array();
    for (let t = 0; t < 6; t++) {
      const quotes = calmRound(t);
      quotes[0] = frozen;
      out = step(state, quotes);
    }
    expect(row(out, 0)[F("row_unchanged_rounds")]).toBeCloseTo(Math.log1p(5), 5);
    expect(row(out, 1)[F("row_unchanged_rounds")]).toBe(0);
  });

  it("flags a volume burst against the venue's own normal", () => {
    const state = new FilterState();
    for (let t = 0; t < 30; t++) step(state, calmRound(t));
    const quotes = calmRound(30);
    quotes[2] = quote({ source: "c", price: 2000, volume: 20_000 });
    const out = step(state, quotes);
    expect(row(out, 2)[F("volume_z")]).toBeGreaterThan(Math.log1p(20));
    expect(Math.abs(row(out, 1)[F("volume_z")])).toBeLessThan(Math.log1p(3));
  });

  it("gives the same features after a JSON round trip of the state", () => {
    const a = new FilterState();
    for (let t = 0; t < 15; t++) step(a, calmRound(t));
    const b = FilterState.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(step(b, calmRound(15))).toEqual(step(a, calmRound(15)));
  });

  it("rejects a corrupt persisted state with a clear error", () => {
    expect(() => FilterState.fromJSON({ version: 99, feeds: {} })).toThrow(/version/);
    expect(() => FilterState.fromJSON({ version: 2, feeds: { eth: { anchorLog: "x" } } })).toThrow(/eth/);
    expect(() => FilterState.fromJSON(null)).toThrow(/not an object/);
  });

  it("moves the anchor past its band only after ANCHOR_CONFIRM_ROUNDS answers agree on the new level", () => {
    const state = new FilterState();
    for (let t = 0; t < 20; t++) step(state, calmRound(t));
    const hist = state.feed("eth");
    const pumped = calmRound(20, 4000);
    step(state, pumped, parseDecimal("4000")); // one pumped answer slipped through
    expect(hist.anchorLog!).toBeCloseTo(Math.log(2000), 2);
    step(state, calmRound(21), parseDecimal("2000"));
    expect(hist.anchorLog!).toBeCloseTo(Math.log(2000), 2);
    expect(hist.pendingLog).toBeNull();
    for (let t = 0; t < ANCHOR_CONFIRM_ROUNDS; t++) step(state, calmRound(22 + t, 1700), parseDecimal("1700"));
    expect(hist.anchorLog!).toBeCloseTo(Math.log(1700), 2);
  });

  it("shows how many live venues still sit at the anchor", () => {
    const state = new FilterState();
    for (let t = 0; t < 20; t++) step(state, calmRound(t));
    const quotes = calmRound(20).map((q, i) => (i < 5 ? quote({ source: q.source, price: 4000, volume: 1000 + 10 * i + 20 }) : q));
    const out = step(state, quotes);
    expect(row(out, 0)[F("anchor_support")]).toBeCloseTo(2 / 7, 5);
    expect(row(out, 0)[F("near_anchor")]).toBe(0);
    expect(row(out, 6)[F("near_anchor")]).toBe(1);
    expect(row(out, 0)[F("round_range_bps")]).toBeGreaterThan(Math.log1p(6000));
  });

  it("resyncs the anchor to the market after a long refusal so a feed cannot lock itself out", () => {
    const state = new FilterState();
    for (let t = 0; t < 5; t++) step(state, calmRound(t));
    const hist = state.feed("eth");
    const before = hist.anchorLog!;
    for (let t = 0; t < ANCHOR_RESYNC_ROUNDS; t++) {
      const quotes = calmRound(t, 1500);
      updateHistory(
        hist,
        quotes,
        viewRound(quotes),
        quotes.map(() => false),
        null,
      );
    }
    expect(before).toBeCloseTo(Math.log(2000), 2);
    expect(hist.anchorLog!).toBeCloseTo(Math.log(1500), 2);
  });
});
