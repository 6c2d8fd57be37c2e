import { describe, expect, it } from "vitest";
import { PriceModel } from "./price-model";
import { CRYPTO_VENUE_IDS } from "./vocabulary";

describe("price model", () => {
  it("is deterministic per seed, whatever order prices are asked in", () => {
    const a = new PriceModel({ seed: 9 });
    const b = new PriceModel({ seed: 9 });
    // a reads ETH first and step by step; b jumps straight to step 500 and reads BTC first.
    for (let s = 0; s <= 500; s += 50) a.venueQuote("kraken", "ETH", "USD", s, 0);
    const qa = a.venueQuote("kraken", "BTC", "USD", 500, 0);
    const qb = b.venueQuote("kraken", "BTC", "USD", 500, 0);
    expect(qb).toEqual(qa);
    expect(b.venueQuote("kraken", "ETH", "USD", 500, 0)).toEqual(a.venueQuote("kraken", "ETH", "USD", 500, 0));
  });

  it("different seeds give different markets", () => {
    expect(new PriceModel({ seed: 1 }).fair("BTC", "USD", 1000)).not.toBe(new PriceModel({ seed: 2 }).fair("BTC", "USD", 1000));
  });

  it("walks with the asset's volatility (GBM): one day of 1 s steps moves BTC by a few percent", () => {
    const moves: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const m = new PriceModel({ seed });
      moves.push(Math.log(m.fair("BTC", "USD", 86_400) / m.startFair("BTC", "USD")));
    }
    const sd = Math.sqrt(moves.reduce((s, x) => s + x * x, 0) / moves.length);
    // 60 % annual volatility -> 3.1 % daily; 20 samples put the estimate well inside [1.5, 5] %.
    expect(sd).toBeGreaterThan(0.015);
    expect(sd).toBeLessThan(0.05);
  });

  it("volatilityScale 0 freezes fair prices", () => {
    const m = new PriceModel({ seed: 3, volatilityScale: 0 });
    expect(m.fair("ETH", "USD", 10_000)).toBe(m.startFair("ETH", "USD"));
  });

  it("every venue quotes close to fair with bid <= price <= ask and a positive volume", () => {
    const m = new PriceModel({ seed: 4 });
    for (let step = 0; step < 300; step += 7) {
      const fair = m.fair("BTC", "USD", step);
      for (const v of CRYPTO_VENUE_IDS) {
        const q = m.venueQuote(v, "BTC", "USD", step, 0);
        expect(Math.abs(Number(q.price) / fair - 1), v).toBeLessThan(0.003);
        expect(Number(q.bid)).toBeLessThanOrEqual(Number(q.price));
        expect(Number(q.ask)).toBeGreaterThanOrEqual(Number(q.price));
        if (v !== "coinbase-spot") expect(Number(q.volume), v).toBeGreaterThan(0);
      }
    }
  });

  it("quotes a pair with a fixed number of decimals: about seven significant digits", () => {
    const m = new PriceModel({ seed: 5 });
    expect(m.venueQuote("okx", "BTC", "USDT", 10, 0).price).toMatch(/^\d{5}\.\d{2}$/);
    expect(m.venueQuote("okx", "XRP", "USDT", 10, 0).price).toMatch(/^0\.\d{7}$/);
    expect(m.venueQuote("kraken", "EUR", "USD", 10, 0).price).toMatch(/^1\.\d{6}$/);
  });

  it("cross pairs are consistent: ETH/BTC = ETH/USD / BTC/USD", () => {
    const m = new PriceModel({ seed: 6 });
    expect(m.fair("ETH", "BTC", 100)).toBeCloseTo(m.fair("ETH", "USD", 100) / m.fair("BTC", "USD", 100), 12);
  });

  it("weather stays physical: humidity in [0, 100], temperature colder towards the poles", () => {
    const m = new PriceModel({ seed: 8 });
    for (let s = 0; s < 2_000; s += 100) {
      const h = m.weather("relative_humidity_2m", 52.5, 13.4, s);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThanOrEqual(100);
    }
    expect(m.weather("temperature_2m", 78, 15, 0)).toBeLessThan(m.weather("temperature_2m", 0, 15, 0));
  });

  it("refuses to go back in time", () => {
    const m = new PriceModel({ seed: 1 });
    m.fair("BTC", "USD", 10);
    expect(() => m.fair("BTC", "USD", 5)).toThrow(/back in time/);
  });
});

describe("simulator clock", () => {
  it("counts steps on a monotonic clock: a wall clock set back does not move the market back", async () => {
    const { SimClock } = await import("./clock");
    let wall = 1_000_000;
    let mono = 0;
    const clock = new SimClock(
      1000,
      "wall",
      () => wall,
      () => mono,
    );
    mono = 5_500;
    wall += 5_500;
    expect(clock.step()).toBe(5);
    wall -= 60_000; // NTP steps the wall clock back a minute
    mono = 6_100;
    expect(clock.step()).toBe(6);
    expect(clock.stepTime(6)).toBe(1_006_000);
  });
});
