import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator";
import { GenericJsonSourceConfigSchema, GenericSourceConfigSchema } from "../generic-config";
import { toQuoteJson } from "../quote-json";
import { startFixtureServer, type FixtureServer } from "../../../../test/support/sources/fixture-server";
import type { SourceContext, SourceResult } from "../types";
import { createGenericCsvSource } from "./csv-source";
import { FRANKFURTER, OPEN_ER_API, OPEN_METEO_BERLIN, STOOQ } from "./examples";
import { createGenericJsonSource } from "./json-source";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const at = (iso: string) => Date.parse(iso);
const ctx = (now: number, extra: Partial<SourceContext> = {}): SourceContext => ({
  baseUrl: server.baseUrl,
  timeoutMs: 2_000,
  now: () => now,
  maxRetries: 0,
  ...extra,
});
const failure = (r: SourceResult | undefined) => (!r ? "missing" : r.ok ? "ok" : r.error.failure);
const price = (r: SourceResult | undefined) => (r?.ok ? toQuoteJson(r.quote).price : `failed: ${r && !r.ok ? r.error.message : ""}`);

describe("generic JSON source: FX", () => {
  const frankfurter = createGenericJsonSource(FRANKFURTER);
  const FRANKFURTER_OK = '{"amount":1.0,"base":"EUR","date":"2024-03-22","rates":{"USD":1.0823}}';

  it("reads Frankfurter's rate at the documented path with the ECB date as timestamp", async () => {
    server.respond(() => ({ status: 200, text: FRANKFURTER_OK }));
    const [r] = await frankfurter.fetch([{ pair: "EUR/USD" }], ctx(at("2024-03-23T10:00:00Z")));
    expect(server.requests).toEqual(["/v1/latest?base=EUR&symbols=USD"]);
    if (!r.ok) throw r.error;
    expect(toQuoteJson(r.quote)).toMatchObject({ source: "frankfurter", pair: "EUR/USD", price: "1.0823", bid: null, timestamp: at("2024-03-22T00:00:00Z") });
    expect(frankfurter.defaultBaseUrl).toBe("https://api.frankfurter.dev");
  });

  it("classifies Frankfurter's 404 and 422 as unknown-symbol", async () => {
    for (const [status, body] of [
      [404, { message: "not found" }],
      [422, { message: "bad currency pair" }],
    ] as const) {
      server.respond(() => ({ status, body }));
      const [r] = await frankfurter.fetch([{ pair: "EUR/XXX" }], ctx(at("2024-03-23T10:00:00Z")));
      expect(failure(r)).toBe("unknown-symbol");
    }
  });

  it("marks a rate a week old stale", async () => {
    server.respond(() => ({ status: 200, text: FRANKFURTER_OK }));
    const [r] = await frankfurter.fetch([{ pair: "EUR/USD" }], ctx(at("2024-03-30T10:00:00Z")));
    expect(failure(r)).toBe("stale");
  });

  it("reads open.er-api and recognises its in-body error", async () => {
    const source = createGenericJsonSource(OPEN_ER_API);
    server.respond(() => ({ status: 200, text: '{"result":"success","time_last_update_unix":1711324952,"base_code":"USD","rates":{"USD":1,"EUR":0.9245}}' }));
    const [ok] = await source.fetch([{ pair: "USD/EUR" }], ctx(1711324952_000 + 3_600_000));
    expect(server.requests).toEqual(["/v6/latest/USD"]);
    expect(price(ok)).toBe("0.9245");
    if (ok.ok) expect(ok.quote.sourceTimestamp).toBe(1711324952_000);
    server.respond(() => ({ status: 200, body: { result: "error", "error-type": "unsupported-code" } }));
    const [bad] = await source.fetch([{ pair: "XXX/EUR" }], ctx(1711324952_000));
    expect(failure(bad)).toBe("unknown-symbol");
  });

  it("inverts a rate exactly (rounded once, at 18 decimals) for the reverse pair", async () => {
    const inverted = createGenericJsonSource({
      ...OPEN_ER_API,
      id: "open-er-api-inv",
      url: "https://open.er-api.com/v6/latest/{quote}",
      valuePath: "rates.{base}",
      scale: { invert: true },
    });
    server.respond(() => ({ status: 200, text: '{"result":"success","time_last_update_unix":1711324952,"base_code":"USD","rates":{"USD":1,"EUR":0.9245}}' }));
    const [r] = await inverted.fetch([{ pair: "EUR/USD" }], ctx(1711324952_000));
    expect(server.requests).toEqual(["/v6/latest/USD"]);
    expect(price(r)).toBe("1.081665765278528935"); // 1 / 0.9245 = 1.081665765278528934559...: half-up at the 18th
  });

  it("scales by a power of ten exactly", async () => {
    const cents = createGenericJsonSource({ kind: "json", id: "cents", url: "https://example.test/p/{symbol}", valuePath: "[0].cents", scale: { pow10: -2 } });
    server.respond(() => ({ status: 200, text: '[{"cents":9007199254740993}]' })); // 2^53 + 1: no double holds it
    const [r] = await cents.fetch([{ pair: "GOLD/USD", symbol: "xau" }], ctx(0));
    expect(server.requests).toEqual(["/p/xau"]);
    expect(price(r)).toBe("90071992547409.93");
  });

  it("tells a missing currency (unknown-symbol) from a different payload shape (malformed)", async () => {
    server.respond(() => ({ status: 200, text: '{"amount":1.0,"base":"EUR","date":"2024-03-22","rates":{"GBP":0.85}}' }));
    expect(failure((await frankfurter.fetch([{ pair: "EUR/USD" }], ctx(at("2024-03-22T12:00:00Z"))))[0])).toBe("unknown-symbol");
    server.respond(() => ({ status: 200, text: '{"quotes":[1.08]}' }));
    expect(failure((await frankfurter.fetch([{ pair: "EUR/USD" }], ctx(at("2024-03-22T12:00:00Z"))))[0])).toBe("malformed");
  });

  it("serves several pairs from one open.er-api answer with one request", async () => {
    const source = createGenericJsonSource(OPEN_ER_API);
    server.respond(() => ({
      status: 200,
      text: '{"result":"success","time_last_update_unix":1711324952,"base_code":"USD","rates":{"USD":1,"EUR":0.9245,"GBP":0.7911}}',
    }));
    const rs = await source.fetch([{ pair: "USD/EUR" }, { pair: "USD/GBP" }, { pair: "USD/XXX" }], ctx(1711324952_000));
    expect(server.requests).toEqual(["/v6/latest/USD"]);
    expect(rs.map(price).slice(0, 2)).toEqual(["0.9245", "0.7911"]);
    expect(failure(rs[2])).toBe("unknown-symbol");
  });

  it("shares one request between feeds that ask the same URL, keeping each pair", async () => {
    server.respond(() => ({ status: 200, text: FRANKFURTER_OK }));
    const rs = await frankfurter.fetch([{ pair: "EUR/USD" }, { pair: "eur/usd" }], ctx(at("2024-03-22T12:00:00Z")));
    expect(rs.map(failure)).toEqual(["ok", "ok"]);
    expect(server.requests).toHaveLength(1);
  });
});

describe("generic JSON source: weather", () => {
  const meteo = createGenericJsonSource(OPEN_METEO_BERLIN);

  it("reads Open-Meteo's current temperature as kelvin, exactly", async () => {
    server.respond(() => ({
      status: 200,
      text: '{"latitude":52.52,"longitude":13.419998,"generationtime_ms":0.02,"utc_offset_seconds":0,"timezone":"GMT","timezone_abbreviation":"GMT","elevation":38.0,"current_units":{"time":"unixtime","interval":"seconds","temperature_2m":"°C"},"current":{"time":1711368000,"interval":900,"temperature_2m":-3.4}}',
    }));
    const [r] = await meteo.fetch([{ pair: "BERLIN/KELVIN" }], ctx(1711368000_000 + 60_000));
    expect(server.requests).toEqual(["/v1/forecast?latitude=52.52&longitude=13.41&current=temperature_2m&timeformat=unixtime"]);
    expect(price(r)).toBe("269.75");
  });

  it("reads Open-Meteo's ISO minute time (no zone = UTC)", async () => {
    const iso = createGenericJsonSource({ ...OPEN_METEO_BERLIN, id: "open-meteo-iso", timestampUnit: "iso" });
    server.respond(() => ({ status: 200, text: '{"current":{"time":"2024-03-25T12:00","interval":900,"temperature_2m":8.4}}' }));
    const [r] = await iso.fetch([{ pair: "BERLIN/KELVIN" }], ctx(at("2024-03-25T12:05:00Z")));
    if (!r.ok) throw r.error;
    expect(r.quote.sourceTimestamp).toBe(at("2024-03-25T12:00:00Z"));
    expect(toQuoteJson(r.quote).price).toBe("281.55");
  });

  it("classifies Open-Meteo's 400 and 429 error bodies", async () => {
    server.respond(() => ({ status: 400, body: { error: true, reason: "Latitude must be in range of -90 to 90°. Given: 952.52." } }));
    expect(failure((await meteo.fetch([{ pair: "BERLIN/KELVIN" }], ctx(0)))[0])).toBe("http-error");
    server.respond(() => ({
      status: 429,
      headers: { "Retry-After": "60" },
      body: { error: true, reason: "Minutely API request limit exceeded. Please try again in one minute." },
    }));
    const [r] = await meteo.fetch([{ pair: "BERLIN/KELVIN" }], ctx(0));
    expect(failure(r)).toBe("rate-limited");
    if (!r.ok) expect(r.error.retryAfterMs).toBe(60_000);
  });
});

describe("generic CSV source: Stooq", () => {
  const stooq = createGenericCsvSource(STOOQ);
  const CSV = "Symbol,Date,Time,Open,High,Low,Close,Volume\r\nAAPL.US,2024-03-22,22:00:09,171.76,173.05,170.06,172.28,71160138\r\n";

  it("reads the close, volume and date/time of the symbol's row", async () => {
    server.respond(() => ({ status: 200, text: CSV }));
    const [r] = await stooq.fetch([{ pair: "AAPL/USD" }], ctx(at("2024-03-23T10:00:00Z")));
    expect(server.requests).toEqual(["/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv"]);
    if (!r.ok) throw r.error;
    expect(toQuoteJson(r.quote)).toMatchObject({ price: "172.28", volume: "71160138", timestamp: at("2024-03-22T21:00:09Z") });
  });

  it("classifies N/D as unknown-symbol and the daily hits limit as rate-limited", async () => {
    server.respond(() => ({ status: 200, text: "Symbol,Date,Time,Open,High,Low,Close,Volume\r\nNOPE.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n" }));
    expect(failure((await stooq.fetch([{ pair: "NOPE/USD" }], ctx(0)))[0])).toBe("unknown-symbol");
    server.respond(() => ({ status: 200, text: "Exceeded the daily hits limit" }));
    expect(failure((await stooq.fetch([{ pair: "AAPL/USD" }], ctx(0)))[0])).toBe("rate-limited");
  });

  it("classifies a body that is not CSV as malformed and a garbage close as invalid-value", async () => {
    server.respond(() => ({ status: 200, text: "<html>maintenance</html>" }));
    expect(failure((await stooq.fetch([{ pair: "AAPL/USD" }], ctx(0)))[0])).toBe("malformed");
    server.respond(() => ({ status: 200, text: CSV.replace("172.28", "-172.28") }));
    expect(failure((await stooq.fetch([{ pair: "AAPL/USD" }], ctx(at("2024-03-23T10:00:00Z"))))[0])).toBe("invalid-value");
  });
});

describe("generic source config", () => {
  it("names the path and the problem of a bad config", () => {
    const r = GenericSourceConfigSchema.safeParse({ kind: "json", id: "X", url: "ftp://x/{base}", valuePath: "" });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["id", "url", "valuePath"]));
  });

  it("rejects a placeholder in the host and unknown keys", () => {
    expect(GenericJsonSourceConfigSchema.safeParse({ kind: "json", id: "fx", url: "https://{base}.example/x", valuePath: "v" }).success).toBe(false);
    expect(GenericJsonSourceConfigSchema.safeParse({ kind: "json", id: "fx", url: "https://a.example/x", valuePath: "v", valuPath: "typo" }).success).toBe(
      false,
    );
  });

  it("accepts every example config", () => {
    for (const c of [FRANKFURTER, OPEN_ER_API, OPEN_METEO_BERLIN, STOOQ]) expect(GenericSourceConfigSchema.parse(c).id).toBe(c.id);
  });
});

describe("generic sources against the venue simulator", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, clock: "manual" });
  });
  afterAll(() => sim.close());

  it.each([
    ["frankfurter", FRANKFURTER, "EUR/USD"],
    ["open-er-api", OPEN_ER_API, "USD/EUR"],
    ["open-meteo", OPEN_METEO_BERLIN, "BERLIN/KELVIN"],
  ] as const)("%s answers with a valid quote", async (id, cfg, pair) => {
    const [r] = await createGenericJsonSource(cfg).fetch([{ pair }], { baseUrl: sim.baseUrl(id), timeoutMs: 2_000, now: Date.now });
    if (!r.ok) throw r.error;
    expect(r.quote.price).toBeGreaterThan(0n);
  });

  it("stooq answers with a valid quote", async () => {
    const [r] = await createGenericCsvSource({ ...STOOQ, maxAgeMs: 30 * 24 * 3_600_000 }).fetch([{ pair: "AAPL/USD" }], {
      baseUrl: sim.baseUrl("stooq"),
      timeoutMs: 2_000,
      now: Date.now,
    });
    if (!r.ok) throw r.error;
    expect(r.quote.price).toBeGreaterThan(0n);
  });
});
