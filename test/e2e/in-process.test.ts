import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { parseDecimal } from "../../oracle-node/src/quotes/decimal";
import { attach } from "../../oracle-node/src/chain/deploy";
import { deviates } from "../../oracle-node/src/protocol/round-decision";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { createMetrics } from "../../oracle-node/src/metrics";
import { MESSAGE_PATH } from "../../oracle-node/src/transport/peer-network";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { waitFor } from "./harness/wait";

/**
 * The committee in one process (fast to debug, same code as the separate-process e2e): 4 nodes,
 * f = 1, two feeds; a market move past the threshold reaches the chain; a new config on chain
 * is noticed.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
let c: Committee;
const nodes: RunningNode[] = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-inproc-"));
const metrics0 = createMetrics({ processMetrics: false });

/** The value of the first series of `name` carrying every one of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(name + "{") && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

beforeAll(async () => {
  c = await setupCommittee({
    n: 4,
    f: 1,
    feeds: [
      { id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
      { id: "ETH/USD", pair: "ETH/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
    ],
  });
  for (let i = 0; i < 4; i++) {
    // Node 0 runs the anomaly model (a mixed committee) and exports metrics, checked below.
    const extra = i === 0 ? { metrics: metrics0, filter: { kind: "onnx" as const } } : {};
    nodes.push(await startNode(runtimeOptions(c, i, dir, { timing: { ...TEST_TIMING, configCheckMs: 500 }, ...extra })));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("in-process committee", () => {
  it("puts both feeds on chain, then follows a 2% market move", async () => {
    await waitFor(() => nodes[0].state().feeds.every((f) => f.onchain !== null), 20_000, "first rounds on chain");
    c.sim.shiftMarket("BTC", 1.02);
    const fair = parseDecimal(c.sim.fairPrice("BTC/USD"));
    await waitFor(
      () => {
        const on = nodes[1].state().feeds[0].onchain;
        return on !== null && !deviates(parseDecimal(on.answer), fair, 30);
      },
      10_000,
      "BTC answer follows the move",
    );
    expect(nodes.some((n) => n.state().txs.some((t) => t.status === "confirmed"))).toBe(true);
  }, 60_000);

  it("shows every peer up on every node, followers included, and in oracle_peer_up", async () => {
    // Followers exchange no round messages with each other: only authenticated traffic and pings tell them.
    await waitFor(() => nodes.every((n) => n.state().peers.every((p) => p.healthy)), 15_000, "every node sees every peer up");
    const self = nodes[0].state().node.address;
    const text = await metrics0.registry.metrics();
    for (const p of nodes[0].state().peers) {
      if (p.address !== self) expect(sample(text, "oracle_peer_up", { peer: p.address })).toBe(1);
    }
  }, 30_000);

  it("records model scores, source latency and peer rejects in the node's metrics", async () => {
    const port = runtimeOptions(c, 0, dir).listenPort;
    const res = await fetch(`http://127.0.0.1:${port}${MESSAGE_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    const text = await metrics0.registry.metrics();
    // Every quote the model scored, kept or dropped: five venues a feed, at least one round each.
    expect(sample(text, "oracle_model_score_count", { feed: "BTC/USD" })).toBeGreaterThanOrEqual(VENUES.length);
    expect(sample(text, "oracle_model_score_count", { feed: "ETH/USD" })).toBeGreaterThanOrEqual(VENUES.length);
    for (const v of VENUES) expect(sample(text, "oracle_source_latency_seconds_count", { source: v, outcome: "ok" })).toBeGreaterThan(0);
    expect(sample(text, "oracle_peer_rejects_total", { reason: "malformed", peer: "unknown" })).toBe(1);
  });

  it("notices a new config on chain and reports it as fatal (the CLI exits so it restarts)", async () => {
    const fatal = new Promise<string>((resolve) => nodes[2].events.once("fatal", resolve));
    const provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const agg = attach("QuorumAggregator", c.deployment.aggregator, new Wallet(c.chain.accounts[0], provider));
    await (await agg.getFunction("setConfig")(c.addresses, c.addresses, 1, "0x01")).wait();
    provider.destroy();
    const reason = await Promise.race([fatal, new Promise<string>((r) => setTimeout(() => r("none"), 10_000))]);
    expect(reason).toMatch(/config digest changed/);
    expect(nodes[2].state().node.ready).toBe(false);
  }, 30_000);
});
