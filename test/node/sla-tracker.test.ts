import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Wallet, type JsonRpcProvider } from "ethers";
import { startLocalChain, type LocalChain } from "../../scripts/demo/chain";
import { deployFeeds, type Deployment } from "../../oracle-node/src/chain/deploy";
import { AggregatorReader, encodeTransmit } from "../../oracle-node/src/chain/aggregator";
import { makeProvider } from "../../oracle-node/src/chain/provider";
import { TransmissionWatcher } from "../../oracle-node/src/chain/transmission-watcher";
import { encodeReport, packSignatures, reportDigest, signReport } from "../../oracle-node/src/protocol/report";
import { silentLogger } from "../../oracle-node/src/log/logger";
import { DEFAULT_TIMING } from "../../oracle-node/src/node/options";
import type { NodeContext } from "../../oracle-node/src/node/context";
import { Evidence } from "../../oracle-node/src/node/evidence";
import { SlaTracker } from "../../oracle-node/src/node/sla-tracker";
import type { EquivocationProof } from "../../oracle-node/src/economics/equivocation";

let chain: LocalChain;
let provider: JsonRpcProvider;
let d: Deployment;
let keys: Wallet[];

beforeAll(async () => {
  chain = await startLocalChain();
  provider = makeProvider(chain.url, chain.chainId);
  keys = chain.accounts.slice(1, 5).map((k) => new Wallet(k, provider));
  d = await deployFeeds(new Wallet(chain.accounts[0], provider), {
    feeds: [{ description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD" }],
    signers: keys.map((k) => k.address),
    transmitters: keys.map((k) => k.address),
    f: 1,
  });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

function signed(epoch: number, round: number, observations: bigint[], ts: number, signers: number[]): { report: string; sigs: string[] } {
  const report = encodeReport({
    configDigest: d.configDigest,
    epoch,
    round,
    observationsTimestamp: ts,
    feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations }],
  });
  const digest = reportDigest(report, { chainId: BigInt(chain.chainId), verifyingContract: d.aggregator });
  return { report, sigs: signers.map((i) => signReport(keys[i], digest)) };
}

async function context(myIndex: number): Promise<NodeContext> {
  const committee = await new AggregatorReader(provider, d.aggregator).committee();
  return {
    name: `node-${myIndex}`,
    address: keys[myIndex].address,
    key: keys[myIndex].signingKey,
    chainId: chain.chainId,
    aggregator: d.aggregator,
    committee,
    myIndex,
    feeds: new Map(),
    timing: DEFAULT_TIMING,
    log: silentLogger,
  };
}

describe("the node's live SLA and equivocation evidence on a real chain", () => {
  it("proves a member whose landed report differs from the final report it signed for the same round, and scores the landed rounds", async () => {
    const ctx = await context(3);
    const proofs: EquivocationProof[] = [];
    const evidence = new Evidence({ ctx, maxRoundsPerSigner: 16, log: silentLogger, onProof: (p) => proofs.push(p) });
    const tracker = new SlaTracker({
      ctx,
      tx: (h) => provider.getTransaction(h),
      receipt: (h) => provider.getTransactionReceipt(h),
      evidence,
      log: silentLogger,
    });
    const watcher = new TransmissionWatcher(provider, d.aggregator);
    await watcher.init();
    const now = Math.floor(Date.now() / 1000);
    // Member 1 signs report B for (1, 1) and sends it as a final report; report A for (1, 1), also
    // signed by it, lands on chain through member 0.
    const b = signed(1, 1, [100n, 101n, 102n], now - 1, [1, 2]);
    evidence.recordUnindexed(b.report, b.sigs);
    const a = signed(1, 1, [100n, 101n, 103n], now, [0, 1]);
    const sigsA = packSignatures([0, 1].map((i, k) => ({ signerIndex: i, signature: a.sigs[k] })));
    await (await keys[0].sendTransaction({ to: d.aggregator, data: encodeTransmit(a.report, sigsA) })).wait();
    const c = signed(1, 2, [100n, 100n, 110n], now, [0, 2]);
    const sigsC = packSignatures([0, 2].map((i, k) => ({ signerIndex: i, signature: c.sigs[k] })));
    await (await keys[0].sendTransaction({ to: d.aggregator, data: encodeTransmit(c.report, sigsC) })).wait();
    for (const t of await watcher.poll()) tracker.add(t);
    await tracker.drain();
    expect(proofs.map((p) => [p.signerIndex, p.epoch, p.round])).toEqual([[1, 1, 1]]);
    expect(proofs[0].reportA).toBe(b.report);
    expect(proofs[0].reportB).toBe(a.report);
    const sla = tracker.current()!;
    expect(sla.reports).toBe(2);
    expect(sla.oracles.map((o) => o.inclusionRate)).toEqual([1, 1, 1, 0]);
    expect(sla.oracles.map((o) => o.signed)).toEqual([2, 1, 1, 0]);
    expect(sla.oracles[0].transmissionsLanded).toBe(2);
    expect(sla.oracles[0].gasSpentWei > 0n).toBe(true);
    expect(sla.oracles[2].deviationBps?.max).toBe(1000);
  });

  it("never proves the node's own key, even when its own signature is on both reports", async () => {
    const ctx = await context(1);
    const proofs: EquivocationProof[] = [];
    const evidence = new Evidence({ ctx, maxRoundsPerSigner: 16, log: silentLogger, onProof: (p) => proofs.push(p) });
    const x = signed(5, 1, [1n, 2n, 3n], 10, [1]);
    const y = signed(5, 1, [1n, 2n, 4n], 10, [1]);
    evidence.recordUnindexed(x.report, x.sigs);
    evidence.recordUnindexed(y.report, y.sigs);
    expect(proofs).toEqual([]);
  });
});
