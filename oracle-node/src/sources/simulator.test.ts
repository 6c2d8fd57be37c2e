import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviationBps, parseDecimal } from "../quotes/decimal";
import { GARBAGE_MODES, startSimulator, type GarbageMode, type Simulator } from "../simulator";
import { SourceFetcher } from "./fetcher";
import { RateLimiter } from "./http/rate-limiter";
import { SOURCE_IDS, getAdapter } from "./registry";
import type { SourceContext } from "./types";
import { ALL_MARKETS_MIN_SYMBOLS } from "./venue-adapter";

/** The adapters against the local venue simulator: same code, base URL swapped. */
let sim: Simulator;
beforeAll(async () => {
  // Rate limits off: this file checks formats and failure classes; the rate-limit case sets its own bucket.
  sim = await startSimulator({ seed: 7, clock: "manual", rateLimits: "off" });
});
afterAll(() => sim.close());

const PAIRS = ["BTC/USD", "ETH/USD"];

describe("adapters against the venue simulator", () => {
  it.each(SOURCE_IDS.map((id) => [id]))("%s returns valid quotes near the simulator's fair price", async (id) => {
    const results = await getAdapter(id).fetch(
      PAIRS.map((pair) => ({ pair })),
      {
        baseUrl: sim.baseUrl(id),
        timeoutMs: 2_000,
        now: Date.now,
      },
    );
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw r.error;
      expect(r.quote.pair).toBe(PAIRS[i]);
      // Venues quoting USDT for USD feeds and basis noise stay well inside 2 %.
      expect(deviationBps(r.quote.price, parseDecimal(sim.fairPrice(PAIRS[i])))).toBeLessThan(200);
    }
  });

  it("fetches a round of every source with one request per batching venue", async () => {
    sim.resetStats();
    const fetcher = new SourceFetcher({ rateLimits: false });
    const pairs = ["BTC", "ETH", "SOL", "LINK", "XRP", "DOGE", "LTC", "ADA", "AVAX", "DOT"].map((b) => `${b}/USD`);
    expect(pairs.length).toBeGreaterThanOrEqual(ALL_MARKETS_MIN_SYMBOLS);
    const jobs = SOURCE_IDS.map((id) => ({ sourceId: id, adapter: getAdapter(id), requests: pairs.map((pair) => ({ pair })), baseUrl: sim.baseUrl(id) }));
    const out = await fetcher.fetchAll(jobs, { timeoutMs: 2_000, now: Date.now });
    for (const id of SOURCE_IDS) {
      const results = out.get(id)!;
      expect(
        results.map((r) => (r.ok ? "ok" : r.error.message)),
        id,
      ).toEqual(pairs.map(() => "ok"));
      const sent = fetcher.stats.requests.get(id);
      expect(sent, id).toBe(getAdapter(id).batch ? 1 : pairs.length);
    }
    expect(SOURCE_IDS.filter((id) => !getAdapter(id).batch)).toEqual(["coinbase", "coinbase-spot", "gemini"]);
    expect(sim.stats().total).toBe(fetcher.totalRequests());
  });

  it("reports an unknown symbol in the simulator's own error shape", async () => {
    for (const id of ["binance", "kraken", "okx", "bybit", "kucoin", "cryptocompare"]) {
      const [r] = await getAdapter(id).fetch([{ pair: "NOPE/USD" }], { baseUrl: sim.baseUrl(id), timeoutMs: 2_000, now: Date.now });
      expect(r.ok ? "ok" : r.error.failure, id).toBe("unknown-symbol");
    }
  });
});

/** What each garbage mode of the simulator must end as (a price that is not a number is invalid, a body that is not JSON malformed). */
const GARBAGE_EXPECT: Record<GarbageMode, readonly string[]> = {
  "malformed-json": ["malformed"],
  html: ["malformed"],
  empty: ["malformed", "unknown-symbol"],
  nan: ["invalid-value", "malformed"],
  negative: ["invalid-value"],
  zero: ["invalid-value"],
  huge: ["invalid-value"],
};

describe("adapters against the simulator's garbage, outages and rate limits", () => {
  const ctx = (id: string, extra: Partial<SourceContext> = {}): SourceContext => ({
    baseUrl: sim.baseUrl(id),
    timeoutMs: 2_000,
    now: Date.now,
    maxRetries: 0,
    ...extra,
  });

  describe.each(SOURCE_IDS.map((id) => [id]))("%s", (id) => {
    it.each(GARBAGE_MODES.map((m) => [m]))("classifies %s garbage", async (mode) => {
      const attack = sim.inject({ kind: "garbage", venue: id as never, mode });
      try {
        const [r] = await getAdapter(id).fetch([{ pair: "BTC/USD" }], ctx(id));
        expect(GARBAGE_EXPECT[mode], r.ok ? "ok" : r.error.message).toContain(r.ok ? "ok" : r.error.failure);
      } finally {
        sim.clearAttacks({ id: attack });
      }
    });

    it.each([
      ["5xx", "http-error"],
      ["reset", "unreachable"],
      ["hang", "timeout"],
    ] as const)("classifies a %s outage as %s", async (kind, failure) => {
      sim.setOutage(id as never, kind);
      try {
        const [r] = await getAdapter(id).fetch([{ pair: "BTC/USD" }], ctx(id, { timeoutMs: 150 }));
        expect(r.ok ? "ok" : r.error.failure).toBe(failure);
      } finally {
        sim.setOutage(id as never, "none");
      }
    });

    it("reads the venue's rate-limit answer as rate-limited and backs off", async () => {
      // A bucket of 2 units: one or two requests pass (weights differ), then the venue refuses.
      sim.setRateLimit(id as never, { capacity: 2, refillPerSec: 0.01, documented: "test" });
      try {
        const limiter = new RateLimiter({ capacity: 100, refillPerSec: 100 });
        const seen: string[] = [];
        for (let i = 0; i < 4 && !seen.includes("rate-limited"); i++) {
          const [r] = await getAdapter(id).fetch([{ pair: "BTC/USD" }], ctx(id, { limiter }));
          seen.push(r.ok ? "ok" : r.error.failure);
        }
        expect(seen[0]).toBe("ok");
        expect(seen).toContain("rate-limited");
        expect(limiter.backoffRemainingMs()).toBeGreaterThan(0);
      } finally {
        sim.setRateLimit(id as never, null);
      }
    });
  });
});
