import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { ethers } from "hardhat";
import { encodeReport, signReportBy, type Domain, type FeedReport, type IndexedKey, type Report } from "../../../oracle-node/src/protocol/report";
import type { FeedProxy, QuorumAggregator } from "../../../typechain-types";

/** Test and benchmark builders: committees, deployed aggregators, signed reports. */

/** int128 bounds, the default "no bounds" of a feed. */
export const INT128_MIN = -(1n << 127n);
export const INT128_MAX = (1n << 127n) - 1n;

/** A deterministic signing key per (seed, index), so runs are reproducible. */
export function keyFor(seed: string, index: number): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`${seed}/${index}`)));
}

export interface Committee {
  n: number;
  f: number;
  signers: Wallet[];
  transmitters: string[];
}

/**
 * n signing keys and n transmitter addresses; `transmitter` (a funded Hardhat account) sits at
 * committee index `transmitterIndex`, the others are addresses nobody sends from.
 */
export function makeCommittee(n: number, f: number, transmitter: string, seed = "committee", transmitterIndex = 0): Committee {
  const signers = Array.from({ length: n }, (_, i) => keyFor(`${seed}/signer`, i));
  const transmitters = Array.from({ length: n }, (_, i) => (i === transmitterIndex ? transmitter : keyFor(`${seed}/transmitter`, i).address));
  return { n, f, signers, transmitters };
}

export interface Deployed {
  aggregator: QuorumAggregator;
  address: string;
  committee: Committee;
  configDigest: string;
  domain: Domain;
}

export interface FeedOpts {
  decimals?: number;
  description?: string;
  minAnswer?: bigint;
  maxAnswer?: bigint;
  /** setMaxReportAge after addFeed (default: the contract's default, 300 s). */
  maxReportAge?: number;
}

/** Deploys a QuorumAggregator owned by `owner`, adds feeds, sets the committee's config. */
export async function deployAggregator(owner: Signer, committee: Committee, feeds: FeedOpts[] = [{}], offchainConfig = "0x"): Promise<Deployed> {
  const factory = await ethers.getContractFactory("QuorumAggregator", owner);
  const aggregator = (await factory.deploy(await owner.getAddress())) as unknown as QuorumAggregator;
  await aggregator.waitForDeployment();
  for (let i = 0; i < feeds.length; i++) {
    const f = feeds[i];
    await (await aggregator.addFeed(f.decimals ?? 8, f.description ?? `FEED${i} / USD`, f.minAnswer ?? INT128_MIN, f.maxAnswer ?? INT128_MAX)).wait();
    if (f.maxReportAge !== undefined) await (await aggregator.setMaxReportAge(i, f.maxReportAge)).wait();
  }
  await (
    await aggregator.setConfig(
      committee.signers.map((s) => s.address),
      committee.transmitters,
      committee.f,
      offchainConfig,
    )
  ).wait();
  const [, , configDigest] = await aggregator.latestConfigDetails();
  const address = await aggregator.getAddress();
  const { chainId } = await ethers.provider.getNetwork();
  return { aggregator, address, committee, configDigest, domain: { chainId, verifyingContract: address } };
}

/** Deploys a FeedProxy for feed `feedIndex` of `aggregator`. */
export async function deployProxy(owner: Signer, aggregator: string, feedIndex = 0): Promise<FeedProxy> {
  const factory = await ethers.getContractFactory("FeedProxy", owner);
  const proxy = (await factory.deploy(await owner.getAddress(), aggregator, feedIndex)) as unknown as FeedProxy;
  await proxy.waitForDeployment();
  return proxy;
}

/** Sorted observations around `center` (feed units), `count` of them, deterministic in `salt`. */
export function observationsAround(center: bigint, count: number, salt = 0): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(center + BigInt(((i * 7919 + salt * 104729) % 2001) - 1000));
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A feed entry with observers 0..count-1. */
export function feedEntry(feedIndex: number, observations: bigint[], observers?: number[]): FeedReport {
  return { feedIndex, observations, observers: observers ?? observations.map((_, i) => i) };
}

/** The latest block's timestamp. */
export async function now(): Promise<number> {
  const block = await ethers.provider.getBlock("latest");
  return block!.timestamp;
}

/** Builds, encodes and signs a report (first `signatures` signers by default). */
export function signedReport(d: Deployed, report: Report, signerIndices?: number[]): { report: string; signatures: string } {
  const indices = signerIndices ?? Array.from({ length: d.committee.f + 1 }, (_, i) => i);
  const keys: IndexedKey[] = indices.map((i) => ({ signerIndex: i, key: d.committee.signers[i] }));
  const encoded = encodeReport(report);
  return { report: encoded, signatures: signReportBy(encoded, d.domain, keys) };
}

/** Hex of `v` as `bytes` big-endian bytes (two's complement for negatives), no 0x. */
export function be(v: bigint | number, bytes: number): string {
  let x = BigInt(v);
  if (x < 0n) x += 1n << BigInt(8 * bytes);
  return x.toString(16).padStart(2 * bytes, "0");
}

/** A raw report header (no validation: for malformed-input tests). */
export function rawHeader(configDigest: string, epochAndRoundValue: bigint, ts: number, feedCount: number): string {
  return "0x" + configDigest.slice(2) + be(epochAndRoundValue, 5) + be(ts, 4) + be(feedCount, 1);
}

/** A raw feed entry (no validation). */
export function rawFeed(feedIndex: number, observers: number[], width: number, observations: bigint[]): string {
  return be(feedIndex, 1) + be(observers.length, 1) + observers.map((o) => be(o, 1)).join("") + be(width, 1) + observations.map((v) => be(v, width)).join("");
}

/** Signs raw report bytes with the given committee indices. */
export function signRaw(d: Deployed, report: string, signerIndices: number[], domain: Domain = d.domain): string {
  return signReportBy(
    report,
    domain,
    signerIndices.map((i) => ({ signerIndex: i, key: d.committee.signers[i] })),
  );
}
