import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDecimal } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import { createFilter, DEFAULT_MODEL_PATH, metaPathFor, type FeedRoundInput, type RoundFilter } from "./pipeline";
import { SPLIT_GUARD_ROUNDS } from "./features";
import { ModelLoadError } from "./onnx-scorer";
import { FilterState } from "./state";

const VENUES = ["binance", "coinbase", "kraken", "okx", "bybit", "bitstamp", "gemini"];
const VOLUMES = [50_000, 30_000, 8_000, 20_000, 25_000, 3_000, 2_000];

/** A builder for one venue quote around `price` with a plausible book and volume. */
function quote(source: string, price: number, opts: { spreadBps?: number; volume?: number; t?: number } = {}): Quote {
  const half = (price * (opts.spreadBps ?? 1.5)) / 2e4;
  const i = VENUES.indexOf(source);
  return {
    source,
    pair: "ETH/USD",
    price: parseDecimal(price.toFixed(2)),
    bid: parseDecimal((price - half).toFixed(2)),
    ask: parseDecimal((price + half).toFixed(2)),
    volume: parseDecimal(((opts.volume ?? VOLUMES[i]) * (1 + 0.0005 * (opts.t ?? 0))).toFixed(3)),
    receivedAt: 0,
  };
}

/** Calm market: every venue within a couple of bps of `level`, deterministic jitter. */
function round(t: number, level: number, minSources = 3): FeedRoundInput {
  return {
    feedId: "ETH/USD",
    minSources,
    now: 1_700_000_000_000 + t * 10_000,
    quotes: VENUES.map((v, i) => quote(v, level * (1 + 0.00015 * Math.sin(t * 1.7 + i * 2.3)), { t })),
  };
}

async function warm(filter: RoundFilter, state: FilterState, rounds: number, level = 3000): Promise<void> {
  for (let t = 0; t < rounds; t++) await filter.run([round(t, level)], state);
}

describe("createFilter", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "filter-test-"));
  });

  it("fails clearly on a missing model file", async () => {
    const p = join(dir, "missing.onnx");
    copyFileSync(metaPathFor(DEFAULT_MODEL_PATH), metaPathFor(p));
    await expect(createFilter({ kind: "onnx", modelPath: p })).rejects.toThrow(/not found/);
  });

  it("fails clearly on a corrupt model file, never falling back", async () => {
    const p = join(dir, "corrupt.onnx");
    writeFileSync(p, Buffer.from("this is not an onnx model"));
    copyFileSync(metaPathFor(DEFAULT_MODEL_PATH), metaPathFor(p));
    await expect(createFilter({ kind: "onnx", modelPath: p })).rejects.toThrow(ModelLoadError);
    await expect(createFilter({ kind: "onnx", modelPath: p })).rejects.toThrow(/not a loadable ONNX model/);
  });

  it("fails clearly when the model's meta file is missing or lists other features", async () => {
    const p = join(dir, "nometa.onnx");
    copyFileSync(DEFAULT_MODEL_PATH, p);
    await expect(createFilter({ kind: "onnx", modelPath: p })).rejects.toThrow(/meta file not found/);
    writeFileSync(metaPathFor(p), JSON.stringify({ threshold: 0.5, features: ["a", "b"] }));
    await expect(createFilter({ kind: "onnx", modelPath: p })).rejects.toThrow(/retrain/);
  });

  it("rejects an unknown kind and an out-of-range threshold", async () => {
    await expect(createFilter({ kind: "median" as "none" })).rejects.toThrow(/unknown filter kind/);
    await expect(createFilter({ kind: "onnx", threshold: 1.5 })).rejects.toThrow(/threshold/);
  });
});

describe("the onnx round filter", () => {
  let filter: RoundFilter;
  beforeAll(async () => {
    filter = await createFilter({ kind: "onnx" });
  });
  afterAll(async () => {
    await filter.close();
  });

  it("drops an injected single-venue spike and reports the honest median", async () => {
    const state = new FilterState();
    await warm(filter, state, 40);
    const r = round(40, 3000);
    r.quotes[3] = quote("okx", 3900, { spreadBps: 300, t: 40 });
    const [res] = await filter.run([r], state);
    expect(res.dropped.map((d) => d.source)).toEqual(["okx"]);
    expect(res.dropped[0].score).toBeGreaterThan(filter.threshold!);
    expect(res.used).toBe(6);
    // Every scored quote carries its score, kept ones too (metrics observe them all).
    expect(res.scores!.map((x) => x.source)).toEqual(VENUES);
    expect(res.scores!.find((x) => x.source === "okx")!.score).toBe(res.dropped[0].score);
    for (const q of res.kept) expect(res.scores!.find((x) => x.source === q.source)!.score).toBeLessThanOrEqual(filter.threshold!);
    const obs = Number(res.observation!) / 1e18;
    expect(Math.abs(obs / 3000 - 1)).toBeLessThan(5e-4);
  });

  it("keeps a genuine crash that every venue shows and follows it", async () => {
    const state = new FilterState();
    await warm(filter, state, 40);
    let level = 3000;
    for (let t = 40; t < 70; t++) {
      level *= 0.985; // -1.5 % a round, -36 % over 30 rounds
      const [res] = await filter.run([round(t, level)], state);
      expect(res.dropped).toEqual([]);
      expect(res.observation).not.toBeNull();
      expect(Math.abs(Number(res.observation!) / 1e18 / level - 1)).toBeLessThan(5e-4);
    }
  });

  it("sides with the venues still trading at the last answer when most venues jump 2x and stay there", async () => {
    const state = new FilterState();
    await warm(filter, state, 40);
    const results: Awaited<ReturnType<RoundFilter["run"]>> = [];
    for (let t = 40; t < 52; t++) {
      const r = round(t, 3000, 2);
      r.quotes = r.quotes.map((q, i) => (i < 5 ? quote(q.source, (Number(q.price) / 1e18) * 2, { t }) : q));
      [results[t - 40]] = await filter.run([r], state);
    }
    for (const res of results.slice(SPLIT_GUARD_ROUNDS)) {
      expect(res.observation).not.toBeNull();
      expect(Math.abs(Number(res.observation!) / 1e18 / 3000 - 1)).toBeLessThan(1e-3);
      expect(res.kept.map((q) => q.source).sort()).toEqual(["bitstamp", "gemini"]);
    }
    expect(Math.exp(state.feed("ETH/USD").anchorLog!)).toBeCloseTo(3000, -1);
  });

  it("follows a genuine 10 % jump whose laggards catch up within two rounds", async () => {
    const state = new FilterState();
    await warm(filter, state, 40);
    for (let t = 40; t < 50; t++) {
      const r = round(t, 2700);
      if (t < 42) r.quotes = r.quotes.map((q, i) => (i >= 5 ? quote(q.source, 3000 * (1 + 0.0001 * i), { t }) : q));
      const [res] = await filter.run([r], state);
      expect(res.observation).not.toBeNull();
      expect(Math.abs(Number(res.observation!) / 1e18 / 2700 - 1)).toBeLessThan(2e-3);
    }
    expect(Math.exp(state.feed("ETH/USD").anchorLog!)).toBeCloseTo(2700, -1);
  });

  it("refuses a round when fewer than minSources quotes survive, and says why", async () => {
    const state = new FilterState();
    await warm(filter, state, 40);
    const r = round(40, 3000, 3);
    r.quotes = [r.quotes[0], quote("kraken", 3000, { t: 40 }), { ...r.quotes[2], price: 0n, source: "okx" }];
    const [res] = await filter.run([r], state);
    expect(res.observation).toBeNull();
    expect(res.used).toBe(0);
    expect(res.confidence).toBe(0n);
    expect(res.refusedReason).toMatch(/only 2 of 3 quotes survived/);
    expect(res.dropped).toEqual([{ source: "okx", reason: "invalid-value: zero price" }]);
    expect(res.scores!.map((x) => x.source)).toEqual(["binance", "kraken"]); // the invalid quote is never scored
  });

  it("scores several feeds in one call and keeps their histories apart", async () => {
    const state = new FilterState();
    for (let t = 0; t < 30; t++) {
      const a = round(t, 3000);
      const b = { ...round(t, 60_000), feedId: "BTC/USD" };
      const res = await filter.run([a, b], state);
      expect(res.map((x) => x.feedId)).toEqual(["ETH/USD", "BTC/USD"]);
      expect(res.every((x) => x.observation !== null)).toBe(true);
    }
    expect([...state.feeds.keys()].sort()).toEqual(["BTC/USD", "ETH/USD"]);
    expect(Math.exp(state.feed("BTC/USD").anchorLog!)).toBeCloseTo(60_000, -2);
  });

  it("refuses a feed with no quotes at all without disturbing the other feeds of the round", async () => {
    const state = new FilterState();
    const [empty, ok] = await filter.run([{ ...round(0, 3000), feedId: "DEAD/USD", quotes: [] }, round(0, 3000)], state);
    expect(empty.observation).toBeNull();
    expect(empty.refusedReason).toMatch(/only 0 of 0/);
    expect(ok.observation).not.toBeNull();
  });

  it("survives hostile input: garbage magnitudes, books and volumes never throw and never sign garbage", async () => {
    const state = new FilterState();
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const wild = () => ["0", "-1", "0.000000000001", "0.000000000000000001", "1e14", "999999999999999", (rand() * 1e6).toFixed(6)][Math.floor(rand() * 7)];
    for (let t = 0; t < 150; t++) {
      const r = round(t, 3000);
      for (let k = 0; k < 3; k++) {
        const i = Math.floor(rand() * r.quotes.length);
        const q = r.quotes[i];
        r.quotes[i] = {
          ...q,
          price: parseDecimal(wild()),
          bid: rand() < 0.5 ? undefined : parseDecimal(wild()),
          ask: rand() < 0.5 ? undefined : parseDecimal(wild()),
          volume: rand() < 0.3 ? undefined : parseDecimal(wild()),
        };
      }
      const [res] = await filter.run([r], state);
      if (res.observation !== null) {
        expect(Math.abs(Number(res.observation) / 1e18 / 3000 - 1)).toBeLessThan(0.01);
      }
    }
    expect(() => JSON.stringify(state)).not.toThrow();
    expect(FilterState.fromJSON(JSON.parse(JSON.stringify(state))).feeds.size).toBe(1);
  });

  it("rejects a duplicate source in one round instead of counting it twice", async () => {
    const state = new FilterState();
    const r = round(0, 3000);
    r.quotes.push(quote("binance", 3000));
    const [res] = await filter.run([r], state);
    expect(res.dropped).toContainEqual({ source: "binance", reason: "duplicate source in round" });
  });
});

describe("the baseline filters", () => {
  it("mad drops the spike, none keeps everything", async () => {
    const mad = await createFilter({ kind: "mad" });
    const none = await createFilter({ kind: "none" });
    const r = round(0, 3000);
    r.quotes[1] = quote("coinbase", 3900);
    const [m] = await mad.run([r], new FilterState());
    const [n] = await none.run([r], new FilterState());
    expect(m.dropped.map((d) => d.source)).toEqual(["coinbase"]);
    expect(n.dropped).toEqual([]);
    expect(n.used).toBe(7);
    expect(m.scores).toEqual([]);
    expect(n.scores).toEqual([]);
  });
});
