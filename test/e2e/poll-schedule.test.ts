import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { setupCommittee, runtimeOptions, type Committee } from "./harness/committee";
import { waitFor } from "./harness/wait";

/**
 * The node's poll schedule in a real committee (in one process): two feeds with their own
 * `pollIntervalMs`, one on a sub-second timer and one on node-cron, each polled at its own
 * cadence, and both reaching the chain.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
const FAST_MS = 250;
const SLOW_MS = 1_000;
let c: Committee;
const nodes: RunningNode[] = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-poll-"));

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
    const opts = runtimeOptions(c, i, dir);
    opts.feeds[0].pollIntervalMs = FAST_MS;
    opts.feeds[1].pollIntervalMs = SLOW_MS;
    nodes.push(await startNode(opts));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("poll schedule in a committee", () => {
  it("polls each feed at its own interval and both reach the chain", async () => {
    await waitFor(() => nodes[0].state().feeds.every((f) => f.onchain !== null), 20_000, "first rounds on chain");
    const node = nodes[3].node;
    const before = [node.pollStats(0), node.pollStats(1)];
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    const t1 = Date.now();
    const after = [node.pollStats(0), node.pollStats(1)];
    const ticks = (ms: number) => Math.floor(t1 / ms) - Math.floor(t0 / ms);
    const fast = after[0].polls - before[0].polls + (after[0].skipped - before[0].skipped);
    const slow = after[1].polls - before[1].polls + (after[1].skipped - before[1].skipped);
    // Every tick is a poll or a skip; a late timer on a busy machine may drop one, never add one.
    expect(fast).toBeLessThanOrEqual(ticks(FAST_MS));
    expect(fast).toBeGreaterThanOrEqual(ticks(FAST_MS) - 4);
    expect(slow).toBeLessThanOrEqual(ticks(SLOW_MS));
    expect(slow).toBeGreaterThanOrEqual(ticks(SLOW_MS) - 1);
    expect(after[1].lastPollAt! % SLOW_MS).toBeLessThan(200);
    expect(after[0].failures + after[1].failures).toBe(0);
  }, 60_000);
});
