import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviationBps, parseDecimal } from "../quotes/decimal";
import { startSimulator, type Simulator } from "../simulator";
import { SourceFetcher } from "./fetcher";
import { SOURCE_IDS, getAdapter } from "./registry";

/** The adapters against the local venue simulator: same code, base URL swapped. */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 7, clock: "manual" });
});
afterAll(() => sim.close());

const PAIRS = ["BTC/USD", "ETH/USD"];

describe("adapters against the venue simulator", () => {
  it.each(SOURCE_IDS.map((id) => [id]))("%s returns valid quotes near the simulator's fair price", async (id) => {
    const results = await getAdapter(id).fetch(PAIRS.map((pair) => ({ pair })), {
      baseUrl: sim.baseUrl(id),
      timeoutMs: 2_000,
      now: Date.now,
    });
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw r.error;
      expect(r.quote.pair).toBe(PAIRS[i]);
      // Venues quoting USDT for USD feeds and basis noise stay well inside 2 %.
      expect(deviationBps(r.quote.price, parseDecimal(sim.fairPrice(PAIRS[i]!)))).toBeLessThan(200);
    }
  });

  it("fetches a round of every source with one request per batching venue", async () => {
    sim.resetStats();
    const fetcher = new SourceFetcher({ rateLimits: false });
    const jobs = SOURCE_IDS.map((id) => ({ sourceId: id, adapter: getAdapter(id), requests: PAIRS.map((pair) => ({ pair })), baseUrl: sim.baseUrl(id) }));
    const out = await fetcher.fetchAll(jobs, { timeoutMs: 2_000, now: Date.now });
    for (const id of SOURCE_IDS) {
      const results = out.get(id)!;
      expect(results.map((r) => (r.ok ? "ok" : r.error.message))).toEqual(["ok", "ok"]);
      const sent = fetcher.stats.requests.get(id);
      expect(sent).toBe(getAdapter(id).batch ? 1 : PAIRS.length);
    }
    expect(sim.stats().total).toBe(fetcher.totalRequests());
  });

  it("reports an unknown symbol in the simulator's own error shape", async () => {
    for (const id of ["binance", "kraken", "okx", "bybit", "kucoin", "cryptocompare"]) {
      const [r] = await getAdapter(id).fetch([{ pair: "NOPE/USD" }], { baseUrl: sim.baseUrl(id), timeoutMs: 2_000, now: Date.now });
      expect(r!.ok ? "ok" : r!.error.failure, id).toBe("unknown-symbol");
    }
  });
});
