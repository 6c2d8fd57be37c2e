import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePath } from "./generic/json-path";
import { RateLimiter } from "./http/rate-limiter";
import { toQuoteJson } from "./quote-json";
import { SOURCE_IDS, getAdapter } from "./registry";
import { startFixtureServer, type FixtureServer } from "../../../test/support/sources/fixture-server";
import { loadFixture, okBody, type VenueFixture } from "../../../test/support/sources/fixtures";
import type { SourceContext, SourceResult } from "./types";
import { ALL_MARKETS_MIN_SYMBOLS } from "./venue-adapter";

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function ctx(f: VenueFixture, extra: Partial<SourceContext> = {}): SourceContext {
  return { baseUrl: server.baseUrl, timeoutMs: 2_000, now: () => f.now, maxRetries: 0, ...extra };
}

function setAt(root: unknown, path: string, value: unknown): unknown {
  const steps = parsePath(path);
  let cur = root as Record<string | number, unknown>;
  for (const s of steps.slice(0, -1)) cur = cur[s] as Record<string | number, unknown>;
  cur[steps[steps.length - 1]] = value;
  return root;
}

function getAt(root: unknown, path: string): unknown {
  let cur = root as Record<string | number, unknown>;
  for (const s of parsePath(path)) cur = cur[s] as Record<string | number, unknown>;
  return cur;
}

const PLACEHOLDER = "__mutated__";

/**
 * The ok body with the field at `path` replaced by `text`, keeping the field's JSON type: a
 * venue that sends numbers gets the raw number text (every digit), others get a string.
 */
function mutated(f: VenueFixture, path: string, text: string, keepType = true): string {
  const body = okBody(f);
  const numeric = keepType && typeof getAt(body, path) === "number" && /^-?\d/.test(text);
  setAt(body, path, PLACEHOLDER);
  return JSON.stringify(body).replace(`"${PLACEHOLDER}"`, numeric ? text : JSON.stringify(text));
}

function failure(r: SourceResult | undefined): string {
  if (!r) return "missing";
  return r.ok ? "ok" : r.error.failure;
}

async function fetchOne(f: VenueFixture, extra: Partial<SourceContext> = {}): Promise<SourceResult> {
  const results = await getAdapter(f.source).fetch([{ pair: f.pair }], ctx(f, extra));
  expect(results).toHaveLength(1);
  return results[0];
}

describe.each(SOURCE_IDS.map((id) => [id]))("%s adapter", (id) => {
  const f = loadFixture(id);

  it("maps the feed pair to the venue's symbol", () => {
    expect(getAdapter(id).defaultSymbol(f.pair)).toBe(f.symbol);
  });

  it("requests the documented path and normalizes the recorded answer exactly", async () => {
    server.respond(() => f.ok);
    const r = await fetchOne(f);
    expect(server.requests).toEqual([f.path]);
    if (!r.ok) throw r.error;
    const { receivedAt, ...json } = toQuoteJson(r.quote);
    expect(json).toEqual({ source: id, pair: f.pair, ...f.expect });
    expect(receivedAt).toBe(f.now);
  });

  it("uses the configured symbol over the default mapping", async () => {
    server.respond(() => f.ok);
    await getAdapter(id).fetch([{ pair: f.pair, symbol: f.symbol }], ctx(f));
    expect(server.requests).toEqual([f.path]);
  });

  it.each(f.errors.map((e) => [e.name, e]))("classifies %s", async (_name, e) => {
    server.respond(() => e);
    const limiter = new RateLimiter({ capacity: 100, refillPerSec: 100 });
    const r = await fetchOne(f, { limiter, maxRetries: 2 });
    expect(failure(r)).toBe(e.failure);
    if (e.failure === "rate-limited") {
      expect(limiter.backoffRemainingMs()).toBeGreaterThan(0);
      if (e.retryAfterMs !== undefined && !r.ok) expect(r.error.retryAfterMs).toBe(e.retryAfterMs);
      // The limiter now refuses locally: no request reaches the venue while backing off.
      const again = await fetchOne(f, { limiter });
      expect(failure(again)).toBe("rate-limited");
    }
    expect(server.requests).toHaveLength(1); // documented errors are never retried
  });

  it("honours 429 with Retry-After and backs the limiter off", async () => {
    server.respond(() => ({ status: 429, headers: { "Retry-After": "3" }, text: "" }));
    const limiter = new RateLimiter({ capacity: 100, refillPerSec: 100 });
    const r = await fetchOne(f, { limiter, maxRetries: 2 });
    expect(failure(r)).toBe("rate-limited");
    if (!r.ok) expect(r.error.retryAfterMs).toBe(3000);
    expect(limiter.backoffRemainingMs()).toBeGreaterThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 5xx with back-off, then succeeds", async () => {
    server.sequence([{ status: 502, text: "<html><body>502 Bad Gateway</body></html>" }, { status: 503, text: "" }, f.ok]);
    const r = await fetchOne(f, { maxRetries: 2 });
    expect(failure(r)).toBe("ok");
    expect(server.requests).toHaveLength(3);
  });

  it("gives up after the retries on a persistent 5xx as http-error", async () => {
    server.respond(() => ({ status: 503, text: "Service Unavailable" }));
    const r = await fetchOne(f, { maxRetries: 1 });
    expect(failure(r)).toBe("http-error");
    expect(server.requests).toHaveLength(2);
  });

  it("aborts a request the venue never answers at the timeout and closes the socket", async () => {
    server.respond(() => ({ hang: true }));
    const closedBefore = server.closedSockets();
    const t0 = performance.now();
    const r = await fetchOne(f, { timeoutMs: 150, maxRetries: 0 });
    const elapsed = performance.now() - t0;
    expect(failure(r)).toBe("timeout");
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
    await expect.poll(() => server.closedSockets() - closedBefore).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ["truncated JSON", '{"data":[{"last":"671'],
    ["an HTML error page", "<!DOCTYPE html><html><body>Cloudflare: 520</body></html>"],
    ["an empty body", ""],
  ])("classifies %s in HTTP 200 as malformed", async (_n, text) => {
    server.respond(() => ({ status: 200, text }));
    expect(failure(await fetchOne(f))).toBe("malformed");
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ["a negative price", "-1"],
    ["a zero price", "0"],
    ["NaN", "NaN"],
    ["an absurd magnitude", "1e30"],
    ["too many decimals", "1.0000000000000000001"],
  ])("rejects %s as invalid-value", async (_n, value) => {
    server.respond(() => ({ status: 200, text: mutated(f, f.fields.price, value) }));
    expect(failure(await fetchOne(f))).toBe("invalid-value");
  });

  it.each([
    ["an object", { v: 1 }],
    ["a boolean", true],
    ["null (missing)", null],
  ])("rejects a price that is %s as malformed", async (_n, value) => {
    const body = okBody(f);
    setAt(body, f.fields.price, value);
    server.respond(() => ({ status: 200, body }));
    expect(["malformed", "unknown-symbol"]).toContain(failure(await fetchOne(f)));
  });

  if (f.fields.bid !== undefined && f.fields.ask !== undefined)
    it("rejects a crossed book (bid > ask) as invalid-value", async () => {
      const crossed = (Number(getAt(okBody(f), f.fields.ask!)) * 1.01).toFixed(2);
      server.respond(() => ({ status: 200, text: mutated(f, f.fields.bid!, crossed) }));
      const r = await fetchOne(f);
      expect(failure(r)).toBe("invalid-value");
      if (!r.ok) expect(r.error.message).toMatch(/bid > ask/);
    });

  if (f.expect.timestamp !== null)
    it("rejects a stale source timestamp as stale", async () => {
      server.respond(() => f.ok);
      const r = await fetchOne(f, { now: () => f.expect.timestamp! + 3_600_000 });
      expect(failure(r)).toBe("stale");
    });

  if (f.expect.timestamp !== null)
    it("rejects a timestamp in the future as invalid-value", async () => {
      server.respond(() => f.ok);
      expect(failure(await fetchOne(f, { now: () => f.expect.timestamp! - 3_600_000 }))).toBe("invalid-value");
    });

  if (f.batch !== undefined)
    it("fetches several pairs in one batch request", async () => {
      const b = f.batch!;
      server.respond(() => ({ status: 200, body: b.body, text: b.text }));
      const results = await getAdapter(id).fetch(
        b.pairs.map((pair) => ({ pair })),
        ctx(f),
      );
      expect(server.requests).toEqual([b.path]);
      expect(results.map((r) => (r.ok ? toQuoteJson(r.quote).price : r.error.message))).toEqual(b.expect);
      expect(results.map((r) => (r.ok ? r.quote.pair : ""))).toEqual(b.pairs);
    });

  if (f.allMarkets !== undefined) {
    const all = f.allMarkets;
    it(`fetches ${all.pairs.length} pairs with one every-market request`, async () => {
      expect(all.pairs.length).toBeGreaterThanOrEqual(ALL_MARKETS_MIN_SYMBOLS);
      server.respond(() => ({ status: 200, body: all.body, text: all.text }));
      const results = await getAdapter(id).fetch(
        all.pairs.map((pair) => ({ pair })),
        ctx(f),
      );
      expect(server.requests).toEqual([all.path]);
      expect(results.map((r) => (r.ok ? toQuoteJson(r.quote).price : r.error.message))).toEqual(all.expect);
    });

    it("marks a pair the every-market answer lacks unknown-symbol, keeping the others", async () => {
      server.respond(() => ({ status: 200, body: all.body, text: all.text }));
      const results = await getAdapter(id).fetch(
        [...all.pairs, "ZZZ/USD"].map((pair) => ({ pair })),
        ctx(f),
      );
      expect(results.slice(0, -1).every((r) => r.ok)).toBe(true);
      expect(failure(results[results.length - 1])).toBe("unknown-symbol");
      expect(server.requests).toHaveLength(1);
    });

    it("falls back to one request per pair where the every-market endpoint is missing (404)", async () => {
      server.respond((path) => (path === all.path ? { status: 404, text: "Not Found" } : f.ok));
      const results = await getAdapter(id).fetch(
        all.pairs.map((pair) => ({ pair })),
        ctx(f),
      );
      expect(server.requests).toHaveLength(all.pairs.length + 1);
      expect(results.filter((r) => r.ok).length).toBeGreaterThan(0); // the single-pair answer fits its own pair
    });
  }

  if (f.batch !== undefined)
    it("marks a pair missing from a batch answer unknown-symbol, keeping the others", async () => {
      const b = f.batch!;
      server.respond(() => ({ status: 200, body: b.body, text: b.text }));
      const results = await getAdapter(id).fetch([...b.pairs.map((pair) => ({ pair })), { pair: "ZZZ/USD" }], ctx(f));
      expect(results.slice(0, b.pairs.length).every((r) => r.ok)).toBe(true);
      expect(failure(results[b.pairs.length])).toBe("unknown-symbol");
    });
});

describe("adapter edge cases", () => {
  it("keeps every digit of a JSON-number price (no float rounding)", async () => {
    const f = loadFixture("htx");
    server.respond(() => ({ status: 200, text: f.ok.text!.replace('"close":67123.4', '"close":67123.400000000000000001') }));
    const r = await fetchOne(f);
    if (!r.ok) throw r.error;
    expect(toQuoteJson(r.quote).price).toBe("67123.400000000000000001");
  });

  it("Binance: a batch naming an unknown symbol falls back to one request per symbol", async () => {
    const f = loadFixture("binance");
    server.respond((path) => {
      if (path.includes("symbols=")) return { status: 400, body: { code: -1121, msg: "Invalid symbol." } };
      if (path.endsWith("symbol=BTCUSDT")) return f.ok;
      return { status: 400, body: { code: -1121, msg: "Invalid symbol." } };
    });
    const results = await getAdapter("binance").fetch([{ pair: "BTC/USD" }, { pair: "NOPE/USD" }], ctx(f));
    expect(results.map(failure)).toEqual(["ok", "unknown-symbol"]);
    expect(server.requests).toHaveLength(3);
    // Next round: the venue is not asked about the unknown symbol again, so the batch holds.
    server.requests.length = 0;
    server.respond((path) => {
      if (path.includes("symbols=")) return { status: 200, body: f.batch!.body };
      return { status: 400, body: { code: -1121, msg: "Invalid symbol." } };
    });
    const next = await getAdapter("binance").fetch([{ pair: "BTC/USD" }, { pair: "ETH/USD" }, { pair: "NOPE/USD" }], ctx(f));
    expect(next.map(failure)).toEqual(["ok", "ok", "unknown-symbol"]);
    expect(server.requests).toEqual([f.batch!.path]);
  });

  it("Kraken: matches renamed result keys in a batch whatever their order", async () => {
    const f = loadFixture("kraken");
    server.respond(() => ({ status: 200, body: f.batch!.body }));
    const results = await getAdapter("kraken").fetch([{ pair: "SOL/USD" }, { pair: "BTC/USD" }], ctx(f));
    expect(results.map((r) => (r.ok ? toQuoteJson(r.quote).price : "x"))).toEqual(["185.05", "64587.4"]);
  });

  it("dedupes two feeds asking for the same venue symbol into one request, each keeping its pair", async () => {
    const f = loadFixture("okx");
    server.respond(() => f.ok);
    const results = await getAdapter("okx").fetch([{ pair: "BTC/USD" }, { pair: "BTC/USDT" }], ctx(f));
    expect(server.requests).toHaveLength(1);
    expect(results.map((r) => (r.ok ? r.quote.pair : "x"))).toEqual(["BTC/USD", "BTC/USDT"]);
  });

  it("never uses a row naming a different symbol", async () => {
    const f = loadFixture("gateio");
    const body = okBody(f) as Array<Record<string, unknown>>;
    body[0].currency_pair = "ETH_USDT";
    server.respond(() => ({ status: 200, body }));
    expect(failure(await fetchOne(f))).toBe("unknown-symbol");
  });

  it("Gemini: reads the base volume under the longest matching currency key", async () => {
    const f = loadFixture("gemini");
    server.respond(() => ({
      status: 200,
      body: { bid: "0.9998", ask: "1.0001", last: "0.9999", volume: { USD: "5", USDC: "123.5", timestamp: f.now - 1000 } },
    }));
    const [r] = await getAdapter("gemini").fetch([{ pair: "USDC/USD" }], ctx(f));
    expect(r.ok && toQuoteJson(r.quote).volume).toBe("123.5");
  });

  it("does not follow a redirect to another host", async () => {
    const f = loadFixture("coinbase");
    server.respond(() => ({ status: 302, headers: { Location: "http://127.0.0.1:1/elsewhere" }, text: "" }));
    const [r] = await getAdapter("coinbase").fetch([{ pair: "BTC/USD" }], ctx(f));
    expect(failure(r)).toBe("http-error");
    if (!r.ok) expect(r.error.message).toMatch(/HTTP 302/);
  });

  it("refuses a symbol that would change the URL", async () => {
    const f = loadFixture("coinbase");
    const [r] = await getAdapter("coinbase").fetch([{ pair: "BTC/USD", symbol: "../admin?x=1" }], ctx(f));
    expect(failure(r)).toBe("unknown-symbol");
    expect(server.requests).toHaveLength(0);
  });

  it("reports a bad pair as unknown-symbol without a request", async () => {
    const f = loadFixture("binance");
    const [r] = await getAdapter("binance").fetch([{ pair: "BTCUSD" }], ctx(f));
    expect(failure(r)).toBe("unknown-symbol");
    expect(server.requests).toHaveLength(0);
  });

  it("maps symbols with each venue's conventions", () => {
    expect(getAdapter("kraken").defaultSymbol("DOGE/USD")).toBe("XDGUSD");
    expect(getAdapter("kraken").defaultSymbol("ETH/BTC")).toBe("ETHXBT");
    expect(getAdapter("bitfinex").defaultSymbol("BTC/USDT")).toBe("tBTCUST");
    expect(getAdapter("bitfinex").defaultSymbol("DOGE/USD")).toBe("tDOGE:USD");
    expect(getAdapter("coingecko").defaultSymbol("ETH/USD")).toBe("ethereum");
    expect(getAdapter("binance").defaultSymbol("ETH/BTC")).toBe("ETHBTC");
    expect(getAdapter("htx").defaultSymbol("ETH/USD")).toBe("ethusdt");
    expect(getAdapter("gemini").defaultSymbol("ETH/USD")).toBe("ethusd");
  });

  it("getAdapter lists the known ids on an unknown one", () => {
    expect(() => getAdapter("mtgox")).toThrow(/unknown source "mtgox".*binance, coinbase/);
    expect(SOURCE_IDS).toHaveLength(15);
  });
});
