import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SourceError } from "../../quotes/quote";
import { SOURCE_IDS } from "../registry";
import { startFixtureServer, type FixtureServer } from "../../../../test/support/sources/fixture-server";
import { loadFixture } from "../../../../test/support/sources/fixtures";
import type { SourceContext } from "../types";
import { RETRY_CAP_MS, backoffDelay } from "./backoff";
import { MAX_BODY_BYTES, httpGet } from "./client";
import { JsonSyntaxError, parseJsonLossless } from "./parse-json";
import { RateLimitedLocally, RateLimiter } from "./rate-limiter";
import { parseRetryAfter } from "./retry-after";

describe("parseJsonLossless", () => {
  it("parses like JSON.parse for ordinary documents", () => {
    const doc = '{"a":[1,-2.5,3e2,true,false,null,"x\\n\\u00e9\\"y"],"b":{"c":{}},"d":[]}';
    expect(parseJsonLossless(doc)).toEqual(JSON.parse(doc));
  });
  it("keeps numbers a double cannot hold as their original text", () => {
    expect(parseJsonLossless("[67123.400000000000000001, 9007199254740993, 1e999, 0.1]")).toEqual([
      "67123.400000000000000001",
      "9007199254740993",
      "1e999",
      0.1,
    ]);
  });
  it("keeps numbers whose double is exact as numbers (67120.0 -> 67120)", () => {
    expect(parseJsonLossless("[67120.0, 1711360000123, -0.0125]")).toEqual([67120, 1711360000123, -0.0125]);
  });
  it.each(['{"a":1', "[1,]", "{'a':1}", "01", "NaN", "[1] x", '"\\x"', "", "-", '{"a" 1}'])("rejects %j", (text) => {
    expect(() => parseJsonLossless(text)).toThrow(JsonSyntaxError);
  });
  it("reads every recorded venue answer as JSON.parse does, and a number no double holds as its text", () => {
    for (const id of SOURCE_IDS) {
      const f = loadFixture(id);
      const text = f.ok.text ?? JSON.stringify(f.ok.body);
      const doc = parseJsonLossless(`{"doc":${text},"force":1.00000000000000000001}`) as { doc: unknown; force: unknown };
      expect(doc.force).toBe("1.00000000000000000001");
      expect(doc.doc).toEqual(JSON.parse(text));
    }
  });
  it("refuses hostile nesting with a syntax error instead of overflowing the stack", () => {
    expect(() => parseJsonLossless("[".repeat(100_000))).toThrow(/nesting too deep/);
    expect(() => parseJsonLossless("[".repeat(100_000) + "1.00000000000000000001")).toThrow(JsonSyntaxError);
  });
  it("keeps the last value of a repeated key, as JSON.parse does", () => {
    expect(parseJsonLossless('{"a":1,"a":"2.50"}')).toEqual({ a: "2.50" });
  });
  it("names the position of a syntax error", () => {
    expect(() => parseJsonLossless('{"price":"1",}')).toThrow(/position 13/);
  });
  it("does not let a __proto__ key reach the prototype", () => {
    const o = parseJsonLossless('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(o)).toEqual(["__proto__"]);
  });
});

describe("parseRetryAfter", () => {
  it("reads delta seconds and HTTP dates", () => {
    expect(parseRetryAfter("7", 0)).toBe(7_000);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:30 GMT", 10_000)).toBe(20_000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
  });
  it("caps absurd values at three days", () => {
    expect(parseRetryAfter("999999999", 0)).toBe(3 * 24 * 3600 * 1000);
  });
});

describe("backoffDelay", () => {
  it("grows exponentially with jitter and stays under the cap", () => {
    expect(backoffDelay(0, () => 0)).toBe(50);
    expect(backoffDelay(0, () => 1)).toBe(100);
    expect(backoffDelay(2, () => 1)).toBe(400);
    expect(backoffDelay(20, () => 1)).toBe(RETRY_CAP_MS);
  });
});

describe("RateLimiter", () => {
  it("spends its burst, then refuses when the wait exceeds the budget", async () => {
    let now = 0;
    const l = new RateLimiter({ capacity: 2, refillPerSec: 1 }, () => now);
    await l.take();
    await l.take();
    await expect(l.take(1, 500)).rejects.toBeInstanceOf(RateLimitedLocally);
    now = 1_000;
    await l.take(1, 0);
  });
  it("waits for a token when the wait fits the budget", async () => {
    const l = new RateLimiter({ capacity: 1, refillPerSec: 20 });
    await l.take();
    const t0 = performance.now();
    await l.take(1, 1_000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
  });
  it("backs off for a venue's Retry-After and refuses fast meanwhile", async () => {
    let now = 0;
    const l = new RateLimiter({ capacity: 100, refillPerSec: 100 }, () => now);
    l.backOff(5_000);
    await expect(l.take(1, 60_000)).rejects.toMatchObject({ retryAfterMs: 5_000 });
    now = 5_001;
    await l.take(1, 0);
  });
  it("gives a waiting caller's reservation back when it is aborted", async () => {
    let now = 0;
    const l = new RateLimiter({ capacity: 1, refillPerSec: 1 }, () => now);
    await l.take();
    const ac = new AbortController();
    const waiting = l.take(1, 5_000, ac.signal);
    ac.abort(new Error("round over"));
    await expect(waiting).rejects.toThrow(/round over/);
    now = 1_000;
    expect(l.available()).toBe(1);
  });

  it("charges request weight", async () => {
    const l = new RateLimiter({ capacity: 10, refillPerSec: 0.001 }, () => 0);
    await l.take(8);
    expect(l.available()).toBe(2);
  });
});

describe("httpGet", () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });
  const ctx = (extra: Partial<SourceContext> = {}): SourceContext => ({ timeoutMs: 1_000, now: Date.now, ...extra });
  const text = (res: { text: string }) => res.text;

  it("retries timeouts, aborting each attempt at the timeout", async () => {
    server.respond(() => ({ hang: true }));
    const t0 = performance.now();
    const err = await httpGet("x", `${server.baseUrl}/hang`, ctx({ timeoutMs: 100, maxRetries: 2 }), { interpret: text }).catch((e: unknown) => e);
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).failure).toBe("timeout");
    expect(server.requests).toHaveLength(3);
    // 3 attempts x 100 ms plus two back-offs of 50-200 ms.
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1_500);
    await expect.poll(() => server.closedSockets()).toBeGreaterThanOrEqual(3);
  });

  it("stops at once when the caller's signal aborts", async () => {
    server.respond(() => ({ hang: true }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = performance.now();
    const err = (await httpGet("x", `${server.baseUrl}/hang`, ctx({ timeoutMs: 5_000, signal: ac.signal }), { interpret: text }).catch(
      (e: unknown) => e,
    )) as SourceError;
    expect(err.failure).toBe("timeout");
    expect(performance.now() - t0).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a 4xx", async () => {
    server.respond(() => ({ status: 400, text: "bad" }));
    const err = (await httpGet("x", `${server.baseUrl}/a`, ctx(), {
      interpret: (r) => {
        throw new SourceError("http-error", "x", `HTTP ${r.status}`);
      },
    }).catch((e: unknown) => e)) as SourceError;
    expect(err.failure).toBe("http-error");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a connection the server resets", async () => {
    let n = 0;
    server.respond((_p, req) => {
      n += 1;
      if (n === 1) {
        req.socket.destroy();
        return { hang: true };
      }
      return { status: 200, text: "ok" };
    });
    expect(await httpGet("x", `${server.baseUrl}/reset`, ctx(), { interpret: text })).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("classifies a refused connection as unreachable without retrying", async () => {
    const err = (await httpGet("x", "http://127.0.0.1:1/", ctx(), { interpret: text }).catch((e: unknown) => e)) as SourceError;
    expect(err.failure).toBe("unreachable");
  });

  it("waits no longer than the budget for the limiter, then reports rate-limited without sending", async () => {
    server.respond(() => ({ status: 200, text: "ok" }));
    const limiter = new RateLimiter({ capacity: 1, refillPerSec: 0.1 });
    expect(await httpGet("x", `${server.baseUrl}/a`, ctx({ limiter }), { interpret: text })).toBe("ok");
    const err = (await httpGet("x", `${server.baseUrl}/a`, ctx({ limiter, timeoutMs: 200 }), { interpret: text }).catch((e: unknown) => e)) as SourceError;
    expect(err.failure).toBe("rate-limited");
    expect(server.requests).toHaveLength(1);
  });

  it("refuses a body larger than MAX_BODY_BYTES as malformed", async () => {
    server.respond(() => ({ status: 200, text: "x".repeat(MAX_BODY_BYTES + 1) }));
    const err = (await httpGet("x", `${server.baseUrl}/big`, ctx(), { interpret: text }).catch((e: unknown) => e)) as SourceError;
    expect(err.failure).toBe("malformed");
  });

  it("counts every attempt through onRequest", async () => {
    server.sequence([
      { status: 500, text: "" },
      { status: 200, text: "ok" },
    ]);
    const seen: string[] = [];
    await httpGet("x", `${server.baseUrl}/a`, ctx({ onRequest: (_id, url) => seen.push(url) }), {
      interpret: (r) => {
        if (r.status >= 500) throw new SourceError("http-error", "x", "5xx");
        return r.text;
      },
    });
    expect(seen).toHaveLength(2);
  });
});
