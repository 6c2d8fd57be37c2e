import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, ContractFactory, JsonRpcProvider, Wallet, type Interface } from "ethers";
import { aggregatorInterface } from "../../oracle-node/src/chain/aggregator";
import { loadArtifact } from "../../oracle-node/src/chain/artifacts";
import { deployFeeds } from "../../oracle-node/src/chain/deploy";
import { fundedAccountKeys } from "../../scripts/demo/chain";
import { spawnLocalChain, type ChildChain } from "../../scripts/demo/chain-process";
import { committeeFromChain, consumerCalldata, fetchLatestReport, verifyReportCalldata } from "../../oracle-node/src/pull/client";
import type { PullCommittee, VerifiedReport } from "../../oracle-node/src/pull/verify";
import { freePorts, setupCommittee, writeNodeConfig, type Committee, type FeedPlan } from "./harness/committee";
import { NodeProcess } from "./harness/node-process";
import { waitFor } from "./harness/wait";

/**
 * Pull reports end to end: 4 oracle node processes (f = 1) with a pull feed sign a report every
 * poll (250 ms here) and serve it at GET /v1/reports/latest; a trader fetches one through the
 * client helper (any f+1 nodes, first valid wins) and opens and closes a PerpConsumer position
 * at the pulled prices in its own transactions. What the contract must refuse is refused: f
 * signatures, the report on another aggregator (other config digest) and on another chain with
 * the same committee at the same address, and a report older than the maximum age. The nodes
 * also serve that second chain (config `chains`): its reports come from the same API with
 * `chain=b`, verify there and are refused on the first chain.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
const FEEDS: FeedPlan[] = [
  { id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
  { id: "ETH/USD", pair: "ETH/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600, pull: true },
];
const PULL_FEED = 1;
/** PerpConsumer's own maximum report age, under the aggregator's 300 s. */
const PERP_MAX_AGE = 20;
const N = 4;

let c: Committee;
let provider: JsonRpcProvider;
let trader: Wallet;
let perp: Contract;
let committee: PullCommittee;
let apiUrls: string[] = [];
const nodes: NodeProcess[] = [];
/** The second chain the same node processes serve (config `chains`, name "b"). */
let chainB: ChildChain;
let providerB: JsonRpcProvider;
let aggregatorB: string;
const dir = mkdtempSync(join(tmpdir(), "oracle-pull-"));
const perpIface = (): Interface => perp.interface;
const deploySpec = (addresses: string[]) => ({
  feeds: FEEDS.map((f) => ({ description: f.pair, decimals: f.decimals, base: f.pair.split("/")[0], quote: "USD" })),
  signers: addresses,
  transmitters: addresses,
  f: 1,
});

/** Node i's `chains[]` entry for chain B: its own peer port and database, the same key, no API of its own. */
function chainBEntry(i: number, portsB: number[]) {
  return {
    name: "b",
    chain: { rpcUrl: chainB.url, chainId: chainB.chainId, aggregator: aggregatorB, confirmations: 1 },
    peers: portsB.map((p, k) => ({ index: k, url: `http://127.0.0.1:${p}` })).filter((p) => p.index !== i),
    listen: { port: portsB[i] },
    database: { path: join(dir, `node-${i}.b.sqlite`) },
  };
}

beforeAll(async () => {
  [c, chainB] = await Promise.all([setupCommittee({ n: N, f: 1, feeds: FEEDS }), spawnLocalChain(31338)]);
  providerB = new JsonRpcProvider(chainB.url, chainB.chainId, { staticNetwork: true, cacheTimeout: -1 });
  aggregatorB = (await deployFeeds(new Wallet(fundedAccountKeys()[0], providerB), deploySpec(c.addresses))).aggregator;
  const [ports, portsB] = [await freePorts(N), await freePorts(N)];
  apiUrls = ports.map((p) => `http://127.0.0.1:${p}`);
  for (let i = 0; i < N; i++) nodes.push(new NodeProcess(i, await writeNodeConfig(c, i, dir, { apiPort: ports[i], chains: [chainBEntry(i, portsB)] })));
  for (const n of nodes) n.start();
  provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  trader = new Wallet(c.chain.accounts[10], provider);
  const { abi, bytecode } = loadArtifact("PerpConsumer");
  perp = (await new ContractFactory(abi, bytecode, trader).deploy(c.deployment.aggregator, PULL_FEED, PERP_MAX_AGE, 50)) as Contract;
  await perp.waitForDeployment();
  committee = await committeeFromChain(provider, c.deployment.aggregator);
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
  providerB?.destroy();
  await chainB?.close();
  provider?.destroy();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The latest report through the client helper, retried until the committee has signed one newer than `after`. */
async function pulled(after = 0, of: PullCommittee = committee, chain?: string): Promise<VerifiedReport> {
  let got: VerifiedReport | null = null;
  await waitFor(
    async () => {
      got = await fetchLatestReport({ nodes: apiUrls, feeds: [PULL_FEED], committee: of, chain, maxAgeSeconds: PERP_MAX_AGE }).catch(() => null);
      return got !== null && got.observationsTimestamp > after;
    },
    45_000,
    `a pull report newer than ${after}`,
  );
  return got!;
}

/** The custom error a call reverts with, decoded with the aggregator's and the consumer's errors. */
async function revertOf(to: string, data: string, p: JsonRpcProvider = provider): Promise<string> {
  try {
    await p.call({ to, data });
  } catch (err) {
    const raw = (err as { data?: string }).data ?? "0x";
    const e = aggregatorInterface().parseError(raw) ?? perpIface().parseError(raw);
    return e?.name ?? `undecoded ${raw}`;
  }
  return "no revert";
}

describe("pull reports, consumer end to end", () => {
  it("a position opens and closes at prices pulled from the nodes through the client helper", async () => {
    const entry = await pulled();
    expect(entry.feeds[0].feedIndex).toBe(PULL_FEED);
    expect(entry.ageMs).toBeLessThan(5_000);
    const open = await (await trader.sendTransaction({ to: await perp.getAddress(), data: consumerCalldata(perpIface(), "open", [3n], entry) })).wait();
    const opened = open!.logs.map((l) => perpIface().parseLog(l)).find((l) => l?.name === "PositionOpened");
    expect(opened?.args.price).toBe(entry.feeds[0].answer);
    const exit = await pulled(entry.observationsTimestamp);
    const close = await (await trader.sendTransaction({ to: await perp.getAddress(), data: consumerCalldata(perpIface(), "close", [], exit) })).wait();
    const closed = close!.logs.map((l) => perpIface().parseLog(l)).find((l) => l?.name === "PositionClosed");
    expect(closed?.args.price).toBe(exit.feeds[0].answer);
    expect(closed?.args.pnl).toBe(3n * (exit.feeds[0].answer - entry.feeds[0].answer));
  }, 60_000);

  it("every node serves the same committee's reports, and the API names the chain", async () => {
    const res = await fetch(`${apiUrls[2]}/v1/reports/latest?feeds=ETH/USD&chain=${c.chain.chainId}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { chain: { chainId: number; aggregator: string }; report: string };
    expect(body.chain).toEqual({ name: "", chainId: c.chain.chainId, aggregator: c.deployment.aggregator });
    expect((await fetch(`${apiUrls[2]}/v1/reports/latest?feeds=BTC/USD`)).status).toBe(404);
    expect((await fetch(`${apiUrls[2]}/v1/reports/latest?feeds=ETH/USD&chain=999`)).status).toBe(404);
  });

  it("refuses on chain a report with only f signatures, and one meant for another aggregator or another chain", async () => {
    const r = await pulled();
    const agg = c.deployment.aggregator;
    expect(await revertOf(agg, verifyReportCalldata(r))).toBe("no revert");
    const fSigs = { report: r.report, signatures: r.signatures.slice(0, 2 + 2 * 65 * committee.f) };
    expect(await revertOf(agg, verifyReportCalldata(fSigs))).toBe("WrongSignatureCount");
    expect(await revertOf(await perp.getAddress(), consumerCalldata(perpIface(), "open", [1n], fSigs))).toBe("WrongSignatureCount");
    // The same committee on a second aggregator of this chain: another config digest.
    const other = await deployFeeds(new Wallet(c.chain.accounts[0], provider), deploySpec(c.addresses));
    expect(await revertOf(other.aggregator, verifyReportCalldata(r))).toBe("ConfigDigestMismatch");
    // Chain B: the same committee, its aggregator at the same address, served by the same processes.
    expect(aggregatorB).toBe(agg);
    expect(await revertOf(aggregatorB, verifyReportCalldata(r), providerB)).toBe("ConfigDigestMismatch");
    const committeeB = await committeeFromChain(providerB, aggregatorB);
    expect(committeeB.configDigest).not.toBe(committee.configDigest);
    const onB = await pulled(0, committeeB, "b");
    expect(await revertOf(aggregatorB, verifyReportCalldata(onB), providerB)).toBe("no revert");
    expect(await revertOf(agg, verifyReportCalldata(onB))).toBe("ConfigDigestMismatch");
    // Asking for chain B's reports with chain A's committee finds nothing valid.
    await expect(fetchLatestReport({ nodes: apiUrls, feeds: [PULL_FEED], committee, chain: "b" })).rejects.toThrow(/config digest/);
  }, 60_000);

  it("refuses a report older than the consumer's maximum age, then older than the aggregator's", async () => {
    const r = await pulled();
    const perpAddr = await perp.getAddress();
    await provider.send("evm_increaseTime", [PERP_MAX_AGE + 5]);
    await provider.send("evm_mine", []);
    expect(await revertOf(perpAddr, consumerCalldata(perpIface(), "open", [1n], r))).toBe("PriceTooOld");
    await provider.send("evm_increaseTime", [300]);
    await provider.send("evm_mine", []);
    expect(await revertOf(c.deployment.aggregator, verifyReportCalldata(r))).toBe("ReportTooOld");
    expect(await revertOf(perpAddr, consumerCalldata(perpIface(), "open", [1n], r))).toBe("ReportTooOld");
  }, 30_000);
});
