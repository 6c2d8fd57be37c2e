import { createServer } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { stringify } from "yaml";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { deployFeeds, type Deployment } from "../../../oracle-node/src/chain/deploy";
import { startSimulator, type Simulator } from "../../../oracle-node/src/simulator/simulator";
import { getAdapter } from "../../../oracle-node/src/sources/registry";
import { writeKeystore } from "../../../oracle-node/src/keys";
import type { RuntimeOptions, RuntimeTiming } from "../../../oracle-node/src/node/options";
import type { FilterKind } from "../../../oracle-node/src/filter/pipeline";

/**
 * Test and benchmark fixture: a local chain (Hardhat's in-process JSON-RPC server, automining),
 * the venue simulator, the contracts deployed for a committee of n oracles, and builders for
 * each oracle's runtime options (in-process nodes) or config file (separate processes).
 */
export interface FeedPlan {
  id: string;
  pair: string;
  decimals: number;
  sources: string[];
  deviationBps: number;
  heartbeatSec: number;
  toleranceBps?: number;
  minSources?: number;
  /** On-chain bounds this fraction around the simulator's fair price at deployment (e.g. 0.05: ±5 %); none when absent. */
  boundsAroundFair?: number;
}

/** `fair` ± `fraction`, in feed units. */
function boundsAround(fair: string, decimals: number, fraction: number): { minAnswer: bigint; maxAnswer: bigint } {
  const units = Number(fair) * 10 ** decimals;
  return { minAnswer: BigInt(Math.round(units * (1 - fraction))), maxAnswer: BigInt(Math.round(units * (1 + fraction))) };
}

export interface Committee {
  chain: LocalChain;
  sim: Simulator;
  deployment: Deployment;
  /** Private keys of the oracles (funded Hardhat accounts 1..n). */
  keys: string[];
  addresses: string[];
  f: number;
  feeds: FeedPlan[];
  /** Peer port of each oracle, reserved up front so every config can name every peer. */
  ports: number[];
  close(): Promise<void>;
}

/** Free loopback ports (bound and released; the window for a clash is tiny on a test machine). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import("node:net").Server>((resolve) => {
          const s = createServer();
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  for (const s of servers) ports.push((s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function setupCommittee(opts: {
  n: number;
  f: number;
  feeds: FeedPlan[];
  seed?: number;
  volatilityScale?: number;
  /** Simulated seconds per wall second (the simulator's `speed`); default 1. */
  speed?: number;
  chain?: LocalChain;
}): Promise<Committee> {
  const chain = opts.chain ?? (await startLocalChain());
  const sim = await startSimulator({ seed: opts.seed ?? 7, rateLimits: "off", speed: opts.speed, model: { volatilityScale: opts.volatilityScale ?? 0.2 } });
  const keys = chain.accounts.slice(1, 1 + opts.n);
  const addresses = keys.map((k) => new Wallet(k).address);
  const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  const deployer = new Wallet(chain.accounts[0], provider);
  const deployment = await deployFeeds(deployer, {
    feeds: opts.feeds.map((f) => {
      const [base, quote] = f.pair.split("/");
      const bounds = f.boundsAroundFair === undefined ? {} : boundsAround(sim.fairPrice(f.pair), f.decimals, f.boundsAroundFair);
      return { description: `${base} / ${quote}`, decimals: f.decimals, base, quote, ...bounds };
    }),
    signers: addresses,
    transmitters: addresses,
    f: opts.f,
  });
  provider.destroy();
  const ports = await freePorts(opts.n);
  return {
    chain,
    sim,
    deployment,
    keys,
    addresses,
    f: opts.f,
    feeds: opts.feeds,
    ports,
    close: async () => {
      await sim.close();
      if (!opts.chain) await chain.close();
    },
  };
}

/** Fast timings for loopback tests: every wait is short, but none is zero. */
export const TEST_TIMING: Partial<RuntimeTiming> = {
  pollIntervalMs: 250,
  tickMs: 25,
  watchIntervalMs: 100,
  roundTimeoutMs: 1_500,
  observationGraceMs: 20,
  progressTimeoutMs: 3_000,
  transmitStaggerMs: 1_500,
  minRoundIntervalMs: 100,
};

/** What a node needs to know about the committee, as plain data (it crosses to worker threads). */
export interface CommitteeSpec {
  chainUrl: string;
  chainId: number;
  aggregator: string;
  keys: string[];
  ports: number[];
  feeds: FeedPlan[];
  simUrl: string;
}

export function committeeSpec(c: Committee): CommitteeSpec {
  return {
    chainUrl: c.chain.url,
    chainId: c.chain.chainId,
    aggregator: c.deployment.aggregator,
    keys: c.keys,
    ports: c.ports,
    feeds: c.feeds,
    simUrl: c.sim.url,
  };
}

export function runtimeOptions(c: Committee | CommitteeSpec, i: number, dir: string, over: Partial<RuntimeOptions> = {}): RuntimeOptions {
  const spec = "chain" in c ? committeeSpec(c) : c;
  return {
    name: `node-${i}`,
    key: new Wallet(spec.keys[i]).signingKey,
    rpcUrl: spec.chainUrl,
    chainId: spec.chainId,
    aggregator: spec.aggregator,
    peers: spec.ports.map((p, k) => ({ index: k, url: `http://127.0.0.1:${p}` })).filter((p) => p.index !== i),
    listenHost: "127.0.0.1",
    listenPort: spec.ports[i],
    databasePath: join(dir, `node-${i}.sqlite`),
    filter: { kind: "mad" },
    feeds: spec.feeds.map((f, k) => ({
      id: f.id,
      feedIndex: k,
      pair: f.pair,
      description: f.pair,
      decimals: f.decimals,
      deviationBps: f.deviationBps,
      heartbeatSec: f.heartbeatSec,
      toleranceBps: f.toleranceBps ?? 100,
      minSources: f.minSources ?? 3,
      sources: f.sources.map((s) => ({ id: s, adapter: getAdapter(s), baseUrl: `${spec.simUrl}/${s}` })),
    })),
    timing: TEST_TIMING,
    sourcePolicy: { rateLimits: false },
    ...over,
  };
}

/** Password of the test keystores: a throw-away chain's keys. */
export const TEST_PASSWORD = "e2e-test-password";
export const PASSWORD_ENV = "ORACLE_E2E_PASSWORD";

/**
 * Writes oracle i's keystore and YAML config (the same format an operator writes) and returns
 * the config path. `rpcUrl` lets a test put a proxy between a node and the chain.
 */
export async function writeNodeConfig(
  c: Committee,
  i: number,
  dir: string,
  opts: { filter?: FilterKind; rpcUrl?: string; apiPort?: number } = {},
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const keystore = join(dir, `node-${i}.keystore.json`);
  await writeKeystore(keystore, c.keys[i], TEST_PASSWORD, { cost: "light" });
  const cfg = {
    version: 1,
    node: {
      name: `node-${i}`,
      keystore: { path: keystore, passwordEnv: PASSWORD_ENV },
      chain: { rpcUrl: opts.rpcUrl ?? c.chain.url, chainId: c.chain.chainId, aggregator: c.deployment.aggregator, confirmations: 1 },
      peers: c.ports.map((p, k) => ({ index: k, url: `http://127.0.0.1:${p}` })).filter((p) => p.index !== i),
      listen: { host: "127.0.0.1", port: c.ports[i] },
      database: { path: join(dir, `node-${i}.sqlite`) },
      filter: { kind: opts.filter ?? "mad" },
      api: { enabled: opts.apiPort !== undefined, host: "127.0.0.1", port: opts.apiPort ?? 1 },
      logging: { level: "info" },
      timing: Object.fromEntries(Object.entries(TEST_TIMING).filter(([k]) => k !== "pollIntervalMs")),
    },
    sources: { rateLimits: "off", timeoutMs: 1_000 },
    feeds: c.feeds.map((f, k) => ({
      id: f.id,
      description: f.pair,
      decimals: f.decimals,
      pair: f.pair,
      feedIndex: k,
      sources: f.sources.map((s) => ({ id: s, baseUrl: c.sim.baseUrl(s) })),
      minSources: f.minSources ?? 3,
      deviationThresholdBps: f.deviationBps,
      heartbeatSeconds: f.heartbeatSec,
      pollIntervalMs: TEST_TIMING.pollIntervalMs,
      toleranceBps: f.toleranceBps ?? 100,
    })),
  };
  const path = join(dir, `node-${i}.yaml`);
  writeFileSync(path, stringify(cfg));
  return path;
}
