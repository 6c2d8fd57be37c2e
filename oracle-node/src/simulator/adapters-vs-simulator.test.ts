import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseDecimal } from "../quotes/decimal";
import type { FailureClass } from "../quotes/quote";
import { SOURCE_IDS, getAdapter } from "../sources/registry";
import type { SourceContext, SourceResult } from "../sources/types";
import { startSimulator, type Simulator } from "./simulator";
import { VENUE_PROFILES } from "./venue-profiles";
import { isSimulatedSourceId, type SimulatedSourceId } from "./vocabulary";

/**
 * The contract between the two halves of the data plane: every adapter (sources/), pointed at
 * the simulator with baseUrl = sim.baseUrl(id), returns exactly what that venue serves (price,
 * bid, ask, volume, timestamp), and classifies the venue's unknown-symbol, rate-limit and outage
 * answers. Both halves follow the venue reference of docs/sources.md (one section per venue,
 * docs/sources.md#<venue-id>); a failure here means one of them deviates from it.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 17, clock: "manual", rateLimits: "off" });
});
afterAll(() => sim.close());
afterEach(() => {
  for (const id of SOURCE_IDS) {
    if (!isSimulatedSourceId(id)) continue;
    sim.setOutage(id, "none");
    sim.setRateLimit(id, null);
  }
  sim.clearAttacks();
});

const PAIRS = ["BTC/USD", "ETH/USD", "SOL/USD"];
/** A node with many feeds: enough pairs that adapters use their batch and all-tickers endpoints. */
const MANY_PAIRS = [
  "BTC/USD",
  "ETH/USD",
  "SOL/USD",
  "LINK/USD",
  "XRP/USD",
  "DOGE/USD",
  "LTC/USD",
  "ADA/USD",
  "AVAX/USD",
  "DOT/USD",
  "BNB/USD",
  "ATOM/USD",
  "UNI/USD",
  "BCH/USD",
  "XLM/USD",
  "NEAR/USD",
  "AAVE/USD",
  "FIL/USD",
  "ARB/USD",
  "OP/USD",
  "TRX/USD",
  "DAI/USD",
  "ETH/BTC",
  "BTC/EUR",
];
/** Venues that put their quote time in whole seconds. */
const SECOND_TIMESTAMPS = new Set(["bitstamp", "coingecko"]);
/** Bybit's `time` is the server's response time, not the quote's. */
const SERVER_TIMESTAMPS = new Set(["bybit"]);

function ctx(id: string, extra: Partial<SourceContext> = {}): SourceContext {
  return { baseUrl: sim.baseUrl(id), timeoutMs: 2_000, now: Date.now, maxRetries: 0, ...extra };
}

async function fetchOne(id: string, pair: string, extra: Partial<SourceContext> = {}): Promise<SourceResult> {
  const [r] = await getAdapter(id).fetch([{ pair }], ctx(id, extra));
  return r;
}

function failureOf(r: SourceResult): FailureClass | "ok" {
  return r.ok ? "ok" : r.error.failure;
}

describe("every adapter against the simulator", () => {
  it("the simulator serves every built-in source id", () => {
    expect(SOURCE_IDS.filter((id) => !isSimulatedSourceId(id))).toEqual([]);
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s: the normalized quotes are exactly what the venue serves", async (id) => {
    const venue = id as SimulatedSourceId;
    const sentAt = Date.now();
    const results = await getAdapter(id).fetch(
      PAIRS.map((pair) => ({ pair })),
      ctx(id),
    );
    const doneAt = Date.now();
    expect(results).toHaveLength(PAIRS.length);
    results.forEach((r, i) => {
      if (!r.ok) throw r.error;
      const pair = PAIRS[i];
      const served = sim.venueQuote(venue, pair);
      if (!served) throw new Error(`${id} serves no ${pair}`);
      const q = r.quote;
      expect(q.source).toBe(id);
      expect(q.pair).toBe(pair);
      expect(q.price, `${id} ${pair} price`).toBe(parseDecimal(served.price));
      if (q.bid !== undefined) expect(q.bid, `${id} ${pair} bid`).toBe(parseDecimal(served.bid));
      if (q.ask !== undefined) expect(q.ask, `${id} ${pair} ask`).toBe(parseDecimal(served.ask));
      if (q.volume !== undefined) expect(q.volume, `${id} ${pair} volume`).toBe(parseDecimal(served.volume));
      if (q.sourceTimestamp !== undefined && SERVER_TIMESTAMPS.has(id)) {
        expect(q.sourceTimestamp).toBeGreaterThanOrEqual(sentAt);
        expect(q.sourceTimestamp).toBeLessThanOrEqual(doneAt);
      } else if (q.sourceTimestamp !== undefined) {
        const expected = SECOND_TIMESTAMPS.has(id) ? Math.floor(served.timestampMs / 1000) * 1000 : served.timestampMs;
        expect(q.sourceTimestamp, `${id} ${pair} timestamp`).toBe(expected);
      }
      // Venues whose documented answer carries a book must yield it.
      if (VENUE_PROFILES[venue].spreadBps > 0)
        expect(
          [q.bid, q.ask].every((x) => x !== undefined),
          `${id} book`,
        ).toBe(true);
    });
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s: with many feeds (batch endpoints) every quote is still exact", async (id) => {
    const venue = id as SimulatedSourceId;
    const results = await getAdapter(id).fetch(
      MANY_PAIRS.map((pair) => ({ pair })),
      ctx(id),
    );
    let ok = 0;
    results.forEach((r, i) => {
      const pair = MANY_PAIRS[i];
      if (!r.ok) {
        // Only a market the venue does not list may fail, and only as unknown-symbol.
        expect(r.error.failure, `${id} ${pair}: ${r.error.message}`).toBe("unknown-symbol");
        return;
      }
      ok += 1;
      const served = sim.venueQuote(venue, pair);
      expect(r.quote.price, `${id} ${pair}`).toBe(parseDecimal(served?.price as string));
      if (r.quote.bid !== undefined) expect(r.quote.bid, `${id} ${pair} bid`).toBe(parseDecimal(served?.bid as string));
    });
    // Every venue lists the USD (or USDT) books of the majors.
    expect(ok, id).toBeGreaterThanOrEqual(20);
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s: an unknown symbol is classified unknown-symbol", async (id) => {
    expect(failureOf(await fetchOne(id, "NOPE/USD"))).toBe("unknown-symbol");
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s: the venue's rate-limit answer is classified rate-limited", async (id) => {
    sim.setRateLimit(id as SimulatedSourceId, { capacity: 0.001, refillPerSec: 0.001, documented: "test" });
    expect(failureOf(await fetchOne(id, "BTC/USD"))).toBe("rate-limited");
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s: a 503 outage is an http-error, a reset connection unreachable", async (id) => {
    sim.setOutage(id as SimulatedSourceId, "5xx");
    expect(failureOf(await fetchOne(id, "BTC/USD"))).toBe("http-error");
    sim.setOutage(id as SimulatedSourceId, "reset");
    expect(failureOf(await fetchOne(id, "BTC/USD"))).toBe("unreachable");
  });

  it("a hanging venue times out, and the request is really cancelled", async () => {
    sim.setOutage("okx", "hang");
    const started = Date.now();
    expect(failureOf(await fetchOne("okx", "BTC/USD", { timeoutMs: 150 }))).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.each(SOURCE_IDS.map((id) => [id]))("%s: garbage never escapes as an exception, and never as a quote", async (id) => {
    for (const mode of ["malformed-json", "html", "empty", "nan", "negative", "zero", "huge"] as const) {
      sim.clearAttacks();
      sim.inject({ kind: "garbage", venue: id as SimulatedSourceId, mode });
      const r = await fetchOne(id, "BTC/USD");
      expect(failureOf(r), `${id} ${mode}`).not.toBe("ok");
    }
  });

  it("a frozen venue's quote keeps its old timestamp and is refused as stale", async () => {
    sim.inject({ kind: "freeze", venue: "okx" });
    const served = sim.venueQuote("okx", "BTC/USD");
    const r = await fetchOne("okx", "BTC/USD", { now: () => (served?.timestampMs as number) + 10 * 60_000, maxAgeMs: 60_000 });
    expect(failureOf(r)).toBe("stale");
  });
});
