import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Wallet, type JsonRpcProvider } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { deployFeeds, type Deployment } from "./deploy";
import { AggregatorReader, encodeTransmit } from "./aggregator";
import { makeProvider } from "./provider";
import { TransmissionWatcher } from "./transmission-watcher";
import { encodeReport, packSignatures, reportDigest, signReport } from "../protocol/report";

let chain: LocalChain;
let provider: JsonRpcProvider;
let d: Deployment;
let keys: Wallet[];

beforeAll(async () => {
  chain = await startLocalChain();
  provider = makeProvider(chain.url, chain.chainId);
  keys = chain.accounts.slice(1, 5).map((k) => new Wallet(k, provider));
  d = await deployFeeds(new Wallet(chain.accounts[0], provider), {
    feeds: [
      { description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD" },
      { description: "ETH / USD", decimals: 8, base: "ETH", quote: "USD", minAnswer: 1n, maxAnswer: 1000n, maxReportAgeSeconds: 120 },
    ],
    signers: keys.map((k) => k.address),
    transmitters: keys.map((k) => k.address),
    f: 1,
  });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

async function transmit(epoch: number, round: number, feeds: Array<{ feedIndex: number; observations: bigint[] }>): Promise<void> {
  const report = encodeReport({
    configDigest: d.configDigest,
    epoch,
    round,
    observationsTimestamp: Math.floor(Date.now() / 1000),
    feeds: feeds.map((f) => ({ feedIndex: f.feedIndex, observers: [0, 1, 2], observations: f.observations })),
  });
  const digest = reportDigest(report, { chainId: BigInt(chain.chainId), verifyingContract: d.aggregator });
  const sigs = packSignatures([0, 1].map((i) => ({ signerIndex: i, signature: signReport(keys[i], digest) })));
  await (await keys[0].sendTransaction({ to: d.aggregator, data: encodeTransmit(report, sigs) })).wait();
}

describe("TransmissionWatcher and AggregatorReader", () => {
  it("learns every transmission since its start, decoded to the answers the contract stored", async () => {
    const w = new TransmissionWatcher(provider, d.aggregator);
    await w.init();
    expect(await w.poll()).toEqual([]);
    await transmit(1, 1, [{ feedIndex: 0, observations: [100n, 101n, 103n] }]);
    await transmit(1, 2, [
      { feedIndex: 0, observations: [104n, 105n, 106n] },
      { feedIndex: 1, observations: [7n, 8n, 9n] },
    ]);
    const seen = await w.poll();
    expect(seen.map((t) => [t.epoch, t.round])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(seen[1].feeds.map((f) => [f.feedIndex, f.answer])).toEqual([
      [0, 105n],
      [1, 8n],
    ]);
    expect(seen[1].transmitter).toBe(keys[0].address);
    expect(await w.poll()).toEqual([]);
    const r = new AggregatorReader(provider, d.aggregator);
    expect((await r.latest(1)).answer).toBe(8n);
    expect(await r.latestEpochRound()).toMatchObject({ epoch: 1, round: 2 });
    expect((await r.committee()).signers).toEqual(keys.map((k) => k.address));
  });

  it("lists a refused out-of-bounds median apart from the feeds that moved; the reader sees the flag and the feed config", async () => {
    const w = new TransmissionWatcher(provider, d.aggregator);
    await w.init();
    await transmit(2, 1, [
      { feedIndex: 0, observations: [200n, 201n, 202n] },
      { feedIndex: 1, observations: [5000n, 5001n, 5002n] },
    ]);
    const [t] = await w.poll();
    expect(t.feeds.map((f) => [f.feedIndex, f.answer])).toEqual([[0, 201n]]);
    expect(t.refused).toEqual([{ feedIndex: 1, median: 5001n, minAnswer: 1n, maxAnswer: 1000n }]);
    expect(t.feeds[0].observationsTimestamp).toBeLessThanOrEqual(t.updatedAt);
    const r = new AggregatorReader(provider, d.aggregator);
    expect(await r.outOfBounds(1)).toMatchObject({ active: true, refusedMedian: 5001n, since: t.updatedAt });
    expect((await r.outOfBounds(0)).active).toBe(false);
    expect((await r.latest(1)).answer).toBe(8n);
    const feeds = await r.feeds();
    expect(feeds.map((f) => [f.maxReportAgeSeconds, f.minAnswer, f.maxAnswer])).toEqual([
      [300, -(1n << 127n), (1n << 127n) - 1n],
      [120, 1n, 1000n],
    ]);
  });

  it("counts failed polls while the RPC is unreachable and never throws", async () => {
    const dead = makeProvider("http://127.0.0.1:9", chain.chainId, 500);
    const w = new TransmissionWatcher(dead, d.aggregator);
    expect(await w.poll()).toEqual([]);
    expect(await w.poll()).toEqual([]);
    expect(w.failures).toBe(2);
    dead.destroy();
  });
});
