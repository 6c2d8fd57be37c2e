/**
 * Gas benchmark of the on-chain feeds (npm run bench:gas [-- --json]; BENCH_JSON=1 works too).
 * Measures, from receipts (21k base and calldata included):
 * - transmit at n = 4, 7, 16, 31 (f = (n-1)/3) with 2f+1 and n observations and f+1 signatures:
 *   the first transmit of a fresh aggregator and a steady one (the 6th);
 * - batched reports of 1, 5, 10, 20 feeds at n = 7 (5 observations each), steady state;
 * - what a consuming contract pays for latestRoundData, directly and through FeedProxy: a reader
 *   transaction that calls it minus the same transaction without the call (the JSON reports the
 *   usual Solidity interface call; the table also shows a minimal raw-staticcall consumer, and the
 *   floor of any phased proxy read: contracts/test/ProxyReadFloor.sol);
 * - the `sla` section: what service accounting adds to transmit, and claim (scripts/bench-gas-sla.ts).
 */
import hre from "hardhat";
import type { Signer } from "ethers";
import { benchSla, printSla } from "./bench-gas-sla";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, observationsAround, signedReport, type Deployed } from "../test/contracts/helpers/committee";

const { ethers } = hre;

/** A BTC-like price in 8-decimal feed units: realistic calldata width (6 bytes per observation). */
const CENTER = 67_123_45000000n;
const COMMITTEE_SIZES = [4, 7, 16, 31];
const BATCH_SIZES = [1, 5, 10, 20];
/** Transmits before the "steady" one: every slot it writes has been written before. */
const WARMUP_TRANSMITS = 5;

interface TransmitRow {
  n: number;
  f: number;
  observations: number;
  signatures: number;
  gasFirst: number;
  gasSteady: number;
}
interface BatchRow {
  feeds: number;
  gas: number;
  marginalPerFeed: number;
}

/**
 * Every transmit runs in a block with a fixed timestamp (and uses it as observations timestamp),
 * so calldata, signatures and therefore gas are the same on every run. Steps of 1,000 s leave
 * room for the deployment blocks in between, which Hardhat stamps one second apart.
 */
const CLOCK_START = 2_000_000_000;
const CLOCK_STEP = 1_000;
let clock = CLOCK_START;
let epoch = 1;

async function transmitGas(d: Deployed, sender: Signer, feedIndices: number[], observationCount: number): Promise<number> {
  clock += CLOCK_STEP;
  await ethers.provider.send("evm_setNextBlockTimestamp", [clock]);
  const ts = clock;
  const feeds = feedIndices.map((i) => feedEntry(i, observationsAround(CENTER + BigInt(i), observationCount, epoch)));
  const { report, signatures } = signedReport(d, { configDigest: d.configDigest, epoch: epoch++, round: 1, observationsTimestamp: ts, feeds });
  const receipt = await (await d.aggregator.connect(sender).transmit(report, signatures)).wait();
  return Number(receipt!.gasUsed);
}

async function benchTransmit(sender: Signer): Promise<TransmitRow[]> {
  const rows: TransmitRow[] = [];
  const address = await sender.getAddress();
  for (const n of COMMITTEE_SIZES) {
    const f = Math.floor((n - 1) / 3);
    for (const observations of [2 * f + 1, n]) {
      const d = await deployAggregator(sender, makeCommittee(n, f, address, `bench-${n}`));
      const gasFirst = await transmitGas(d, sender, [0], observations);
      for (let i = 0; i < WARMUP_TRANSMITS - 1; i++) await transmitGas(d, sender, [0], observations);
      const gasSteady = await transmitGas(d, sender, [0], observations);
      rows.push({ n, f, observations, signatures: f + 1, gasFirst, gasSteady });
    }
  }
  return rows;
}

async function benchBatch(sender: Signer): Promise<BatchRow[]> {
  const maxFeeds = Math.max(...BATCH_SIZES);
  const d = await deployAggregator(
    sender,
    makeCommittee(7, 2, await sender.getAddress(), "bench-batch"),
    Array.from({ length: maxFeeds }, () => ({})),
  );
  const all = Array.from({ length: maxFeeds }, (_, i) => i);
  for (let i = 0; i < WARMUP_TRANSMITS; i++) await transmitGas(d, sender, all, 5);
  const gas = new Map<number, number>();
  for (const k of BATCH_SIZES) gas.set(k, await transmitGas(d, sender, all.slice(0, k), 5));
  const one = gas.get(1)!;
  return BATCH_SIZES.map((k) => ({ feeds: k, gas: gas.get(k)!, marginalPerFeed: k === 1 ? 0 : Math.round((gas.get(k)! - one) / (k - 1)) }));
}

interface ReadGas {
  latestRoundDataDirect: number;
  latestRoundDataViaProxy: number;
}

interface ReadRows {
  read: ReadGas;
  raw: ReadGas;
  floor: { solidity: number; raw: number };
}

async function benchRead(sender: Signer): Promise<ReadRows> {
  const d = await deployAggregator(sender, makeCommittee(7, 2, await sender.getAddress(), "bench-read"));
  for (let i = 0; i < 3; i++) await transmitGas(d, sender, [0], 5);
  const proxy = await deployProxy(sender, d.address, 0);
  const reader = await (await ethers.getContractFactory("GasReader", sender)).deploy();
  await reader.waitForDeployment();
  const proxyAddress = await proxy.getAddress();
  const gasOf = async (fn: "measure" | "measureRaw", feed: string, mode: number) => Number((await (await reader[fn](feed, mode)).wait())!.gasUsed);
  const cost = async (fn: "measure" | "measureRaw", feed: string) => (await gasOf(fn, feed, 2)) - (await gasOf(fn, feed, 1));
  // The floor of any phased proxy read (contracts/test/ProxyReadFloor.sol), holding the same
  // packed latest slot as the aggregator's feed.
  const floorFeed = await (await ethers.getContractFactory("FloorFeed", sender)).deploy();
  await (await floorFeed.set((CENTER << 136n) | (BigInt(clock) << 64n) | (BigInt(clock) << 32n) | 3n)).wait();
  const floorProxy = await (await ethers.getContractFactory("FloorProxy", sender)).deploy(await floorFeed.getAddress());
  const floorAddress = await floorProxy.getAddress();
  return {
    read: { latestRoundDataDirect: await cost("measure", d.address), latestRoundDataViaProxy: await cost("measure", proxyAddress) },
    raw: { latestRoundDataDirect: await cost("measureRaw", d.address), latestRoundDataViaProxy: await cost("measureRaw", proxyAddress) },
    floor: { solidity: await cost("measure", floorAddress), raw: await cost("measureRaw", floorAddress) },
  };
}

function printTable(transmit: TransmitRow[], batch: BatchRow[], { read, raw, floor }: ReadRows): void {
  const pad = (v: unknown, w: number) => String(v).padStart(w);
  console.log("transmit (one feed)");
  console.log(`${pad("n", 4)}${pad("f", 4)}${pad("obs", 5)}${pad("sigs", 6)}${pad("gasFirst", 10)}${pad("gasSteady", 11)}`);
  for (const r of transmit)
    console.log(`${pad(r.n, 4)}${pad(r.f, 4)}${pad(r.observations, 5)}${pad(r.signatures, 6)}${pad(r.gasFirst, 10)}${pad(r.gasSteady, 11)}`);
  console.log("\nbatched transmit (n=7, f=2, 5 observations per feed, steady state)");
  console.log(`${pad("feeds", 6)}${pad("gas", 10)}${pad("marginal/feed", 15)}`);
  for (const b of batch) console.log(`${pad(b.feeds, 6)}${pad(b.gas, 10)}${pad(b.feeds === 1 ? "-" : b.marginalPerFeed, 15)}`);
  console.log("\nlatestRoundData paid by a consuming contract   Solidity interface call   raw staticcall");
  console.log(`  direct     ${pad(read.latestRoundDataDirect, 40)}${pad(raw.latestRoundDataDirect, 17)}`);
  console.log(`  via proxy  ${pad(read.latestRoundDataViaProxy, 40)}${pad(raw.latestRoundDataViaProxy, 17)}`);
  console.log(`  floor of any phased proxy (minimal forwarder, one-slot feed; contracts/test/ProxyReadFloor.sol)`);
  console.log(`             ${pad(floor.solidity, 40)}${pad(floor.raw, 17)}`);
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json") || process.env.BENCH_JSON === "1";
  const [sender] = await ethers.getSigners();
  const transmit = await benchTransmit(sender);
  const batch = await benchBatch(sender);
  const reads = await benchRead(sender);
  const { rows, sla } = await benchSla(sender);
  if (json) console.log(JSON.stringify({ transmit, batch, read: reads.read, sla }));
  else {
    printTable(transmit, batch, reads);
    printSla(rows, sla);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
