import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider } from "ethers";
import { AggregatorReader } from "../../oracle-node/src/chain/aggregator";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { waitFor } from "./harness/wait";

/**
 * A market leaving a feed's bounds (issue 12, LUNA in May 2022): the committee's reports land,
 * the contract keeps the feed's answer and `updatedAt` (staleness checks fire), records the
 * refused median and since when; every node shows it; the other feed of the batch updates; a
 * median back inside the bounds clears the flag.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
let c: Committee;
let provider: JsonRpcProvider;
let reader: AggregatorReader;
const nodes: RunningNode[] = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-oob-"));

beforeAll(async () => {
  c = await setupCommittee({
    n: 4,
    f: 1,
    feeds: [
      { id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600, boundsAroundFair: 0.05 },
      { id: "ETH/USD", pair: "ETH/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
    ],
  });
  provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  reader = new AggregatorReader(provider, c.deployment.aggregator);
  for (let i = 0; i < 4; i++) nodes.push(await startNode(runtimeOptions(c, i, dir, { timing: TEST_TIMING })));
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  provider?.destroy();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a median outside the feed's bounds", () => {
  it("lands without moving the answer, is readable on chain and shown by every node, and clears back in bounds", async () => {
    await waitFor(() => nodes[0].state().feeds.every((f) => f.onchain !== null), 30_000, "first rounds on chain");
    const held = await reader.latest(0);
    const ethBefore = await reader.latest(1);
    // BTC falls 20 %, far under its lower bound (fair - 5 %); ETH moves 2 % in the same rounds.
    c.sim.shiftMarket("BTC", 0.8);
    c.sim.shiftMarket("ETH", 1.02);
    await waitFor(async () => (await reader.outOfBounds(0)).active, 20_000, "BTC refused as out of bounds on chain");
    const oob = await reader.outOfBounds(0);
    const bounds = (await reader.feeds())[0];
    expect(oob.refusedMedian < bounds.minAnswer).toBe(true);
    const after = await reader.latest(0);
    expect(after.answer).toBe(held.answer);
    expect(after.updatedAt).toBe(held.updatedAt);
    expect(after.roundId).toBe(held.roundId);
    expect(oob.since).toBeGreaterThanOrEqual(held.updatedAt);
    await waitFor(async () => (await reader.latest(1)).updatedAt > ethBefore.updatedAt, 20_000, "ETH updates normally");
    await waitFor(() => nodes.every((n) => n.state().feeds[0].outOfBounds?.active === true), 10_000, "every node shows the flag");
    expect(Number(nodes[1].state().feeds[0].outOfBounds!.refusedMedian)).toBeLessThan(Number(bounds.minAnswer) / 1e8);
    expect(nodes[0].state().feeds[1].outOfBounds).toBeUndefined();
    // Back inside the bounds: a median lands, the flag clears on chain and on every node.
    c.sim.shiftMarket("BTC", 1.25);
    await waitFor(async () => !(await reader.outOfBounds(0)).active, 20_000, "flag cleared on chain");
    expect((await reader.latest(0)).updatedAt).toBeGreaterThan(held.updatedAt);
    await waitFor(() => nodes.every((n) => n.state().feeds[0].outOfBounds === undefined), 10_000, "every node clears the flag");
  }, 90_000);
});
