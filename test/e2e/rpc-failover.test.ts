import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import type { TxOutcome } from "../../oracle-node/src/chain/tx-manager";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { TcpProxy } from "./harness/tcp-proxy";
import { waitFor } from "./harness/wait";

/**
 * RPC failover end to end, in one process: 4 nodes (f = 1), two feeds on a 3 s heartbeat, each
 * node with two endpoints of the one chain: a TCP proxy as its primary `rpcUrl` and the chain's
 * own server as its fallback. The primary is killed mid-run: rounds go on through the fallback
 * (at most one heartbeat round missed per feed), no nonce errors pile up, the dashboard state
 * shows the primary demoted; brought back, it is promoted again.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
const HEARTBEAT_SEC = 3;
/** One heartbeat round may be lost at the switch; more would be a failover failure. Slack: a round's own latency and the backup stagger. */
const MAX_GAP_MS = 2 * HEARTBEAT_SEC * 1000 + 2_500;
let c: Committee;
let primary: TcpProxy;
const nodes: RunningNode[] = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-failover-"));
/** Arrival times (ms) of each feed's on-chain updates, as node 0's watcher saw them. */
const arrivals = new Map<number, number[]>();
const txs: TxOutcome[] = [];

beforeAll(async () => {
  c = await setupCommittee({
    n: 4,
    f: 1,
    feeds: [
      { id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 500, heartbeatSec: HEARTBEAT_SEC },
      { id: "ETH/USD", pair: "ETH/USD", decimals: 8, sources: VENUES, deviationBps: 500, heartbeatSec: HEARTBEAT_SEC },
    ],
  });
  const url = new URL(c.chain.url);
  primary = new TcpProxy(url.hostname, Number(url.port));
  await primary.start();
  for (let i = 0; i < 4; i++) {
    const n = await startNode(
      runtimeOptions(c, i, dir, {
        rpcUrl: primary.url,
        fallbackRpcUrls: [c.chain.url],
        rpcHealth: { checkIntervalMs: 200, maxLagBlocks: 3, recoverChecks: 2, timeoutMs: 1_000 },
        timing: TEST_TIMING,
      }),
    );
    n.events.on("tx", (o: TxOutcome) => txs.push(o));
    nodes.push(n);
  }
  nodes[0].events.on("transmission", (t: { feeds: Array<{ feedIndex: number }> }) => {
    for (const f of t.feeds) arrivals.set(f.feedIndex, [...(arrivals.get(f.feedIndex) ?? []), Date.now()]);
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await primary?.stop();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

function longestGapAfter(feedIndex: number, from: number, until: number): number {
  const times = [from, ...(arrivals.get(feedIndex) ?? []).filter((t) => t > from && t <= until), until];
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  return gap;
}

describe("RPC failover", () => {
  it("every node reads from its primary while it is healthy", async () => {
    await waitFor(() => [0, 1].every((f) => (arrivals.get(f)?.length ?? 0) >= 1), 30_000, "both feeds on chain");
    for (const n of nodes) {
      const rpc = n.state().rpcProviders;
      expect(rpc.map((p) => p.status)).toEqual(["healthy", "healthy"]);
      expect(rpc[0].preferred).toBe(true);
    }
  }, 40_000);

  it("keeps both feeds updating when the primary dies, with no nonce-error storm", async () => {
    const killedAt = Date.now();
    const txsBefore = txs.length;
    await primary.stop();
    await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_SEC * 1000));
    const until = Date.now();
    for (const f of [0, 1]) {
      const after = (arrivals.get(f) ?? []).filter((t) => t > killedAt).length;
      expect(after, `feed ${f} updates after the kill`).toBeGreaterThanOrEqual(2);
      expect(longestGapAfter(f, killedAt, until), `feed ${f} longest gap`).toBeLessThanOrEqual(MAX_GAP_MS);
    }
    for (const n of nodes) {
      const rpc = n.state().rpcProviders;
      expect(rpc[0].status).toBe("failing");
      expect(rpc[1]).toMatchObject({ status: "healthy", preferred: true });
    }
    const since = txs.slice(txsBefore);
    const nonceErrors = since.filter((o) => o.error?.kind === "nonce-too-low" || o.error?.kind === "replacement-underpriced").length;
    expect(since.filter((o) => o.status === "confirmed").length).toBeGreaterThanOrEqual(2);
    expect(nonceErrors, "nonce errors after the kill").toBeLessThanOrEqual(1);
  }, 40_000);

  it("promotes the primary again once it is back", async () => {
    await primary.start(); // same port
    await waitFor(
      () => nodes.every((n) => n.state().rpcProviders[0].status === "healthy" && n.state().rpcProviders[0].preferred),
      10_000,
      "primary healthy and preferred on every node",
    );
    expect(nodes[0].state().rpcProviders[0].demotions).toBeGreaterThanOrEqual(1);
  }, 20_000);
});
