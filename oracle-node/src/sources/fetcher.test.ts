import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceError } from "../quotes/quote";
import { SourceFetcher } from "./fetcher";
import { getAdapter } from "./registry";
import { startFixtureServer, type FixtureServer } from "../../../test/support/sources/fixture-server";
import { loadFixture } from "../../../test/support/sources/fixtures";
import type { SourceAdapter } from "./types";

let ok: FixtureServer;
let hanging: FixtureServer;
let broken: FixtureServer;
beforeAll(async () => {
  const okx = loadFixture("okx");
  ok = await startFixtureServer((_path) => ({ ...okx.ok, delayMs: 20 }));
  hanging = await startFixtureServer(() => ({ hang: true }));
  broken = await startFixtureServer(() => ({ status: 200, text: "<html>oops</html>" }));
});
afterAll(async () => {
  await Promise.all([ok.close(), hanging.close(), broken.close()]);
});

const now = () => loadFixture("okx").now;

describe("SourceFetcher", () => {
  it("one failing source never fails the round", async () => {
    const fetcher = new SourceFetcher({ rateLimits: false });
    // Long enough for the healthy answer on a loaded host; two hanging sources one after the
    // other would take twice as long.
    const timeoutMs = 1_000;
    const t0 = performance.now();
    const out = await fetcher.fetchAll(
      [
        { sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USD" }], baseUrl: ok.baseUrl },
        { sourceId: "bybit", adapter: getAdapter("bybit"), requests: [{ pair: "BTC/USD" }], baseUrl: hanging.baseUrl },
        { sourceId: "gateio", adapter: getAdapter("gateio"), requests: [{ pair: "BTC/USD" }], baseUrl: hanging.baseUrl },
        { sourceId: "kraken", adapter: getAdapter("kraken"), requests: [{ pair: "BTC/USD" }], baseUrl: broken.baseUrl },
      ],
      { timeoutMs, now, maxRetries: 0 },
    );
    expect(performance.now() - t0).toBeLessThan(1.9 * timeoutMs); // the hanging sources waited at the same time
    expect(out.get("okx")![0].ok).toBe(true);
    expect(out.get("bybit")!.map((r) => (r.ok ? "ok" : r.error.failure))).toEqual(["timeout"]);
    expect(out.get("gateio")!.map((r) => (r.ok ? "ok" : r.error.failure))).toEqual(["timeout"]);
    expect(out.get("kraken")!.map((r) => (r.ok ? "ok" : r.error.failure))).toEqual(["malformed"]);
  });

  it("contains an adapter that breaks its contract (throws, or returns the wrong count)", async () => {
    const thrower: SourceAdapter = { ...getAdapter("okx"), id: "thrower", fetch: () => Promise.reject(new Error("boom")) };
    const short: SourceAdapter = { ...getAdapter("okx"), id: "short", fetch: () => Promise.resolve([]) };
    const out = await new SourceFetcher({ rateLimits: false }).fetchAll(
      [
        { sourceId: "thrower", adapter: thrower, requests: [{ pair: "BTC/USD" }, { pair: "ETH/USD" }] },
        { sourceId: "short", adapter: short, requests: [{ pair: "BTC/USD" }] },
      ],
      { timeoutMs: 100, now },
    );
    for (const id of ["thrower", "short"]) {
      for (const r of out.get(id)!) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toBeInstanceOf(SourceError);
      }
    }
    expect(out.get("thrower")).toHaveLength(2);
  });

  it("bounds in-flight requests across sources", async () => {
    let active = 0;
    let peak = 0;
    const server = await startFixtureServer(() => {
      active += 1;
      peak = Math.max(peak, active);
      setTimeout(() => (active -= 1), 30);
      return { ...loadFixture("coinbase").ok, delayMs: 30 };
    });
    try {
      const fetcher = new SourceFetcher({ concurrency: 4, rateLimits: false });
      const pairs = ["BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "LTC", "DOT", "AVAX", "LINK"].map((b) => ({ pair: `${b}/USD` }));
      // Coinbase and Gemini have no batch or every-market endpoint: one request per pair each.
      const jobs = ["coinbase", "gemini"].map((id) => ({ sourceId: id, adapter: getAdapter(id), requests: pairs, baseUrl: server.baseUrl }));
      await fetcher.fetchAll(jobs, { timeoutMs: 2_000, now: () => loadFixture("coinbase").now });
      expect(fetcher.totalRequests()).toBe(20);
      expect(peak).toBe(4); // the bound is reached and never passed, across both sources
    } finally {
      await server.close();
    }
  });

  it("refuses a concurrency that is not a positive integer", () => {
    for (const concurrency of [0, -1, 2.5]) expect(() => new SourceFetcher({ concurrency })).toThrow(/concurrency/);
  });

  it("merges jobs of one source into one adapter call (one batch request)", async () => {
    const binance = loadFixture("binance");
    const server = await startFixtureServer(() => ({ status: 200, body: binance.batch!.body }));
    try {
      const fetcher = new SourceFetcher({ rateLimits: false });
      const out = await fetcher.fetchAll(
        [
          { sourceId: "binance", adapter: getAdapter("binance"), requests: [{ pair: "BTC/USD" }], baseUrl: server.baseUrl },
          { sourceId: "binance", adapter: getAdapter("binance"), requests: [{ pair: "ETH/USD" }], baseUrl: server.baseUrl },
        ],
        { timeoutMs: 2_000, now: () => binance.now },
      );
      expect(server.requests).toHaveLength(1);
      expect(out.get("binance")!.map((r) => (r.ok ? r.quote.pair : "x"))).toEqual(["BTC/USD", "ETH/USD"]);
    } finally {
      await server.close();
    }
  });

  it("keeps jobs of one source with different base URLs apart, results still in job order", async () => {
    const okx = loadFixture("okx");
    const other = await startFixtureServer(() => ({ status: 200, body: { code: "51001", msg: "Instrument ID does not exist", data: [] } }));
    try {
      const out = await new SourceFetcher({ rateLimits: false }).fetchAll(
        [
          { sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USD" }], baseUrl: ok.baseUrl },
          { sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USD" }], baseUrl: other.baseUrl },
          { sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USDT" }], baseUrl: ok.baseUrl },
        ],
        { timeoutMs: 2_000, now: () => okx.now },
      );
      expect(out.get("okx")!.map((r) => (r.ok ? r.quote.pair : r.error.failure))).toEqual(["BTC/USD", "unknown-symbol", "BTC/USDT"]);
      expect(other.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it("keeps each source's limiter across rounds, sized from the documented limit", async () => {
    // A stopped clock: the bucket does not refill while the test runs.
    const fetcher = new SourceFetcher({ clock: () => 0 });
    const job = { sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USD" }], baseUrl: ok.baseUrl };
    await fetcher.fetchAll([job], { timeoutMs: 1_000, now });
    await fetcher.fetchAll([job], { timeoutMs: 1_000, now });
    const limiter = fetcher.limiterFor("okx", getAdapter("okx"))!;
    expect(limiter.spec.capacity).toBe(getAdapter("okx").rateLimit.capacity);
    expect(limiter.available()).toBe(getAdapter("okx").rateLimit.capacity - 2); // one token per round, same bucket
    expect(new SourceFetcher({ rateLimits: { okx: { capacity: 1, refillPerSec: 1 } } }).limiterFor("okx", getAdapter("okx"))!.spec.capacity).toBe(1);
  });
});
