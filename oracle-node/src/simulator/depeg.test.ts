import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./simulator";
import { get } from "../../../test/support/simulator/client";

/**
 * A stablecoin depeg: USDT trades at 0.95 for a window of model steps. Books quoted in USDT track
 * fair / 0.95, the venues' USDT/USD books quote 0.95, the USD fair prices do not move, and the peg
 * comes back when the window ends. Manual clock: the test moves time.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 3, clock: "manual", rateLimits: "off", model: { volatilityScale: 0 } });
});
afterAll(() => sim.close());

const num = (s: string | undefined): number => Number(s);

describe("simulator: stablecoin depeg", () => {
  it("lists USDT/USD and USDC/USD books where the venues list USD (Kraken, Coinbase, Bitstamp) and none on Binance", async () => {
    for (const v of ["kraken", "coinbase", "bitstamp", "bitfinex", "gemini"] as const) {
      expect(num(sim.venueQuote(v, "USDT/USD")?.price)).toBeCloseTo(1, 2);
    }
    for (const v of ["kraken", "coinbase", "bitstamp"] as const) expect(num(sim.venueQuote(v, "USDC/USD")?.price)).toBeCloseTo(1, 2);
    // binance.com lists no USD book at all: USDTUSD is an unknown symbol there.
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=USDTUSD")).status).toBe(400);
    expect((await get(sim, "/kraken/0/public/Ticker?pair=USDTUSD")).status).toBe(200);
  });

  it("USDT at 0.95 for 600 steps: USDT books quote fair / 0.95, USDT/USD 0.95, USD books and USDC unchanged; then the peg returns", async () => {
    const fairBefore = num(sim.fairPrice("BTC/USD"));
    const res = await get(sim, "/_sim/depeg", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ asset: "USDT", usd: 0.95, steps: 600 }),
    });
    expect(res.status).toBe(200);
    sim.advance(1);
    expect(num(sim.fairPrice("BTC/USD"))).toBeCloseTo(fairBefore, 6);
    expect(num(sim.fairPrice("BTC/USDT"))).toBeCloseTo(fairBefore / 0.95, 2);
    expect(num(sim.fairPrice("USDT/USD"))).toBeCloseTo(0.95, 6);
    expect(num(sim.venueQuote("binance", "BTC/USDT")?.price) / fairBefore).toBeCloseTo(1 / 0.95, 3);
    expect(num(sim.venueQuote("kraken", "USDT/USD")?.price)).toBeCloseTo(0.95, 3);
    expect(num(sim.venueQuote("kraken", "USDC/USD")?.price)).toBeCloseTo(1, 3);
    expect(num(sim.venueQuote("kraken", "BTC/USD")?.price) / fairBefore).toBeCloseTo(1, 3);
    sim.advance(598);
    expect(num(sim.fairPrice("USDT/USD"))).toBeCloseTo(0.95, 6);
    sim.advance(1);
    expect(num(sim.fairPrice("USDT/USD"))).toBeCloseTo(1, 6);
    expect(num(sim.venueQuote("binance", "BTC/USDT")?.price) / fairBefore).toBeCloseTo(1, 3);
  });

  it("a ramped depeg walks to the price and back linearly", () => {
    sim.depeg("USDC", 0.9, 10, 4);
    const seen: number[] = [];
    for (let i = 0; i < 16; i++) {
      sim.advance(1);
      seen.push(Math.round(num(sim.fairPrice("USDC/USD")) * 1000) / 1000);
    }
    // Depeg from step s (read from s+1): s..s+3 ramp down, hold to s+9, s+10..s+13 ramp back, then the peg.
    expect(seen).toEqual([0.95, 0.925, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.925, 0.95, 0.975, 1, 1, 1, 1]);
  });

  it("refuses a depeg of a non-stablecoin or a non-positive price with 400 and the reason", async () => {
    const post = (body: unknown) => get(sim, "/_sim/depeg", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const btc = await post({ asset: "BTC", usd: 0.95, steps: 10 });
    expect([btc.status, (btc.json as { error: string }).error]).toEqual([400, expect.stringMatching(/needs a stablecoin/)]);
    expect((await post({ asset: "USDT", usd: 0, steps: 10 })).status).toBe(400);
    expect((await post({ asset: "USDT", usd: 0.9, steps: 0 })).status).toBe(400);
  });
});
