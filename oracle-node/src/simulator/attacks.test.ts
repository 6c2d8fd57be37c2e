import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./simulator";
import { get } from "../../../test/support/simulator/client";

/** Injected attacks change what the attacked venue serves and nothing else. */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 21, clock: "manual", rateLimits: "off" });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.clearAttacks();
});

const price = (venue: Parameters<Simulator["venueQuote"]>[0], pair = "BTC/USD"): number => Number(sim.venueQuote(venue, pair)?.price);
const spreadBps = (venue: Parameters<Simulator["venueQuote"]>[0]): number => {
  const q = sim.venueQuote(venue, "BTC/USD");
  return ((Number(q?.ask) - Number(q?.bid)) / Number(q?.price)) * 10_000;
};

describe("attacks", () => {
  it("spike: one venue trades +30 %, the others and the fair price do not move", async () => {
    const before = { kraken: price("kraken"), okx: price("okx"), fair: sim.fairPrice("BTC/USD") };
    sim.inject({ kind: "spike", venue: "kraken", pair: "BTC/USD", pct: 30 });
    expect(price("kraken") / before.kraken).toBeCloseTo(1.3, 6);
    expect(price("okx")).toBe(before.okx);
    expect(sim.fairPrice("BTC/USD")).toBe(before.fair);
    // What the HTTP API serves is the attacked price.
    const a = (await get(sim, "/kraken/0/public/Ticker?pair=XBTUSD")).json as { result: { XXBTZUSD: { c: string[] } } };
    expect(Number(a.result.XXBTZUSD.c[0])).toBeCloseTo(price("kraken"), 2);
  });

  it("spike on one pair leaves the venue's other pairs alone", () => {
    const eth = price("kraken", "ETH/USD");
    sim.inject({ kind: "spike", venue: "kraken", pair: "BTC/USD", pct: 30 });
    expect(price("kraken", "ETH/USD")).toBe(eth);
  });

  it("an attack on BTC/USD also hits the venue's BTC/USDT book (USD-pegged quotes are one market)", async () => {
    const before = price("binance", "BTC/USDT");
    sim.inject({ kind: "spike", venue: "binance", pair: "BTC/USD", pct: 10 });
    const a = (await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSDT")).json as { price: string };
    expect(Number(a.price) / before).toBeCloseTo(1.1, 6);
  });

  it("flash crash: -87 % with an almost empty book (spread x20, volume x0.05)", () => {
    const before = sim.venueQuote("binance", "BTC/USD");
    const spread = spreadBps("binance");
    sim.inject({ kind: "flash-crash", venue: "binance", pct: 87 });
    const after = sim.venueQuote("binance", "BTC/USD");
    expect(Number(after?.price) / Number(before?.price)).toBeCloseTo(0.13, 6);
    expect(spreadBps("binance")).toBeGreaterThan(spread * 15);
    expect(Number(after?.volume) / Number(before?.volume)).toBeCloseTo(0.05, 3);
  });

  it("freeze: the venue keeps serving its last quote and timestamp while the market moves", async () => {
    const frozen = sim.venueQuote("bitstamp", "BTC/USD");
    sim.inject({ kind: "freeze", venue: "bitstamp" });
    await new Promise((r) => setTimeout(r, 5));
    sim.advance(600);
    expect(sim.venueQuote("bitstamp", "BTC/USD")).toEqual(frozen);
    expect(sim.venueQuote("okx", "BTC/USD")?.timestampMs).toBeGreaterThan(frozen?.timestampMs as number);
    const a = (await get(sim, "/bitstamp/api/v2/ticker/btcusd/")).json as { last: string; timestamp: string };
    expect(a.last).toBe(frozen?.price);
    expect(Number(a.timestamp)).toBe(Math.floor((frozen?.timestampMs as number) / 1000));
    sim.clearAttacks({ venue: "bitstamp" });
    expect(sim.venueQuote("bitstamp", "BTC/USD")?.timestampMs).toBeGreaterThan(frozen?.timestampMs as number);
  });

  it("drift: the venue walks away from the market, compounding per minute", async () => {
    const start = price("gemini");
    sim.inject({ kind: "drift", venue: "gemini", pctPerMinute: 600 });
    await new Promise((r) => setTimeout(r, 200));
    const drifted = price("gemini") / start;
    // 600 %/min compounding over >= 0.2 s: at least (7)^(0.2/60) - 1 = 0.65 %.
    expect(drifted).toBeGreaterThan(1.0064);
  });

  it("unit error: x100 and x1e-8 keep enough digits to stay non-zero", () => {
    const start = price("okx");
    const id = sim.inject({ kind: "unit-error", venue: "okx", factor: 100 });
    expect(price("okx") / start).toBeCloseTo(100, 6);
    sim.clearAttacks({ id });
    sim.inject({ kind: "unit-error", venue: "okx", factor: 1e-8 });
    expect(price("okx")).toBeGreaterThan(0);
    expect(price("okx") / start).toBeCloseTo(1e-8, 12);
  });

  it("pump: several thin venues +40 % together, with wide spreads and wash-traded volume", () => {
    const venues = ["gateio", "htx", "cryptocom"] as const;
    const before = venues.map((v) => sim.venueQuote(v, "SOL/USD"));
    const spreads = venues.map((v) => sim.venueQuote(v, "SOL/USD")).map((q) => Number(q?.ask) - Number(q?.bid));
    sim.inject({ kind: "pump", venues: [...venues], pair: "SOL/USD", pct: 40 });
    venues.forEach((v, i) => {
      const q = sim.venueQuote(v, "SOL/USD");
      expect(Number(q?.price) / Number(before[i]?.price)).toBeCloseTo(1.4, 5);
      expect(Number(q?.ask) - Number(q?.bid)).toBeGreaterThan(spreads[i] * 5);
      expect(Number(q?.volume) / Number(before[i]?.volume)).toBeCloseTo(4, 3);
    });
    expect(price("binance", "SOL/USD")).toBe(Number(sim.venueQuote("binance", "SOL/USD")?.price));
  });

  it("garbage values: NaN, negative, zero and absurd magnitudes on the wire", async () => {
    sim.inject({ kind: "garbage", venue: "okx", mode: "nan" });
    expect(((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).json as { data: Array<{ last: string }> }).data[0].last).toBe("NaN");
    sim.clearAttacks();
    sim.inject({ kind: "garbage", venue: "htx", mode: "negative" });
    expect(((await get(sim, "/htx/market/detail/merged?symbol=btcusdt")).json as { tick: { close: number } }).tick.close).toBeLessThan(0);
    sim.clearAttacks();
    sim.inject({ kind: "garbage", venue: "bitfinex", mode: "huge" });
    expect(((await get(sim, "/bitfinex/v2/ticker/tBTCUSD")).json as number[])[6]).toBeGreaterThan(1e20);
    sim.clearAttacks();
    sim.inject({ kind: "garbage", venue: "coinbase", mode: "zero" });
    expect(((await get(sim, "/coinbase/products/BTC-USD/ticker")).json as { price: string }).price).toBe("0");
  });

  it("garbage structure: truncated JSON, an HTML page in a 200, an empty body", async () => {
    sim.inject({ kind: "garbage", venue: "kraken", mode: "malformed-json" });
    const broken = await get(sim, "/kraken/0/public/Ticker?pair=XBTUSD");
    expect(broken.status).toBe(200);
    expect(broken.json).toBeUndefined();
    expect(broken.text.startsWith("{")).toBe(true);
    sim.clearAttacks();
    sim.inject({ kind: "garbage", venue: "gemini", mode: "html" });
    const html = await get(sim, "/gemini/v1/pubticker/btcusd");
    expect([html.status, html.headers.get("content-type")]).toEqual([200, "text/html; charset=UTF-8"]);
    sim.clearAttacks();
    sim.inject({ kind: "garbage", venue: "bybit", mode: "empty" });
    expect((await get(sim, "/bybit/v5/market/tickers?category=spot&symbol=BTCUSDT")).text).toBe("");
  });

  it("an attack with durationMs ends by itself", async () => {
    const start = price("kucoin");
    sim.inject({ kind: "spike", venue: "kucoin", pct: 50, durationMs: 50 });
    expect(price("kucoin") / start).toBeCloseTo(1.5, 6);
    await new Promise((r) => setTimeout(r, 80));
    expect(price("kucoin")).toBe(start);
    expect(sim.attacks()).toHaveLength(0);
  });

  it("rejects an invalid attack with the field and the reason", () => {
    expect(() => sim.inject({ kind: "spike", venue: "nope" as "binance", pct: 5 })).toThrow(/venue/);
    expect(() => sim.inject({ kind: "unit-error", venue: "okx", factor: -1 })).toThrow(/factor/);
    expect(() => sim.inject({ kind: "spike", venue: "okx", pct: 5, pair: "NOPE/USD" })).toThrow(/no asset NOPE/);
  });

  it("a market-wide move (shiftMarket) moves the fair price and every venue: not an attack", () => {
    const fair = Number(sim.fairPrice("ETH/USD"));
    const okx = price("okx", "ETH/USD");
    sim.shiftMarket("ETH", 0.5);
    expect(Number(sim.fairPrice("ETH/USD")) / fair).toBeCloseTo(0.5, 4);
    expect(price("okx", "ETH/USD") / okx).toBeCloseTo(0.5, 3);
    sim.shiftMarket("ETH", 2);
  });

  it("weather: a spike on Open-Meteo moves the served temperature", async () => {
    const t = Number(sim.weather("temperature_2m", 52.52, 13.41));
    sim.inject({ kind: "unit-error", venue: "open-meteo", factor: 10 });
    const a = (await get(sim, "/open-meteo/v1/forecast?latitude=52.52&longitude=13.41&current=temperature_2m")).json as { current: { temperature_2m: number } };
    expect(a.current.temperature_2m).toBeCloseTo(t * 10, 6);
  });
});
