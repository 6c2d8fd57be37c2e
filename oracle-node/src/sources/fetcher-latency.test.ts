import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../metrics";
import { SourceFetcher } from "./fetcher";
import { getAdapter } from "./registry";
import { startFixtureServer, type FixtureServer } from "../../../test/support/sources/fixture-server";
import { loadFixture } from "../../../test/support/sources/fixtures";

/** Answer delay of the good server: the histogram must see at least this much. */
const SLOW_MS = 60;

let ok: FixtureServer;
let flaky: FixtureServer;
let hanging: FixtureServer;
beforeAll(async () => {
  const okx = loadFixture("okx");
  ok = await startFixtureServer(() => ({ ...okx.ok, delayMs: SLOW_MS }));
  flaky = await startFixtureServer();
  hanging = await startFixtureServer(() => ({ hang: true }));
});
afterAll(async () => {
  await Promise.all([ok.close(), flaky.close(), hanging.close()]);
});

const now = () => loadFixture("okx").now;

/** `name_count` / `name_sum` of one labelled histogram series in the Prometheus text. */
function histogram(text: string, name: string, labels: Record<string, string>): { count: number; sum: number } | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const pick = (suffix: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name}_${suffix}{`) && want.every((w) => l.includes(w)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  const count = pick("count");
  const sum = pick("sum");
  return count === undefined || sum === undefined ? undefined : { count, sum };
}

describe("SourceFetcher onResponse -> oracle_source_latency_seconds", () => {
  it("times every HTTP attempt, labelled by source and outcome (ok or the failure class)", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const calls: Array<{ source: string; outcome: string }> = [];
    const perRound: string[] = [];
    const fetcher = new SourceFetcher({
      rateLimits: false,
      onResponse: (source, seconds, outcome) => {
        calls.push({ source, outcome });
        metrics.sourceLatency.observe({ source, outcome }, seconds);
      },
    });
    // A 5xx then a good answer: two attempts, the first a retried http-error.
    const okx = loadFixture("okx");
    flaky.sequence([{ status: 503, text: "busy" }, okx.ok]);
    const out = await fetcher.fetchAll(
      [
        { sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USD" }], baseUrl: ok.baseUrl },
        { sourceId: "bybit", adapter: getAdapter("bybit"), requests: [{ pair: "BTC/USD" }], baseUrl: hanging.baseUrl },
        { sourceId: "flaky", adapter: { ...getAdapter("okx"), id: "flaky" }, requests: [{ pair: "BTC/USD" }], baseUrl: flaky.baseUrl },
      ],
      { timeoutMs: 200, now, maxRetries: 1, onResponse: (source) => perRound.push(source) },
    );
    expect(out.get("okx")![0].ok).toBe(true);
    expect(out.get("flaky")![0].ok).toBe(true);
    expect(out.get("bybit")![0].ok).toBe(false);

    const text = await metrics.registry.metrics();
    const good = histogram(text, "oracle_source_latency_seconds", { source: "okx", outcome: "ok" })!;
    expect(good.count).toBe(1);
    expect(good.sum).toBeGreaterThanOrEqual((SLOW_MS - 5) / 1000);
    expect(good.sum).toBeLessThan(2);
    // The hanging source: one attempt per try, each cut at the timeout.
    const timedOut = histogram(text, "oracle_source_latency_seconds", { source: "bybit", outcome: "timeout" })!;
    expect(timedOut.count).toBe(2);
    expect(timedOut.sum).toBeGreaterThanOrEqual(0.38);
    expect(histogram(text, "oracle_source_latency_seconds", { source: "flaky", outcome: "http-error" })?.count).toBe(1);
    expect(histogram(text, "oracle_source_latency_seconds", { source: "flaky", outcome: "ok" })?.count).toBe(1);
    // Every attempt reaches both the fetcher's hook and the round's, and is counted as a request.
    expect(calls).toHaveLength(5);
    expect(perRound.sort()).toEqual(calls.map((c) => c.source).sort());
    expect(fetcher.totalRequests()).toBe(5);
  });

  it("a hook that throws never fails the source", async () => {
    const fetcher = new SourceFetcher({
      rateLimits: false,
      onResponse: () => {
        throw new Error("metrics broke");
      },
    });
    const out = await fetcher.fetchAll([{ sourceId: "okx", adapter: getAdapter("okx"), requests: [{ pair: "BTC/USD" }], baseUrl: ok.baseUrl }], {
      timeoutMs: 500,
      now,
    });
    expect(out.get("okx")![0].ok).toBe(true);
  });
});
