import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { getAddress, parseUnits } from "ethers";
import type { NodeConfig } from "../config";
import { adapterResolver, resolveBaseUrl, resolveSymbol } from "../config";
import { FilterSchema } from "../config/schema";
import { loadSigner } from "../keys";
import { DEFAULT_MODEL_PATH } from "../filter/pipeline";
import type { Logger } from "../log/logger";
import type { NodeMetrics } from "../metrics";
import type { QuoteConversionRule } from "../quotes/convert";
import type { RuntimeFeed, RuntimeOptions, RuntimeTiming, SourcePolicy } from "./options";

/**
 * Turns a validated config file into the runtime's options: decrypts the key, looks up every
 * source adapter (built-in or generic), resolves base URLs and symbols, and reads the aggregator
 * address (from the config or the deploy addresses file).
 */
export interface AddressesFile {
  aggregator: string;
  feeds?: Array<{ feedIndex: number; proxy?: string }>;
  /** Written by `oracle-node deploy --economics` (deploy/from-config.ts); an older file may name the staking contract alone. */
  economics?: EconomicsAddresses | string;
}

/** The addresses file's `economics` entry: the one shape its writer and every reader use. */
export interface EconomicsAddresses {
  token: string;
  /** OracleStaking: the entry point of stake, alerts and equivocation proofs. */
  staking: string;
  /** OracleRewards: claims; null when deployed without rewards. */
  rewards: string | null;
}

const HEX_ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/**
 * The economics addresses an addresses file names (the one reader): `economics` as the object
 * above, or as a bare address (the staking contract). Absent or null entries are left out; any
 * other value that is not a 0x-prefixed 20-byte hex address is an error naming the key.
 */
export function economicsEntry(file: AddressesFile): Partial<Record<keyof EconomicsAddresses, string>> {
  const e: unknown = file.economics;
  const checked = (key: string, v: unknown): string => {
    if (typeof v !== "string" || !HEX_ADDRESS_RE.test(v)) throw new Error(`addresses file: ${key} ${JSON.stringify(v)} is not an address`);
    return v;
  };
  if (e === undefined || e === null) return {};
  if (typeof e !== "object") return { staking: checked("economics", e) };
  const out: Partial<Record<keyof EconomicsAddresses, string>> = {};
  for (const k of ["token", "staking", "rewards"] as const) {
    const v = (e as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) out[k] = checked(`economics.${k}`, v);
  }
  return out;
}

export function readAddressesFile(path: string): AddressesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`addresses file ${path}: ${(err as Error).message}`);
  }
  const a = parsed as AddressesFile;
  if (!a || typeof a.aggregator !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(a.aggregator)) {
    throw new Error(`addresses file ${path}: no "aggregator" address`);
  }
  return a;
}

export async function fromNodeConfig(cfg: NodeConfig, opts: { configPath?: string; logger?: Logger; metrics?: NodeMetrics } = {}): Promise<RuntimeOptions> {
  const base = opts.configPath ? dirname(resolve(opts.configPath)) : process.cwd();
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const n = cfg.node;
  const key = await loadSigner({
    keystore: at(n.keystore.path),
    password: { env: n.keystore.passwordEnv, file: n.keystore.passwordFile ? at(n.keystore.passwordFile) : undefined },
  });
  let aggregator = n.chain.aggregator;
  let proxies = new Map<number, string>();
  let economicsAddress = n.economics.address;
  let rewardsAddress = n.economics.rewards;
  if (!aggregator) {
    const file = readAddressesFile(at(n.chain.addressesFile!));
    aggregator = file.aggregator;
    economicsAddress ??= economicsOf(file);
    rewardsAddress ??= economicsEntry(file).rewards;
    proxies = new Map((file.feeds ?? []).filter((f) => f.proxy).map((f) => [f.feedIndex, f.proxy!]));
  }
  const feeds = runtimeFeeds(cfg, (index) => proxies.get(index) ?? aggregator);
  let modelPath = at(n.filter.modelPath);
  // The schema's default path, relative to a config outside the repo: use the committed model.
  if (!existsSync(modelPath) && n.filter.modelPath === FilterSchema.parse({}).modelPath) modelPath = DEFAULT_MODEL_PATH;
  return {
    name: n.name,
    key: key.signingKey,
    rpcUrl: n.chain.rpcUrl,
    fallbackRpcUrls: n.chain.fallbackRpcUrls,
    rpcHealth: n.chain.rpcHealth,
    chainId: n.chain.chainId,
    aggregator: getAddress(aggregator),
    peers: n.peers.map((p) => ({ index: p.index, url: p.url, address: p.address })),
    listenHost: n.listen.host,
    listenPort: n.listen.port,
    databasePath: at(n.database.path),
    filter: { kind: n.filter.kind, modelPath, threshold: n.filter.threshold },
    feeds,
    timing: runtimeTiming(cfg),
    confirmations: n.chain.confirmations,
    maxFeePerGasCap: n.chain.maxFeePerGasGwei ? parseUnits(n.chain.maxFeePerGasGwei, "gwei") : undefined,
    sourcePolicy: sourcePolicy(cfg),
    economics: {
      address: economicsAddress ? getAddress(economicsAddress) : undefined,
      rewards: rewardsAddress ? getAddress(rewardsAddress) : undefined,
      submitProofs: n.economics.submitProofs,
      evidenceRoundsPerSigner: n.economics.evidenceRoundsPerSigner,
    },
    quoteConversion: quoteConversion(cfg),
    logger: opts.logger,
    metrics: opts.metrics,
  };
}

/** The economics contract an addresses file names: `economics` as an address or as `{ staking }` (its entry point). */
export function economicsOf(file: AddressesFile): string | undefined {
  return economicsEntry(file).staking;
}

/** The feeds as the runtime sees them: adapters looked up, base URLs and symbols resolved. */
export function runtimeFeeds(cfg: NodeConfig, addressOf: (feedIndex: number) => string | undefined = () => undefined): RuntimeFeed[] {
  const adapterFor = adapterResolver(cfg);
  return cfg.feeds.map((f, i) => ({
    id: f.id,
    feedIndex: f.feedIndex ?? i,
    pair: f.pair,
    description: f.description,
    decimals: f.decimals,
    deviationBps: Math.ceil(f.deviationThresholdBps),
    heartbeatSec: f.heartbeatSeconds,
    maxReportAgeSec: f.maxReportAgeSeconds,
    toleranceBps: Math.floor(f.toleranceBps),
    minSources: f.minSources,
    pollIntervalMs: f.pollIntervalMs ?? cfg.node.timing.pollIntervalMs,
    address: addressOf(f.feedIndex ?? i),
    pull: f.pull,
    sources: f.sources.map((s) => ({
      id: s.id,
      adapter: adapterFor(s.id),
      symbol: resolveSymbol(s, f.pair),
      baseUrl: resolveBaseUrl(cfg, s),
      quoteCurrency: s.quoteCurrency,
    })),
  }));
}

/** `quoteConversion.*`; none when no rate is configured (quotes read at par, as before conversion existed). */
export function quoteConversion(cfg: NodeConfig): QuoteConversionRule | undefined {
  const { rates, minRateSources, maxRateDispersionBps } = cfg.quoteConversion;
  const copy = Object.fromEntries(Object.entries(rates));
  return Object.keys(copy).length === 0 ? undefined : { rates: copy, minRateSources, maxRateDispersionBps };
}

/** Every `node.timing` key (the schema filled in the defaults), plus the source timeout. */
export function runtimeTiming(cfg: NodeConfig): RuntimeTiming {
  return { ...cfg.node.timing, sourceTimeoutMs: cfg.sources.timeoutMs };
}

/**
 * How the node fetches its sources: `sources.maxRetries`, `sources.concurrency`, and the token
 * buckets (`sources.rateLimits: off` turns every local limit off, overrides included; else each
 * `sources.overrides.<id>.rateLimit` replaces that source's documented limit).
 */
export function sourcePolicy(cfg: NodeConfig): SourcePolicy {
  const s = cfg.sources;
  const rateLimits: Record<string, { capacity: number; refillPerSec: number }> = {};
  for (const [id, o] of Object.entries(s.overrides)) {
    if (o.rateLimit) rateLimits[id] = { capacity: o.rateLimit.capacity, refillPerSec: o.rateLimit.refillPerSec };
  }
  return { maxRetries: s.maxRetries, concurrency: s.concurrency, rateLimits: s.rateLimits === "off" ? false : rateLimits };
}
