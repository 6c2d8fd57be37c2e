import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { Wallet } from "ethers";
import { createApiServer } from "../../oracle-node/src/api/server";
import { MAX_FEEDS_PARAM_CHARS, type ReportChain } from "../../oracle-node/src/api/reports";
import { MAX_REPORTS_PER_SECOND, PullReportStore } from "../../oracle-node/src/pull/report-store";
import { encodeReport, expectedConfidence, signReportBy, type Report } from "../../oracle-node/src/protocol/report";
import { buildState } from "./fixtures/node-state";

const DIGEST = "0x" + "ab".repeat(32);
const AGG = "0x" + "11".repeat(20);
const KEYS = [0, 1].map((i) => ({ signerIndex: i, key: new Wallet("0x" + String(i + 1).padStart(64, "0")) }));
const FEEDS = [
  { id: "BTC/USD", feedIndex: 0, decimals: 8, pull: true, heartbeatSec: 3600, maxReportAgeSec: 60 },
  { id: "ETH/USD", feedIndex: 1, decimals: 8, pull: true, heartbeatSec: 3600, maxReportAgeSec: 60 },
  { id: "SOL/USD", feedIndex: 2, decimals: 8, pull: false, heartbeatSec: 3600 },
];

/** A report of `feeds` (indexes) stamped `ts`, observed by two oracles at `price` and `price + 2`. */
function reportAt(round: number, ts: number, feeds: number[], price = 100n): Report {
  return {
    configDigest: DIGEST,
    epoch: 1,
    round,
    observationsTimestamp: ts,
    feeds: feeds.map((feedIndex) => ({ feedIndex, observers: [0, 1], observations: [price, price + 2n] })),
  };
}

let clockMs = 1_800_000_000_000;
const now = () => clockMs;

function storeWith(history: number, reports: Report[], chainId = 31337): PullReportStore {
  const store = new PullReportStore({ historySeconds: history, feeds: new Map(FEEDS.map((f) => [f.feedIndex, f])), now });
  for (const r of reports) {
    const enc = encodeReport(r);
    store.add(r, enc, signReportBy(enc, { chainId: BigInt(chainId), verifyingContract: AGG }, KEYS));
  }
  return store;
}

function chain(name: string, chainId: number, store: PullReportStore): ReportChain {
  return { name, chainId, aggregator: AGG, store, feeds: FEEDS };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  clockMs = 1_800_000_000_000;
});

function serve(chains: ReportChain[]): FastifyInstance {
  app = createApiServer({ state: () => buildState(), reports: { chains, now } });
  return app;
}

const T = clockMs / 1000;
const CONF = expectedConfidence([100n, 102n]).toString();

describe("GET /v1/reports", () => {
  it("serves the newest report carrying every asked feed, with bytes, signatures, decoded answers and age", async () => {
    const store = storeWith(300, [reportAt(1, T - 3, [0, 1]), reportAt(2, T - 2, [0])]);
    const a = serve([chain("", 31337, store)]);
    const both = await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD,ETH/USD" });
    expect(both.statusCode).toBe(200);
    const body = both.json<{ report: string; signatures: string; feeds: unknown[] }>();
    expect(body).toMatchObject({ chain: { chainId: 31337, aggregator: AGG }, round: 1, observationsTimestamp: T - 3, ageMs: 3000 });
    expect(body.report).toBe(encodeReport(reportAt(1, T - 3, [0, 1])));
    expect(body.signatures).toMatch(/^0x[0-9a-f]{260}$/);
    expect(body.feeds).toEqual([
      { feedIndex: 0, id: "BTC/USD", decimals: 8, answer: "101", confidence: CONF },
      { feedIndex: 1, id: "ETH/USD", decimals: 8, answer: "101", confidence: CONF },
    ]);
    const one = await a.inject({ url: "/v1/reports/latest?feeds=0" });
    expect(one.json()).toMatchObject({ round: 2, ageMs: 2000 });
    expect(one.headers["cache-control"]).toBe("no-store");
  });

  it("refuses a report past the feeds' maximum age at latest, but serves it from the history by at", async () => {
    const store = storeWith(300, [reportAt(1, T - 120, [0]), reportAt(2, T - 61, [0])]);
    const a = serve([chain("", 31337, store)]);
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD" })).statusCode).toBe(404);
    const past = await a.inject({ url: `/v1/reports?feeds=BTC/USD&at=${T - 100}` });
    expect(past.statusCode).toBe(200);
    expect(past.json()).toMatchObject({ round: 1, observationsTimestamp: T - 120, ageMs: 120_000 });
    expect((await a.inject({ url: `/v1/reports?feeds=BTC/USD&at=${T - 60}` })).json()).toMatchObject({ round: 2 });
    expect((await a.inject({ url: `/v1/reports?feeds=BTC/USD&at=${T - 121}` })).statusCode).toBe(404);
  });

  it("keeps memory bounded: reports older than the history and beyond the count cap are dropped", () => {
    const history = 5;
    const many: Report[] = [];
    for (let k = 0; k < 4 * history * MAX_REPORTS_PER_SECOND; k++) many.push({ ...reportAt(k % 256, T - 5, [0]), epoch: 1 + k });
    const store = storeWith(history, many);
    expect(store.size).toBe(history * MAX_REPORTS_PER_SECOND);
    clockMs += 20_000;
    expect(store.size).toBe(0);
  });

  it("names the chain by name or chain id, defaults to the first, and keeps chains apart", async () => {
    const first = storeWith(300, [reportAt(1, T - 1, [0])], 31337);
    const second = storeWith(300, [reportAt(7, T - 1, [0])], 31338);
    const a = serve([chain("", 31337, first), chain("second", 31338, second)]);
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD" })).json()).toMatchObject({ round: 1, chain: { chainId: 31337 } });
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD&chain=31337" })).json()).toMatchObject({ round: 1 });
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD&chain=second" })).json()).toMatchObject({
      round: 7,
      chain: { name: "second", chainId: 31338 },
    });
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD&chain=31338" })).json()).toMatchObject({ round: 7 });
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD&chain=third" })).statusCode).toBe(404);
    expect((await a.inject({ url: "/v1/reports/latest?feeds=BTC/USD&chain=" })).statusCode).toBe(400);
  });

  it("answers hostile queries with 400/404, never a crash", async () => {
    const a = serve([chain("", 31337, storeWith(300, [reportAt(1, T - 1, [0])]))]);
    const cases: Array<[string, number]> = [
      ["/v1/reports/latest", 400],
      ["/v1/reports/latest?feeds=", 400],
      ["/v1/reports/latest?feeds=BTC/USD&feeds=ETH/USD", 400],
      [`/v1/reports/latest?feeds=${"A".repeat(MAX_FEEDS_PARAM_CHARS + 1)}`, 400],
      [`/v1/reports/latest?feeds=${Array.from({ length: 33 }, () => "0").join(",")}`, 400],
      ["/v1/reports/latest?feeds=DOGE/USD", 404],
      ["/v1/reports/latest?feeds=SOL/USD", 404],
      ["/v1/reports/latest?feeds=9999", 404],
      ["/v1/reports/latest?feeds=BTC/USD,", 404],
      ["/v1/reports/latest?feeds=%00%ff", 404],
      ["/v1/reports/latest?feeds=BTC/USD&chain=../../etc", 400],
      ["/v1/reports/latest?feeds=BTC/USD&chain=1&chain=2", 400],
      ["/v1/reports?feeds=BTC/USD", 400],
      ["/v1/reports?feeds=BTC/USD&at=-1", 400],
      ["/v1/reports?feeds=BTC/USD&at=1e9", 400],
      ["/v1/reports?feeds=BTC/USD&at=99999999999", 400],
      [`/v1/reports?feeds=BTC/USD&at=${T + 3600}`, 400],
      ["/v1/reports?feeds=BTC/USD&at=0", 404],
    ];
    for (const [url, status] of cases) {
      const res = await a.inject({ url });
      expect({ url, status: res.statusCode }).toEqual({ url, status });
      expect(typeof res.json<{ error: unknown }>().error).toBe("string");
    }
  });
});
