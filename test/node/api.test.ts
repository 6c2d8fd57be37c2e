import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { createApiServer, startApiServer } from "../../oracle-node/src/api/server";
import { createMetrics } from "../../oracle-node/src/metrics/metrics";
import type { NodeState } from "../../oracle-node/src/api/state";
import { buildState } from "./fixtures/node-state";

/** The value of one Prometheus sample with exactly these labels (in any order), or undefined. */
function sample(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split("\n")) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("api server", () => {
  it("reports liveness always and readiness only when the node is ready", async () => {
    let state: NodeState = buildState({ node: { ...buildState().node, ready: false, notReady: ["reading on-chain config"] } });
    app = createApiServer({ state: () => state });
    const live = await app.inject({ url: "/health/live" });
    expect(live.statusCode).toBe(200);
    const notReady = await app.inject({ url: "/health" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: "not-ready", live: true, ready: false, notReady: ["reading on-chain config"] });
    state = buildState();
    const ready = await app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ok", ready: true, node: "node-1" });
  });

  it("serves the named metrics in Prometheus text format", async () => {
    const metrics = createMetrics({ defaultLabels: { node: "node-1" } });
    metrics.roundsTotal.inc({ feed: "BTC/USD", outcome: "landed" });
    metrics.sourceDropsTotal.inc({ feed: "BTC/USD", source: "kraken", reason: "timeout" });
    metrics.sourceDropsTotal.inc({ feed: "BTC/USD", source: "thinex", reason: "model" }, 2);
    metrics.modelScore.observe({ feed: "BTC/USD" }, 0.97);
    metrics.gasUsed.observe({ feed: "BTC/USD" }, 91_234);
    metrics.peerUp.set({ peer: "0x22" }, 0);
    app = createApiServer({ state: () => buildState(), metrics });
    const res = await app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    const body = res.body;
    const node = { node: "node-1" };
    expect(sample(body, "oracle_rounds_total", { feed: "BTC/USD", outcome: "landed", ...node })).toBe(1);
    expect(sample(body, "oracle_source_drops_total", { feed: "BTC/USD", source: "thinex", reason: "model", ...node })).toBe(2);
    expect(sample(body, "oracle_source_drops_total", { feed: "BTC/USD", source: "kraken", reason: "timeout", ...node })).toBe(1);
    expect(sample(body, "oracle_model_score_bucket", { le: "0.99", feed: "BTC/USD", ...node })).toBe(1);
    expect(sample(body, "oracle_model_score_bucket", { le: "0.95", feed: "BTC/USD", ...node })).toBe(0);
    expect(sample(body, "oracle_gas_used_sum", { feed: "BTC/USD", ...node })).toBe(91234);
    expect(sample(body, "oracle_peer_up", { peer: "0x22", ...node })).toBe(0);
    expect(body).toContain("oracle_process_cpu_seconds_total");
  });

  it("sets the on-chain age, answer and peer health gauges from the state at every scrape", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const state = buildState();
    app = createApiServer({ state: () => state, metrics });
    const body = (await app.inject({ url: "/metrics" })).body;
    const age = sample(body, "oracle_onchain_age_seconds", { feed: "BTC/USD" })!;
    expect(age).toBeGreaterThanOrEqual(3);
    expect(age).toBeLessThan(10);
    expect(sample(body, "oracle_onchain_answer", { feed: "BTC/USD" })).toBe(67000.5);
    // peer 0 is the node itself (no series); peer 1 is down.
    expect(sample(body, "oracle_peer_up", { peer: "0x1111111111111111111111111111111111111111" })).toBeUndefined();
    expect(sample(body, "oracle_peer_up", { peer: "0x2222222222222222222222222222222222222222" })).toBe(0);
    state.peers[1].healthy = true;
    const later = (await app.inject({ url: "/metrics" })).body;
    expect(sample(later, "oracle_peer_up", { peer: "0x2222222222222222222222222222222222222222" })).toBe(1);
  });

  it("keeps two nodes' metrics apart in one process", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.observationsTotal.inc({ feed: "ETH/USD" });
    expect(sample(await b.registry.metrics(), "oracle_observations_total", { feed: "ETH/USD" })).toBeUndefined();
    expect(sample(await a.registry.metrics(), "oracle_observations_total", { feed: "ETH/USD" })).toBe(1);
  });

  it("answers 404 on /metrics when the node runs without metrics", async () => {
    app = createApiServer({ state: () => buildState() });
    expect((await app.inject({ url: "/metrics" })).statusCode).toBe(404);
  });

  it("serves the whole state, feed summaries and one feed by id", async () => {
    app = createApiServer({ state: () => buildState() });
    const state = await app.inject({ url: "/api/state" });
    expect(state.statusCode).toBe(200);
    expect(state.json().feeds[0].sources[2]).toMatchObject({ id: "thinex", dropped: true, reason: "model score 0.990" });
    const feeds = (await app.inject({ url: "/api/feeds" })).json();
    expect(feeds).toHaveLength(1);
    expect(feeds[0].history).toBeUndefined();
    expect(feeds[0].onchain.roundId).toBe("18446744073709551617");
    const one = await app.inject({ url: "/api/feed?id=" + encodeURIComponent("BTC/USD") });
    expect(one.statusCode).toBe(200);
    expect(one.json().history).toHaveLength(20);
    const unknown = await app.inject({ url: "/api/feed?id=DOGE/USD" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toContain("DOGE/USD");
    expect((await app.inject({ url: "/api/feed" })).statusCode).toBe(400);
  });

  it("serves a self-contained dashboard page that loads nothing from elsewhere", async () => {
    app = createApiServer({ state: () => buildState() });
    const res = await app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.body).toContain("api/state");
    expect(res.body).not.toMatch(/(src|href)=["']https?:/);
    expect(res.body).not.toMatch(/@import|url\(/);
    // Source ids, reasons and peer errors come from outside: the page builds DOM with
    // textContent only, never markup from data.
    expect(res.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it("answers 500 without crashing when the state cannot be read, then recovers", async () => {
    let broken = true;
    app = createApiServer({
      state: () => {
        if (broken) throw new Error("state not initialised");
        return buildState();
      },
    });
    const bad = await app.inject({ url: "/api/state" });
    expect(bad.statusCode).toBe(500);
    expect(bad.json()).toEqual({ error: "internal error" });
    broken = false;
    expect((await app.inject({ url: "/api/state" })).statusCode).toBe(200);
  });

  it("answers unknown routes and oversized bodies with 4xx", async () => {
    app = createApiServer({ state: () => buildState() });
    expect((await app.inject({ url: "/nope" })).statusCode).toBe(404);
    const big = await app.inject({ method: "POST", url: "/api/state", payload: "x".repeat(64 * 1024), headers: { "content-type": "text/plain" } });
    expect(big.statusCode).toBeGreaterThanOrEqual(400);
    expect(big.statusCode).toBeLessThan(500);
  });

  it("listens on a free loopback port", async () => {
    const running = await startApiServer({ state: () => buildState() });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(running.url + "/health");
      expect(res.status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
