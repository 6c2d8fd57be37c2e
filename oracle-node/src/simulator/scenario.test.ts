import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseScenario } from "./scenario";
import { startSimulator, type Simulator } from "./simulator";
import { get } from "../../../test/support/simulator/client";

const HEADER = "timestamp,source,price,bid,ask,volume,label";
const FILE = [
  HEADER,
  "1700000000,binance,100.10,100.09,100.11,5000.5,0",
  "1700000000,kraken,100.20,100.18,100.22,900.1,0",
  "1700000000,coingecko,100.15,,,,0",
  "1700000010,binance,101.00,100.99,101.01,5001.5,0",
  "1700000010,kraken,130.00,129.00,131.00,12.0,1",
  "1700000020,kraken,100.40,100.38,100.42,901.0,0",
].join("\n");

function writeScenario(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sim-scenario-"));
  const path = join(dir, "test.quotes.csv");
  writeFileSync(path, text);
  return path;
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("scenario files", () => {
  it("groups rows into rounds and finds the round interval", () => {
    const s = parseScenario(FILE);
    expect(s.rounds.map((r) => r.timestamp)).toEqual([1700000000, 1700000010, 1700000020]);
    expect(s.sources).toEqual(["binance", "coingecko", "kraken"]);
    expect(s.intervalMs).toBe(10_000);
    expect(s.rounds[0].rows.get("coingecko")).toEqual({ price: "100.15", bid: undefined, ask: undefined, volume: undefined });
  });

  it("names the line of a broken file", () => {
    expect(() => parseScenario("time,source\n")).toThrow(/header must be/);
    expect(() => parseScenario(`${HEADER}\n1700000010,kraken,1,,,,0\n1700000000,kraken,1,,,,0`)).toThrow(/:3: rows not sorted/);
    expect(() => parseScenario(`${HEADER}\nabc,kraken,1,,,,0`)).toThrow(/:2: timestamp/);
    expect(() => parseScenario(`${HEADER}\n1700000000,kraken,1,,`)).toThrow(/:2: expected 7 columns/);
  });

  it("replays round by round: each venue serves its row in its own format; absent rows answer 503", async () => {
    sim = await startSimulator({ scenario: writeScenario(FILE), scenarioPair: "SOL/USD", clock: "manual", rateLimits: "off" });
    expect(((await get(sim, "/binance/api/v3/ticker/price?symbol=SOLUSDT")).json as { price: string }).price).toBe("100.10000000");
    const kraken = (await get(sim, "/kraken/0/public/Ticker?pair=SOLUSD")).json as { result: { SOLUSD: { c: string[]; b: string[]; v: string[] } } };
    expect(kraken.result.SOLUSD.c[0]).toBe("100.20000");
    expect(kraken.result.SOLUSD.b[0]).toBe("100.18000");
    expect(((await get(sim, "/coingecko/api/v3/simple/price?ids=solana&vs_currencies=usd")).json as { solana: { usd: number } }).solana.usd).toBe(100.15);
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=SOL-USDT")).status).toBe(503);
    expect(sim.fairPrice("SOL/USD")).toBe("100.15");

    sim.advance();
    expect(((await get(sim, "/kraken/0/public/Ticker?pair=SOLUSD")).json as { result: { SOLUSD: { c: string[] } } }).result.SOLUSD.c[0]).toBe("130.00000");
    expect((await get(sim, "/coingecko/api/v3/simple/price?ids=solana&vs_currencies=usd")).status).toBe(503);
    sim.advance();
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=SOLUSDT")).status).toBe(503);
    // Kraken reports an outage inside HTTP 200, as it does for every error.
    sim.advance();
    expect(sim.step()).toBe(2);
    expect(((await get(sim, "/kraken/0/public/Ticker?pair=SOLUSD")).json as { result: { SOLUSD: { c: string[] } } }).result.SOLUSD.c[0]).toBe("100.40000");
  });

  it("an absent Kraken row is Kraken's in-body EService:Unavailable", async () => {
    sim = await startSimulator({ scenario: writeScenario(FILE), scenarioPair: "SOL/USD", clock: "manual", rateLimits: "off" });
    sim.advance(2);
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=SOLUSDT")).status).toBe(503);
    sim.advance(0);
    const s2 = await startSimulator({
      scenario: writeScenario(
        FILE.split("\n")
          .filter((l) => !l.includes("kraken"))
          .join("\n"),
      ),
      scenarioPair: "SOL/USD",
      clock: "manual",
      rateLimits: "off",
    });
    try {
      expect((await get(s2, "/kraken/0/public/Ticker?pair=SOLUSD")).json).toEqual({ error: ["EService:Unavailable"] });
    } finally {
      await s2.close();
    }
  });

  it("other pairs keep coming from the price model", async () => {
    sim = await startSimulator({ scenario: writeScenario(FILE), scenarioPair: "SOL/USD", clock: "manual", rateLimits: "off" });
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).status).toBe(200);
  });

  it("loops after the last round when asked to", async () => {
    sim = await startSimulator({ scenario: writeScenario(FILE), scenarioPair: "SOL/USD", clock: "manual", loop: true, rateLimits: "off" });
    sim.advance(3);
    expect(sim.step()).toBe(0);
  });

  it("advances on the wall clock at the configured speed", async () => {
    // 10 s rounds at speed 200: a new round every 50 ms.
    sim = await startSimulator({ scenario: writeScenario(FILE), scenarioPair: "SOL/USD", speed: 200, rateLimits: "off" });
    expect(sim.step()).toBe(0);
    await new Promise((r) => setTimeout(r, 130));
    expect(sim.step()).toBe(2);
  });

  it("takes the fair price from the sibling .truth.csv when there is one", async () => {
    const quotes = writeScenario(FILE);
    writeFileSync(quotes.replace(/\.quotes\.csv$/, ".truth.csv"), "timestamp,true_price\n1700000000,100.12\n1700000010,100.90\n1700000020,100.41\n");
    sim = await startSimulator({ scenario: quotes, scenarioPair: "DAI/USD", clock: "manual", rateLimits: "off" });
    expect(sim.fairPrice("DAI/USD")).toBe("100.12");
    sim.advance();
    expect(sim.fairPrice("DAI/USD")).toBe("100.90");
    // A stablecoin base is served on the venues' USDT books too.
    const a = (await get(sim, "/binance/api/v3/ticker/price?symbol=DAIUSDT")).json as { price: string };
    expect(a.price).toBe("101.00000000");
  });

  it("refuses a scenario pair with an asset the simulator does not know", async () => {
    await expect(startSimulator({ scenario: writeScenario(FILE), scenarioPair: "NOPE/USD" })).rejects.toThrow(/no asset NOPE/);
  });
});
