import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "./rng";
import { startSimulator, type Simulator } from "./simulator";
import { get } from "../../../test/support/simulator/client";
import { SIMULATED_SOURCE_IDS } from "./vocabulary";

/**
 * Whatever a client sends, the simulator answers like a venue would (4xx, or a venue's in-body
 * error) and keeps serving: no 500, no crash. Deterministic random requests from a seed.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 1, clock: "manual", rateLimits: "off" });
});
afterAll(() => sim.close());

const REQUESTS = 1_500;
const PIECES = [
  "api",
  "v3",
  "ticker",
  "price",
  "0",
  "public",
  "Ticker",
  "products",
  "BTC-USD",
  "btcusd",
  "tBTCUSD",
  "%",
  "%zz",
  "%E0%A4%A",
  "..",
  "",
  "v5",
  "market",
  "tickers",
  "spot",
  "latest",
  "q",
  "l",
  "%F0%9F%92%A5",
  "a".repeat(300),
];
const KEYS = [
  "symbol",
  "symbols",
  "pair",
  "instId",
  "instType",
  "category",
  "currency_pair",
  "instrument_name",
  "ids",
  "vs_currencies",
  "fsym",
  "fsyms",
  "tsyms",
  "from",
  "to",
  "latitude",
  "longitude",
  "current",
  "s",
  "f",
  "h",
];
const VALUES = [
  "BTCUSDT",
  "XBTUSD,ETHUSD",
  '["BTCUSDT"',
  '["BTCUSDT","ETHUSDT"]',
  "spot",
  "SPOT",
  "bitcoin,nope",
  "usd,",
  "BTC",
  "USD",
  "EUR",
  "91",
  "-200",
  "NaN",
  "temperature_2m,nope",
  "aapl.us",
  "sd2t2",
  "%",
  "",
  ",,,",
  "x".repeat(500),
  "1e309",
];

function randomPath(rng: Rng): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
  const segs = Array.from({ length: 1 + Math.floor(rng.next() * 5) }, () => pick(PIECES));
  const query = Array.from({ length: Math.floor(rng.next() * 4) }, () => `${pick(KEYS)}=${encodeURIComponent(pick(VALUES))}`).join("&");
  return `/${pick(SIMULATED_SOURCE_IDS)}/${segs.join("/")}${query ? `?${query}` : ""}`;
}

function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: sim.port, path, method: "GET" }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("fuzzed requests", () => {
  it(`${REQUESTS} random paths and queries across every API: no 500, server still serves`, async () => {
    const rng = new Rng(12345);
    const statuses = new Map<number, number>();
    for (let done = 0; done < REQUESTS; done += 50) {
      const batch = Array.from({ length: 50 }, () => rawGet(randomPath(rng)));
      for (const s of await Promise.all(batch)) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    expect(statuses.get(500) ?? 0, JSON.stringify([...statuses])).toBe(0);
    expect([...statuses.keys()].every((s) => s >= 200 && s < 500)).toBe(true);
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSDT")).status).toBe(200);
  });

  it("methods other than GET get 405; a broken percent-escape in a symbol is an unknown symbol", async () => {
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSDT", { method: "POST", body: "x" })).status).toBe(405);
    expect(await rawGet("/coinbase/products/%E0%A4%A/ticker")).toBe(404);
  });
});
