import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { fundedAccountKeys } from "../../scripts/demo/chain";
import { spawnLocalChain, type ChildChain } from "../../scripts/demo/chain-process";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee, type FeedPlan } from "./harness/committee";
import { waitFor } from "./harness/wait";
import { parseDecimal } from "../../oracle-node/src/quotes/decimal";
import { deviates } from "../../oracle-node/src/protocol/round-decision";

/**
 * Two chains served by one committee: chain A is this process's in-process Hardhat chain (id
 * 31337), chain B a second Hardhat chain in a child process (id 31338). Each of the 4 oracles
 * runs one protocol instance per chain side by side, as `oracle-node start` does for a config with
 * `chains` (config/chain-instances.ts): same key on both chains (the shared-key case), its own
 * committee config, peer port, SQLite file and transaction manager per chain. Both feeds reach
 * both chains, and the instances never confuse each other's digests.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
const FEEDS: FeedPlan[] = [
  { id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
  { id: "ETH/USD", pair: "ETH/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
];
const CHAIN_B_ID = 31338;
let a: Committee;
let b: Committee;
let childChain: ChildChain;
const nodes: Array<{ a: RunningNode; b: RunningNode }> = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-two-chains-"));

beforeAll(async () => {
  a = await setupCommittee({ n: 4, f: 1, feeds: FEEDS });
  childChain = await spawnLocalChain(CHAIN_B_ID);
  b = await setupCommittee({ n: 4, f: 1, feeds: FEEDS, chain: { ...childChain, accounts: fundedAccountKeys() } });
  for (let i = 0; i < 4; i++) {
    const onA = await startNode(runtimeOptions(a, i, dir, { timing: TEST_TIMING }));
    const onB = await startNode(runtimeOptions(b, i, dir, { name: `node-${i}/b`, databasePath: join(dir, `node-${i}.b.sqlite`), timing: TEST_TIMING }));
    nodes.push({ a: onA, b: onB });
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.flatMap((n) => [n.a.stop(), n.b.stop()]));
  await b?.close();
  await childChain?.close();
  await a?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("one committee, two chains", () => {
  it("puts both feeds on both chains, each instance on its own chain id with one key", async () => {
    await waitFor(() => nodes.every((n) => [n.a, n.b].every((x) => x.state().feeds.every((f) => f.onchain !== null))), 45_000, "both feeds on both chains");
    for (const n of nodes) {
      expect(n.a.address).toBe(n.b.address);
      expect(n.a.state().node.chainId).toBe(31337);
      expect(n.b.state().node.chainId).toBe(CHAIN_B_ID);
    }
    const txA = nodes.flatMap((n) => n.a.state().txs).filter((t) => t.status === "confirmed").length;
    const txB = nodes.flatMap((n) => n.b.state().txs).filter((t) => t.status === "confirmed").length;
    expect(txA).toBeGreaterThanOrEqual(1);
    expect(txB).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("chain B's instances follow a 3% move of chain B's market", async () => {
    b.sim.shiftMarket("BTC", 1.03);
    const fair = parseDecimal(b.sim.fairPrice("BTC/USD"));
    await waitFor(
      () => {
        const on = nodes[2].b.state().feeds[0].onchain;
        return on !== null && !deviates(parseDecimal(on.answer), fair, 30);
      },
      15_000,
      "chain B's BTC answer follows the move",
    );
  }, 30_000);
});
