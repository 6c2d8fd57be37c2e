import { getAddress, parseUnits, type Signer } from "ethers";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { attach, readConfig, type FeedSpec, type Deployment } from "../chain/deploy";
import { deployEconomics, type EconomicsDeployment, type RewardParams } from "../chain/deploy-economics";
import type { NodeConfig } from "../config";
import type { EconomicsAddresses } from "../node/from-config";

/**
 * What `oracle-node deploy` (and the demo) derive from a node config: the feed specs the
 * aggregator is created with, the committee from the command line, and the addresses file that
 * node configs read back through `node.chain.addressesFile`.
 */

/** Feed specs in feed-index order. Bounds (decimal text) become feed units; pairs split into base/quote. */
export function feedSpecsFromConfig(cfg: NodeConfig): FeedSpec[] {
  const indexed = cfg.feeds.map((f, i) => ({ f, index: f.feedIndex ?? i }));
  indexed.sort((a, b) => a.index - b.index);
  indexed.forEach(({ f, index }, pos) => {
    if (index !== pos) {
      throw new Error(`feeds: feed ${f.id} has feedIndex ${index} but deploy creates feeds at indices 0..${cfg.feeds.length - 1} with none skipped`);
    }
  });
  return indexed.map(({ f }) => {
    const [base, quote] = f.pair.split("/");
    const spec: FeedSpec = { description: f.description, decimals: f.decimals, base, quote, heartbeatSeconds: f.heartbeatSeconds };
    // Set on chain only when configured: the contract's own default (300 s) is the outer limit, the nodes' stricter one applies before sending.
    if (f.maxReportAgeSeconds !== undefined) spec.maxReportAgeSeconds = f.maxReportAgeSeconds;
    if (f.bounds?.min !== undefined) spec.minAnswer = parseUnits(f.bounds.min, f.decimals);
    if (f.bounds?.max !== undefined) spec.maxAnswer = parseUnits(f.bounds.max, f.decimals);
    return spec;
  });
}

/** Parses "0xA,0xB,..." into checksummed addresses; every entry must be an address. */
export function parseAddressList(text: string, what: string): string[] {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new Error(`${what}: no addresses given`);
  return parts.map((p, i) => {
    try {
      return getAddress(p);
    } catch {
      throw new Error(`${what}: entry ${i + 1} (${p}) is not an address`);
    }
  });
}

/** The largest f a committee of n tolerates: 3f < n. */
export function maxFaulty(n: number): number {
  return Math.floor((n - 1) / 3);
}

/** The addresses file: the Deployment plus each feed's config id, JSON-safe (no bigint). */
export interface AddressesFileJson {
  chainId: number;
  aggregator: string;
  registry: string;
  consumer: string | null;
  configDigest: string;
  configCount: number;
  configBlockNumber: number;
  feeds: Array<{ id: string; description: string; base: string; quote: string; decimals: number; feedIndex: number; proxy: string }>;
  /** `deploy --economics`: read back by the node (node/from-config.ts economicsEntry) and the economics commands (cli/chain-target.ts). */
  economics?: EconomicsAddresses;
}

export function addressesJson(d: Deployment, feedIds: string[], economics?: EconomicsAddresses): AddressesFileJson {
  return {
    ...(economics ? { economics } : {}),
    chainId: Number(d.chainId),
    aggregator: d.aggregator,
    registry: d.registry,
    consumer: d.consumer ?? null,
    configDigest: d.configDigest,
    configCount: d.configCount,
    configBlockNumber: d.configBlockNumber,
    feeds: d.feeds.map((f, i) => ({
      id: feedIds[i] ?? f.description,
      description: f.description,
      base: f.base,
      quote: f.quote,
      decimals: f.decimals,
      feedIndex: f.feedIndex,
      proxy: f.proxy,
    })),
  };
}

/** Writes the file atomically (temp file, then rename). */
export function writeAddressesFile(path: string, json: AddressesFileJson): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(json, null, 2) + "\n");
  renameSync(tmp, path);
}

/** What deployEconomicsForConfig leaves: the economics, and the Deployment with the config it re-set. */
export interface ConfigEconomics {
  economics: EconomicsAddresses;
  deployment: Deployment;
  details: EconomicsDeployment;
}

/**
 * `deploy --economics` and the demo: deployEconomics for a fresh deployment of `cfg`'s feeds, the
 * deployer staking the minimum on behalf of every signer (it becomes their operator: a local
 * deploy; docs/operator-guide.md says what a real one does), each feed's alert heartbeat its
 * config `heartbeatSeconds`, rewards as `rewards` overrides. The aggregator's config was re-set
 * (staking admits it), so the Deployment's digest, count and block are read again.
 */
export async function deployEconomicsForConfig(
  deployer: Signer,
  cfg: NodeConfig,
  d: Deployment,
  signers: string[],
  rewards?: Partial<RewardParams>,
): Promise<ConfigEconomics> {
  const heartbeats = Object.fromEntries(cfg.feeds.map((f, i) => [f.feedIndex ?? i, f.heartbeatSeconds]));
  const details = await deployEconomics(deployer, {
    aggregator: d.aggregator,
    stakers: signers.map((signer) => ({ signer, operator: deployer })),
    heartbeats,
    rewards,
  });
  const config = await readConfig(attach("QuorumAggregator", d.aggregator, deployer));
  return {
    economics: { token: details.token, staking: details.staking, rewards: details.rewards },
    deployment: { ...d, configDigest: config.configDigest, configCount: config.configCount, configBlockNumber: config.blockNumber },
    details,
  };
}
