import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./simulator";
import { get } from "../../../test/support/simulator/client";

/** The /_sim control API drives a simulator running in another process (CLI, demo). */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 2, clock: "manual", rateLimits: "off" });
});
afterAll(() => sim.close());

const send = (method: string, path: string, body?: unknown) =>
  get(sim, path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

describe("control API", () => {
  it("GET /_sim lists the base URLs and the step", async () => {
    const a = (await get(sim, "/_sim")).json as { url: string; step: number; baseUrls: Record<string, string> };
    expect(a.url).toBe(sim.url);
    expect(a.baseUrls.kraken).toBe(`${sim.url}/kraken`);
    expect(Object.keys(a.baseUrls)).toHaveLength(19);
  });

  it("reads fair prices and venue quotes", async () => {
    expect((await get(sim, "/_sim/fair?pair=BTC/USD")).json).toEqual({ pair: "BTC/USD", price: sim.fairPrice("BTC/USD") });
    const q = (await get(sim, "/_sim/quote?venue=okx&pair=ETH/USD")).json as { quote: { price: string } };
    expect(q.quote.price).toBe(sim.venueQuote("okx", "ETH/USD")?.price);
    // A venue alias (Huobi is now HTX) names the same venue.
    const h = (await get(sim, "/_sim/quote?venue=huobi&pair=BTC/USDT")).json as { venue: string; quote: { price: string } };
    expect([h.venue, h.quote.price]).toEqual(["htx", sim.venueQuote("htx", "BTC/USDT")?.price]);
  });

  it("injects and clears attacks", async () => {
    const before = Number(sim.venueQuote("kraken", "BTC/USD")?.price);
    const { id } = (await send("POST", "/_sim/attacks", { kind: "spike", venue: "kraken", pct: 20 })).json as { id: number };
    expect(Number(sim.venueQuote("kraken", "BTC/USD")?.price) / before).toBeCloseTo(1.2, 6);
    expect(((await get(sim, "/_sim/attacks")).json as Array<{ id: number }>).map((a) => a.id)).toEqual([id]);
    expect((await send("DELETE", `/_sim/attacks?id=${id}`)).json).toEqual({ cleared: 1 });
    expect(Number(sim.venueQuote("kraken", "BTC/USD")?.price)).toBe(before);
  });

  it("sets outages and latency, advances a manual clock, shifts the market", async () => {
    await send("POST", "/_sim/outage", { venue: "gemini", kind: "5xx" });
    expect((await get(sim, "/gemini/v1/pubticker/btcusd")).status).toBe(503);
    await send("POST", "/_sim/outage", { venue: "gemini", kind: "none" });
    expect((await get(sim, "/gemini/v1/pubticker/btcusd")).status).toBe(200);
    expect((await send("POST", "/_sim/latency", { venue: "gemini", ms: 0 })).status).toBe(200);
    const step = sim.step();
    expect((await send("POST", "/_sim/advance", { steps: 3 })).json).toEqual({ step: step + 3 });
    const fair = Number(sim.fairPrice("SOL/USD"));
    await send("POST", "/_sim/shift", { asset: "SOL", factor: 0.8 });
    expect(Number(sim.fairPrice("SOL/USD")) / fair).toBeCloseTo(0.8, 4);
  });

  it("rejects bad control requests with 400 and the reason, and keeps serving", async () => {
    const bad = await send("POST", "/_sim/attacks", { kind: "spike", venue: "kraken" });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/pct/);
    expect((await send("POST", "/_sim/outage", { venue: "nope", kind: "5xx" })).status).toBe(400);
    const notJson = await get(sim, "/_sim/attacks", { method: "POST", body: "{nope" });
    expect([notJson.status, (notJson.json as { error: string }).error]).toEqual([400, "body is not JSON"]);
    expect((await get(sim, "/_sim/fair?pair=NOPE/USD")).status).toBe(400);
    expect((await get(sim, "/_sim/nope")).status).toBe(404);
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).status).toBe(200);
  });
});
