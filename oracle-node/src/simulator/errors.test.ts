import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BAN_AFTER_REJECTIONS } from "./rate-limit";
import { startSimulator, type Simulator } from "./simulator";
import { get, type Answer } from "../../../test/support/simulator/client";
import { VENUE_PROFILES } from "./venue-profiles";
import { CRYPTO_VENUE_IDS, DATA_API_IDS, type SimulatedSourceId } from "./vocabulary";

/**
 * Error answers in each venue's documented shape: unknown symbols (often inside HTTP 200),
 * rate limits (429/418 with Retry-After, or the venue's in-body code), and outages.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5, clock: "manual" });
});
afterAll(() => sim.close());
afterEach(() => {
  for (const id of [...CRYPTO_VENUE_IDS, ...DATA_API_IDS]) {
    sim.setOutage(id, "none");
    sim.setLatency(id, 0);
    sim.setRateLimit(id, VENUE_PROFILES[id].rateLimit);
  }
});

const UNKNOWN: Array<{ venue: SimulatedSourceId; path: string; status: number; body: unknown }> = [
  { venue: "binance", path: "/api/v3/ticker/24hr?symbol=NOPEUSDT", status: 400, body: { code: -1121, msg: "Invalid symbol." } },
  { venue: "coinbase", path: "/products/NOPE-USD/ticker", status: 404, body: { message: "NotFound" } },
  { venue: "coinbase-spot", path: "/v2/prices/NOPE-USD/spot", status: 404, body: { errors: [{ id: "not_found", message: "Invalid base currency" }] } },
  { venue: "kraken", path: "/0/public/Ticker?pair=NOPEUSD", status: 200, body: { error: ["EQuery:Unknown asset pair"] } },
  { venue: "bitstamp", path: "/api/v2/ticker/nopeusd/", status: 404, body: expect.objectContaining({ status: "error" }) },
  { venue: "bitfinex", path: "/v2/ticker/tNOPUSD", status: 500, body: ["error", 10020, "symbol: invalid"] },
  { venue: "okx", path: "/api/v5/market/ticker?instId=NOPE-USDT", status: 200, body: { code: "51001", msg: "Instrument ID does not exist", data: [] } },
  {
    venue: "bybit",
    path: "/v5/market/tickers?category=spot&symbol=NOPEUSDT",
    status: 200,
    body: expect.objectContaining({ retCode: 10001, retMsg: "Not supported symbols", result: {} }),
  },
  {
    venue: "gemini",
    path: "/v1/pubticker/nopeusd",
    status: 400,
    body: { result: "error", reason: "InvalidSymbol", message: "Received unsupported symbol 'nopeusd'" },
  },
  { venue: "kucoin", path: "/api/v1/market/orderbook/level1?symbol=NOPE-USDT", status: 200, body: { code: "200000", data: null } },
  {
    venue: "gateio",
    path: "/api/v4/spot/tickers?currency_pair=BTC_USDTT",
    status: 400,
    body: { label: "INVALID_CURRENCY_PAIR", message: "Invalid currency pair BTC_USDTT" },
  },
  {
    venue: "htx",
    path: "/market/detail/merged?symbol=nopeusdt",
    status: 200,
    body: expect.objectContaining({ status: "error", "err-code": "invalid-parameter", "err-msg": "invalid symbol" }),
  },
  {
    venue: "cryptocom",
    path: "/exchange/v1/public/get-tickers?instrument_name=NOPE_USDT",
    status: 400,
    body: { code: 40004, message: "Invalid instrument_name" },
  },
  { venue: "coingecko", path: "/api/v3/simple/price?ids=nope&vs_currencies=usd", status: 200, body: {} },
  {
    venue: "cryptocompare",
    path: "/data/price?fsym=BTCCC&tsyms=USD",
    status: 200,
    body: expect.objectContaining({ Response: "Error", Message: "There is no data for the symbol BTCCC .", Type: 2, ParamWithError: "fsym" }),
  },
  { venue: "frankfurter", path: "/v1/latest?from=EUR&to=XXX", status: 404, body: { message: "not found" } },
  { venue: "frankfurter", path: "/v1/latest?from=EUR&to=EUR", status: 422, body: { message: "bad currency pair" } },
  { venue: "open-er-api", path: "/v6/latest/XXX", status: 404, body: { result: "error", "error-type": "unsupported-code" } },
  {
    venue: "open-meteo",
    path: "/v1/forecast?latitude=91&longitude=13.41&current=temperature_2m",
    status: 400,
    body: expect.objectContaining({ error: true, reason: expect.stringContaining("Latitude") }),
  },
  { venue: "open-meteo", path: "/v1/forecast?latitude=52.52&longitude=13.41&current=nope", status: 400, body: expect.objectContaining({ error: true }) },
];

describe("unknown symbols get each venue's documented error", () => {
  it.each(UNKNOWN.map((u) => [`${u.venue} ${u.path}`, u]))("%s", async (_n, u) => {
    const a = await get(sim, `/${u.venue}${u.path}`);
    expect(a.status).toBe(u.status);
    expect(a.json).toEqual(u.body);
  });

  it("Stooq answers an unknown symbol with a 200 row of N/D", async () => {
    const a = await get(sim, "/stooq/q/l/?s=nope.us&f=sd2t2ohlcv&h&e=csv");
    expect(a.status).toBe(200);
    expect(a.text.split("\r\n")[1]).toBe("NOPE.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D");
  });
});

const RATE_LIMITED: Array<{ venue: SimulatedSourceId; path: string; status: number; body: unknown }> = [
  { venue: "binance", path: "/api/v3/ticker/price?symbol=BTCUSDT", status: 429, body: expect.objectContaining({ code: -1003 }) },
  { venue: "coinbase", path: "/products/BTC-USD/ticker", status: 429, body: { message: "Public rate limit exceeded" } },
  { venue: "coinbase-spot", path: "/v2/prices/BTC-USD/spot", status: 429, body: { errors: [{ id: "rate_limit_exceeded", message: "Too many requests" }] } },
  { venue: "kraken", path: "/0/public/Ticker?pair=XBTUSD", status: 200, body: { error: ["EGeneral:Too many requests"] } },
  { venue: "bitstamp", path: "/api/v2/ticker/btcusd/", status: 400, body: expect.objectContaining({ status: "error", code: "400.002" }) },
  { venue: "bitfinex", path: "/v2/ticker/tBTCUSD", status: 429, body: { error: "ERR_RATE_LIMIT" } },
  { venue: "okx", path: "/api/v5/market/ticker?instId=BTC-USDT", status: 429, body: expect.objectContaining({ code: "50011" }) },
  { venue: "bybit", path: "/v5/market/tickers?category=spot&symbol=BTCUSDT", status: 200, body: expect.objectContaining({ retCode: 10006 }) },
  { venue: "gemini", path: "/v1/pubticker/btcusd", status: 429, body: expect.objectContaining({ result: "error", reason: "RateLimit" }) },
  { venue: "kucoin", path: "/api/v1/market/orderbook/level1?symbol=BTC-USDT", status: 429, body: { code: "429000", msg: "Too Many Requests" } },
  { venue: "gateio", path: "/api/v4/spot/tickers?currency_pair=BTC_USDT", status: 429, body: expect.objectContaining({ label: "TOO_MANY_REQUESTS" }) },
  {
    venue: "htx",
    path: "/market/detail/merged?symbol=btcusdt",
    status: 200,
    body: expect.objectContaining({ status: "error", "err-code": "base-request-exceed-frequency-limit" }),
  },
  { venue: "cryptocom", path: "/exchange/v1/public/get-tickers?instrument_name=BTC_USDT", status: 429, body: expect.objectContaining({ code: 10006 }) },
  {
    venue: "coingecko",
    path: "/api/v3/simple/price?ids=bitcoin&vs_currencies=usd",
    status: 429,
    body: { status: expect.objectContaining({ error_code: 429 }) },
  },
  { venue: "cryptocompare", path: "/data/price?fsym=BTC&tsyms=USD", status: 200, body: expect.objectContaining({ Response: "Error", Type: 99 }) },
  {
    venue: "open-meteo",
    path: "/v1/forecast?latitude=52.52&longitude=13.41&current=temperature_2m",
    status: 429,
    body: expect.objectContaining({ error: true }),
  },
];

describe("rate limits: over the bucket, each venue answers its rate-limit shape", () => {
  it.each(RATE_LIMITED.map((r) => [r.venue, r]))("%s", async (_n, r) => {
    // Room for exactly one request (Binance counts weight 2 for a single-symbol ticker).
    sim.setRateLimit(r.venue, { capacity: r.venue === "binance" ? 2 : 1, refillPerSec: 0.001, documented: "test" });
    expect((await get(sim, `/${r.venue}${r.path}`)).status).toBe(200);
    const limited = await get(sim, `/${r.venue}${r.path}`);
    expect(limited.status).toBe(r.status);
    expect(limited.json).toEqual(r.body);
    if (r.status === 429) expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("documented limits by default: Kraken's counter of 15, Coinbase's burst of 15, CoinGecko's 30", async () => {
    const fresh = await startSimulator({ seed: 5, clock: "manual" });
    try {
      const burst = async (path: string, n: number): Promise<Answer[]> => {
        const out: Answer[] = [];
        for (let i = 0; i < n; i++) out.push(await get(fresh, path));
        return out;
      };
      // A burst of the bucket's size passes; a few more (refill is slow) hit the limit.
      const kraken = await burst("/kraken/0/public/Ticker?pair=XBTUSD", 20);
      expect(kraken.slice(0, 15).every((a) => (a.json as { error: string[] }).error.length === 0)).toBe(true);
      expect(kraken.slice(15).some((a) => JSON.stringify(a.json) === JSON.stringify({ error: ["EGeneral:Too many requests"] }))).toBe(true);
      const coinbase = await burst("/coinbase/products/BTC-USD/ticker", 30);
      expect(coinbase.map((a) => a.status).slice(0, 15)).toEqual(Array(15).fill(200));
      expect(coinbase.slice(15).some((a) => a.status === 429)).toBe(true);
      const gecko = await burst("/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd", 33);
      expect(gecko.slice(0, 30).every((a) => a.status === 200)).toBe(true);
      expect(gecko.slice(30).some((a) => a.status === 429)).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it("Stooq's quota answer is the 200 text 'Exceeded the daily hits limit'", async () => {
    sim.setRateLimit("stooq", { capacity: 1, refillPerSec: 0.001, documented: "test" });
    await get(sim, "/stooq/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv");
    const a = await get(sim, "/stooq/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv");
    expect([a.status, a.text]).toEqual([200, "Exceeded the daily hits limit"]);
  });

  it("Binance bans with 418 a client that keeps going after 429s, and counts request weight", async () => {
    sim.setRateLimit("binance", { capacity: 4, refillPerSec: 0.001, documented: "test" });
    // One multi-symbol request weighs 4: the bucket is empty after it.
    expect((await get(sim, `/binance/api/v3/ticker/price?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}`)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i <= BAN_AFTER_REJECTIONS + 1; i++) statuses.push((await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSDT")).status);
    expect(statuses.slice(0, BAN_AFTER_REJECTIONS)).toEqual(Array(BAN_AFTER_REJECTIONS).fill(429));
    expect(statuses.at(-1)).toBe(418);
    const banned = await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSDT");
    expect(banned.status).toBe(418);
    expect(Number(banned.headers.get("retry-after"))).toBeGreaterThanOrEqual(100);
  });

  it("Binance reports the weight used in X-MBX-USED-WEIGHT-1M", async () => {
    sim.setRateLimit("binance", { capacity: 6000, refillPerSec: 0.001, documented: "test" });
    await get(sim, "/binance/api/v3/ticker/24hr?symbol=BTCUSDT");
    const a = await get(sim, "/binance/api/v3/ticker/24hr?symbol=ETHUSDT");
    expect(a.headers.get("x-mbx-used-weight-1m")).toBe("4");
  });

  it("Bybit refuses a client that keeps going with 403 'access too frequent' for ten minutes", async () => {
    sim.setRateLimit("bybit", { capacity: 1, refillPerSec: 0.001, documented: "test" });
    const statuses: number[] = [];
    for (let i = 0; i <= BAN_AFTER_REJECTIONS + 2; i++) statuses.push((await get(sim, "/bybit/v5/market/tickers?category=spot&symbol=BTCUSDT")).status);
    expect(statuses.slice(0, 1 + BAN_AFTER_REJECTIONS)).toEqual([200, ...Array(BAN_AFTER_REJECTIONS).fill(200)]);
    const banned = await get(sim, "/bybit/v5/market/tickers?category=spot&symbol=BTCUSDT");
    expect([banned.status, banned.text]).toEqual([403, "access too frequent"]);
    expect(Number(banned.headers.get("retry-after"))).toBe(600);
  });

  it("a bucket refills at its documented rate", async () => {
    sim.setRateLimit("okx", { capacity: 1, refillPerSec: 20, documented: "test" });
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).status).toBe(200);
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).status).toBe(429);
    await new Promise((r) => setTimeout(r, 120));
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).status).toBe(200);
  });
});

describe("outages and latency", () => {
  it("5xx: the venue answers 503 with an HTML page", async () => {
    sim.setOutage("coinbase", "5xx");
    const a = await get(sim, "/coinbase/products/BTC-USD/ticker");
    expect(a.status).toBe(503);
    expect(a.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("reset: the connection is closed without an answer", async () => {
    sim.setOutage("kraken", "reset");
    await expect(get(sim, "/kraken/0/public/Ticker?pair=XBTUSD")).rejects.toThrow();
    expect(sim.stats().venues.kraken.resets).toBeGreaterThan(0);
  });

  it("hang: no answer until the client gives up", async () => {
    sim.setOutage("okx", "hang");
    const started = Date.now();
    await expect(get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT", { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    sim.setOutage("okx", "none");
    expect((await get(sim, "/okx/api/v5/market/ticker?instId=BTC-USDT")).status).toBe(200);
  });

  it("flaky: some requests fail (503 or reset), most are answered", async () => {
    sim.setOutage("gateio", "flaky");
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        get(sim, "/gateio/api/v4/spot/tickers?currency_pair=BTC_USDT").then(
          (a) => String(a.status),
          () => "reset",
        ),
      ),
    );
    const count = (o: string): number => outcomes.filter((x) => x === o).length;
    // 30 % 503 and 10 % resets expected: wide bounds keep the test deterministic in practice.
    expect(count("503")).toBeGreaterThan(20);
    expect(count("reset")).toBeGreaterThan(3);
    expect(count("200")).toBeGreaterThan(80);
  });

  it("latency: answers are delayed by the configured time", async () => {
    sim.setLatency("bybit", 150);
    const started = Date.now();
    expect((await get(sim, "/bybit/v5/market/tickers?category=spot&symbol=BTCUSDT")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("counts requests and answers per venue", async () => {
    sim.resetStats();
    await get(sim, "/gemini/v1/pubticker/btcusd");
    await get(sim, "/gemini/v1/pubticker/nopeusd");
    const s = sim.stats();
    expect(s.venues.gemini.requests).toBe(2);
    expect(s.venues.gemini.byStatus).toEqual({ "200": 1, "400": 1 });
    expect(s.total).toBe(2);
  });

  it("a path outside every venue gets a 404 that says how paths are built", async () => {
    const a = await get(sim, "/nope/api");
    expect(a.status).toBe(404);
    expect(a.text).toContain("/<source id>/");
  });
});
