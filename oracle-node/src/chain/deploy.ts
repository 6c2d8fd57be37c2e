import { Contract, ContractFactory, NonceManager, getAddress, type Signer } from "ethers";
import { loadArtifact, type ContractName } from "./artifacts";

/**
 * Deploys and configures the on-chain feeds with plain ethers against any JSON-RPC node:
 * one QuorumAggregator holding every feed of the committee, one FeedProxy per feed, a
 * FeedRegistry mapping (base, quote) to the proxies, and optionally the example LendingConsumer.
 */

export interface FeedSpec {
  /** e.g. "ETH / USD". */
  description: string;
  /** Feed units are 10^-decimals (8 for USD pairs, as Chainlink). */
  decimals: number;
  base: string;
  quote: string;
  /**
   * Inclusive answer bounds; a median outside is refused (the feed keeps its answer, never
   * clamped; MedianOutOfBounds). Default: int128 range.
   */
  minAnswer?: bigint;
  maxAnswer?: bigint;
  /** Largest report age the aggregator accepts for this feed (default: the contract's 300 s). */
  maxReportAgeSeconds?: number;
  /** Staleness limit the example consumer applies to this feed (default 3600 s). */
  heartbeatSeconds?: number;
  /** Largest confidence the consumer accepts, in bps of the price (default 100 = 1 %). */
  maxConfidenceBps?: number;
}

export interface DeployOptions {
  feeds: FeedSpec[];
  /** Committee signer addresses, by committee index. */
  signers: string[];
  /** Committee transmitter addresses, by committee index (same length as signers). */
  transmitters: string[];
  /** Faulty oracles tolerated; 1 <= f, 3f < n. */
  f: number;
  /** Opaque off-chain config bound into the config digest (0x hex, default "0x"). */
  offchainConfig?: string;
  /**
   * Owner of every contract (default: the deployer). Proxies are created owned by it; the
   * aggregator, registry and consumer are handed over with Ownable2Step, so this address must
   * call acceptOwnership() on each before it can administer them.
   */
  owner?: string;
  /**
   * Leave the aggregator, registry and consumer with the deployer (proxies are still created
   * owned by `owner`): the caller has more owner-only steps to run (the economics wiring) and
   * calls `handOver` after them.
   */
  handOverLater?: boolean;
  /** Also deploy the example LendingConsumer and configure every feed in it (default false). */
  withConsumer?: boolean;
}

export interface DeployedFeed {
  description: string;
  base: string;
  quote: string;
  decimals: number;
  /** Index of the feed inside the aggregator (the feedIndex of reports). */
  feedIndex: number;
  /** The aggregator that stores this feed (the same for every feed). */
  aggregator: string;
  /** The feed's FeedProxy: what consumers read. */
  proxy: string;
}

export interface Deployment {
  /** The QuorumAggregator: the contract that takes transmit(report, signatures). */
  aggregator: string;
  feeds: DeployedFeed[];
  registry: string;
  consumer?: string;
  configDigest: string;
  configCount: number;
  chainId: bigint;
  /** Block of the setConfig transaction (watch events from here). */
  configBlockNumber: number;
}

/** Signed bounds default: the whole int128 range. */
const INT128_MIN = -(1n << 127n);
const INT128_MAX = (1n << 127n) - 1n;
/** Consumer defaults: an hour-old price is stale; 1 % dispersion is too uncertain to lend on. */
const DEFAULT_HEARTBEAT_SECONDS = 3600;
const DEFAULT_MAX_CONFIDENCE_BPS = 100;
/** Consumer collateral factor: borrow up to 75 % of collateral value. */
const DEFAULT_COLLATERAL_FACTOR_BPS = 7500;

export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployError";
  }
}

/** A Contract bound to a deployed address, from its artifact ABI. */
export function attach(name: ContractName, address: string, runner: Signer): Contract {
  return new Contract(address, loadArtifact(name).abi, runner);
}

export async function deployContract(name: ContractName, deployer: Signer, args: unknown[]): Promise<Contract> {
  const { abi, bytecode } = loadArtifact(name);
  const contract = (await new ContractFactory(abi, bytecode, deployer).deploy(...args)) as Contract;
  await contract.waitForDeployment();
  return contract;
}

/** Sends a contract call and waits for its receipt; throws DeployError if it reverted (also used by deploy-economics.ts). */
export async function send(contract: Contract, fn: string, args: unknown[]): Promise<number> {
  const tx = await contract.getFunction(fn)(...args);
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new DeployError(`${fn} reverted (tx ${tx.hash})`);
  return receipt.blockNumber as number;
}

/**
 * `transferOwnership(owner)` on each contract (undefined entries skipped; nothing when `owner` is
 * the signer). Ownable2Step contracts (aggregator, registry, consumer, staking)
 * then wait for `owner` to call acceptOwnership(); Ownable ones (the token) move at once.
 */
export async function handOver(signer: Signer, contracts: Array<string | undefined>, owner: string): Promise<void> {
  const from = getAddress(await signer.getAddress());
  if (getAddress(owner) === from) return;
  for (const address of contracts) {
    if (!address) continue;
    await send(new Contract(address, OWNABLE_ABI, signer), "transferOwnership", [getAddress(owner)]);
  }
}

const OWNABLE_ABI = ["function transferOwnership(address newOwner)"];

function checkOptions(opts: DeployOptions): void {
  const n = opts.signers.length;
  if (n === 0 || n > 31) throw new DeployError(`1..31 signers required, got ${n}`);
  if (opts.transmitters.length !== n) throw new DeployError(`${opts.transmitters.length} transmitters for ${n} signers`);
  if (!Number.isInteger(opts.f) || opts.f < 1 || 3 * opts.f >= n) throw new DeployError(`f=${opts.f} must satisfy 1 <= f and 3f < n=${n}`);
  if (opts.feeds.length === 0 || opts.feeds.length > 256) throw new DeployError(`1..256 feeds required, got ${opts.feeds.length}`);
  for (const feed of opts.feeds) {
    if (!Number.isInteger(feed.decimals) || feed.decimals < 0 || feed.decimals > 18)
      throw new DeployError(`${feed.description}: decimals ${feed.decimals} outside 0..18`);
    if (!feed.base || !feed.quote) throw new DeployError(`${feed.description}: base and quote are required`);
    const lo = feed.minAnswer ?? INT128_MIN;
    const hi = feed.maxAnswer ?? INT128_MAX;
    if (lo >= hi || lo < INT128_MIN || hi > INT128_MAX) throw new DeployError(`${feed.description}: bounds [${lo}, ${hi}] invalid`);
    const age = feed.maxReportAgeSeconds;
    if (age !== undefined && (!Number.isInteger(age) || age < 1 || age > 0xffffffff))
      throw new DeployError(`${feed.description}: maxReportAgeSeconds ${age} outside 1..2^32-1`);
  }
}

/**
 * Deploys and configures everything, one transaction at a time (safe on any node). Order:
 * aggregator, addFeed per feed, setConfig, one FeedProxy per feed, registry + setFeed per feed,
 * optionally the consumer. Returns every address and the active config digest.
 */
export async function deployFeeds(signer: Signer, opts: DeployOptions): Promise<Deployment> {
  checkOptions(opts);
  // Own nonce tracking: providers cache eth_getTransactionCount briefly, and back-to-back
  // transactions would otherwise reuse a nonce.
  const deployer = signer instanceof NonceManager ? signer : new NonceManager(signer);
  const owner = getAddress(opts.owner ?? (await deployer.getAddress()));
  const deployerAddress = await deployer.getAddress();
  const admin = getAddress(deployerAddress);
  const network = await deployer.provider!.getNetwork();

  const aggregator = await deployContract("QuorumAggregator", deployer, [admin]);
  const aggregatorAddress = await aggregator.getAddress();
  for (let i = 0; i < opts.feeds.length; i++) {
    const feed = opts.feeds[i];
    await send(aggregator, "addFeed", [feed.decimals, feed.description, feed.minAnswer ?? INT128_MIN, feed.maxAnswer ?? INT128_MAX]);
    if (feed.maxReportAgeSeconds !== undefined) await send(aggregator, "setMaxReportAge", [i, feed.maxReportAgeSeconds]);
  }
  const config = await setConfig(aggregator, opts.signers, opts.transmitters, opts.f, opts.offchainConfig ?? "0x");

  const registry = await deployContract("FeedRegistry", deployer, [admin]);
  const feeds: DeployedFeed[] = [];
  for (let i = 0; i < opts.feeds.length; i++) {
    const spec = opts.feeds[i];
    const proxy = await deployContract("FeedProxy", deployer, [owner, aggregatorAddress, i]);
    const proxyAddress = await proxy.getAddress();
    await send(registry, "setFeed", [spec.base, spec.quote, proxyAddress]);
    feeds.push({
      description: spec.description,
      base: spec.base,
      quote: spec.quote,
      decimals: spec.decimals,
      feedIndex: i,
      aggregator: aggregatorAddress,
      proxy: proxyAddress,
    });
  }

  let consumer: string | undefined;
  if (opts.withConsumer) {
    const c = await deployContract("LendingConsumer", deployer, [admin]);
    for (let i = 0; i < opts.feeds.length; i++) {
      const spec = opts.feeds[i];
      await send(c, "configureAsset", [
        assetId(spec.base),
        feeds[i].proxy,
        spec.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
        spec.maxConfidenceBps ?? DEFAULT_MAX_CONFIDENCE_BPS,
        DEFAULT_COLLATERAL_FACTOR_BPS,
      ]);
    }
    consumer = await c.getAddress();
  }
  if (!opts.handOverLater) await handOver(deployer, [aggregatorAddress, await registry.getAddress(), consumer], owner);
  return {
    aggregator: aggregatorAddress,
    feeds,
    registry: await registry.getAddress(),
    consumer,
    configDigest: config.configDigest,
    configCount: config.configCount,
    chainId: network.chainId,
    configBlockNumber: config.blockNumber,
  };
}

/** The consumer's asset id of a base symbol: bytes32 of the UTF-8 symbol, right-padded. */
export function assetId(symbol: string): string {
  const hex = Buffer.from(symbol, "utf8").toString("hex");
  if (hex.length > 64) throw new DeployError(`asset symbol ${symbol} longer than 32 bytes`);
  return "0x" + hex.padEnd(64, "0");
}

export interface ConfigResult {
  configDigest: string;
  configCount: number;
  blockNumber: number;
}

/**
 * Calls setConfig (owner only) and returns the new digest as the contract reports it. The epoch
 * and round restart at 0 under the new digest.
 */
export async function setConfig(aggregator: Contract, signers: string[], transmitters: string[], f: number, offchainConfig = "0x"): Promise<ConfigResult> {
  await send(aggregator, "setConfig", [signers, transmitters, f, offchainConfig]);
  return readConfig(aggregator);
}

/** The aggregator's current config count, digest and the block of the last setConfig. */
export async function readConfig(aggregator: Contract): Promise<ConfigResult> {
  const [configCount, blockNumber, configDigest] = await aggregator.getFunction("latestConfigDetails")();
  return { configDigest: configDigest as string, configCount: Number(configCount), blockNumber: Number(blockNumber) };
}

/** Adds a feed to a deployed aggregator (owner only); returns its feed index. */
export async function addFeed(
  aggregator: Contract,
  feed: Pick<FeedSpec, "decimals" | "description" | "minAnswer" | "maxAnswer" | "maxReportAgeSeconds">,
): Promise<number> {
  const before = Number(await aggregator.getFunction("feedCount")());
  await send(aggregator, "addFeed", [feed.decimals, feed.description, feed.minAnswer ?? INT128_MIN, feed.maxAnswer ?? INT128_MAX]);
  if (feed.maxReportAgeSeconds !== undefined) await send(aggregator, "setMaxReportAge", [before, feed.maxReportAgeSeconds]);
  return before;
}
