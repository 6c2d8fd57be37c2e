import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { getAddress, parseUnits } from "ethers";
import type { NodeConfig } from "../config";
import { adapterResolver, resolveBaseUrl, resolveSymbol } from "../config";
import { loadSigner } from "../keys";
import { DEFAULT_MODEL_PATH } from "../filter/pipeline";
import type { Logger } from "../log/logger";
import type { NodeMetrics } from "../metrics";
import type { FaultMode, RuntimeFeed, RuntimeOptions } from "./options";

/**
 * Turns a validated config file into the runtime's options: decrypts the key, looks up every
 * source adapter (built-in or generic), resolves base URLs and symbols, and reads the aggregator
 * address (from the config or the deploy addresses file).
 */
export interface AddressesFile {
  aggregator: string;
  feeds?: Array<{ feedIndex: number; proxy?: string }>;
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

export async function fromNodeConfig(
  cfg: NodeConfig,
  opts: { configPath?: string; logger?: Logger; metrics?: NodeMetrics; fault?: FaultMode } = {},
): Promise<RuntimeOptions> {
  const base = opts.configPath ? dirname(resolve(opts.configPath)) : process.cwd();
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const n = cfg.node;
  const key = await loadSigner({ keystore: at(n.keystore.path), password: { env: n.keystore.passwordEnv, file: n.keystore.passwordFile ? at(n.keystore.passwordFile) : undefined } });
  let aggregator = n.chain.aggregator;
  let proxies = new Map<number, string>();
  if (!aggregator) {
    const file = readAddressesFile(at(n.chain.addressesFile!));
    aggregator = file.aggregator;
    proxies = new Map((file.feeds ?? []).filter((f) => f.proxy).map((f) => [f.feedIndex, f.proxy!]));
  }
  const adapterFor = adapterResolver(cfg);
  const feeds: RuntimeFeed[] = cfg.feeds.map((f, i) => ({
    id: f.id,
    feedIndex: f.feedIndex ?? i,
    pair: f.pair,
    description: f.description,
    decimals: f.decimals,
    deviationBps: Math.ceil(f.deviationThresholdBps),
    heartbeatSec: f.heartbeatSeconds,
    toleranceBps: Math.floor(f.toleranceBps),
    minSources: f.minSources,
    pollIntervalMs: f.pollIntervalMs,
    address: proxies.get(f.feedIndex ?? i) ?? aggregator,
    sources: f.sources.map((s) => ({ id: s.id, adapter: adapterFor(s.id), symbol: resolveSymbol(s, f.pair), baseUrl: resolveBaseUrl(cfg, s) })),
  }));
  let modelPath = at(n.filter.modelPath);
  if (!existsSync(modelPath) && n.filter.modelPath === "models/anomaly-detector.onnx") modelPath = DEFAULT_MODEL_PATH;
  return {
    name: n.name,
    key: key.signingKey,
    rpcUrl: n.chain.rpcUrl,
    chainId: n.chain.chainId,
    aggregator: getAddress(aggregator),
    peers: n.peers.map((p) => ({ index: p.index, url: p.url, address: p.address })),
    listenHost: n.listen.host,
    listenPort: n.listen.port,
    databasePath: at(n.database.path),
    filter: { kind: n.filter.kind, modelPath, threshold: n.filter.threshold },
    feeds,
    timing: { ...n.timing, sourceTimeoutMs: cfg.sources.timeoutMs },
    confirmations: n.chain.confirmations,
    maxFeePerGasCap: n.chain.maxFeePerGasGwei ? parseUnits(n.chain.maxFeePerGasGwei, "gwei") : undefined,
    sourcePolicy: { rateLimits: cfg.sources.rateLimits === "off" ? false : undefined },
    fault: opts.fault,
    logger: opts.logger,
    metrics: opts.metrics,
  };
}
