import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { JsonRpcProvider, Network, Wallet, parseEther } from "ethers";
import { stringify } from "yaml";
import { startLocalChain, type LocalChain } from "./chain";
import { createNodeIdentities, fundAddresses, type NodeIdentity } from "./node-keys";
import { DEMO_ATTACKS, DEMO_FEEDS, genericSourceDefinitions } from "./plan";
import { exitText, freePorts, nodeConfig, spawnNode, stopNodes, waitReady, type NodeProc } from "./nodes";
import { demoHandle, type DemoHandle } from "./handle";
import { deploySecondChain, secondChainEntry, startSecondChain, type SecondChain } from "./second-chain";
import { deployFeeds, type Deployment } from "../../oracle-node/src/chain/deploy";
import { addressesJson, deployEconomicsForConfig, feedSpecsFromConfig, writeAddressesFile } from "../../oracle-node/src/deploy/from-config";
import type { EconomicsAddresses } from "../../oracle-node/src/node/from-config";
import { parseConfig } from "../../oracle-node/src/config";
import { startSimulator, type Simulator } from "../../oracle-node/src/simulator/simulator";

export type { DemoHandle, FeedProgress } from "./handle";

/**
 * The one-command local network: an in-process Hardhat chain, the contracts, the venue
 * simulator and N oracle nodes as separate `oracle-node start` processes with their own keys,
 * configs, databases and ports — everything an operator would run, on loopback, in a temp dir.
 */
export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface DemoOptions {
  nodes?: number;
  f?: number;
  seed?: number;
  /** Calm period before the attacks, ms. */
  calmMs?: number;
  /** Heartbeat of every feed: a round at least this often even when prices are still. */
  heartbeatSeconds?: number;
  /** Price model volatility multiplier (1 = realistic per-second moves, which are tiny). */
  volatilityScale?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Keep the temp dir (configs, keys, logs, databases) after stop. */
  keep?: boolean;
  /** The nodes' filter: the anomaly model (default) or a baseline, to compare. */
  filter?: "onnx" | "mad" | "none";
  /** 2: a second local chain served by the same node processes (scripts/demo/second-chain.ts). Default 1. */
  chains?: 1 | 2;
  /** The last node is paused (SIGSTOP) this long during the calm period, so the SLA shows its inclusion fall; 0: never. */
  pauseMs?: number;
}

/** The committee of the demo: 4 nodes tolerate f = 1 faulty (3f < n). */
const DEFAULT_NODES = 4;
/** Long enough to see every feed land a few calm rounds before anything goes wrong. */
const DEFAULT_CALM_MS = 15_000;
/** The last node's pause (inside the calm period: the demo's wall time stays the same). */
const DEFAULT_PAUSE_MS = 8_000;
/** When the pause starts, after the nodes are ready: a few calm rounds with the whole committee first. */
const PAUSE_AFTER_MS = 3_000;
/** Short heartbeats so every feed, even a still FX rate, updates every few seconds in the demo. */
const DEFAULT_HEARTBEAT_SECONDS = 6;
/** Prices move visibly on the chart without looking like attacks. */
const DEFAULT_VOLATILITY_SCALE = 4;
/** A node that is not ready by then will not become ready: its log says why. */
const NODE_READY_TIMEOUT_MS = 90_000;
/** Where node processes' password files are referenced from: the environment is not used. */
const PASSWORD_NOTE = "password in a 0600 file next to the keystore";
/** The transmitters' gas reimbursement pot of the demo (the reward budget is deployEconomics' default). */
const DEMO_REIMBURSEMENT_POT = parseEther("10");
/** Sources of the demo served by the simulator's generic JSON endpoints. */
const GENERIC_SOURCES = ["frankfurter", "open-er-api", "open-meteo"];

/** One demo run's bookkeeping: its temp dir, event lines, node processes and what to close on stop. */
interface DemoRun {
  log: (line: string) => void;
  workDir: string;
  events: string[];
  event: (text: string) => void;
  procs: NodeProc[];
  cleanups: Array<() => Promise<void>>;
  stopping: boolean;
  stop: (keepDir?: boolean) => Promise<void>;
}

function newRun(opts: DemoOptions): DemoRun {
  const log = opts.log ?? (() => undefined);
  const run: DemoRun = {
    log,
    workDir: mkdtempSync(join(tmpdir(), "oracle-demo-")),
    events: [],
    event: (text) => {
      const line = `${new Date().toISOString().slice(11, 19)} ${text}`;
      run.events.push(line);
      log(line);
    },
    procs: [],
    cleanups: [],
    stopping: false,
    stop: async (keepDir = opts.keep ?? false) => {
      run.stopping = true;
      // A paused node (the SLA pause) must run again to handle its stop signal.
      for (const p of run.procs) if (!p.exited) p.child.kill("SIGCONT");
      await stopNodes(run.procs);
      for (const c of run.cleanups.reverse()) await c().catch(() => undefined);
      if (!keepDir) rmSync(run.workDir, { recursive: true, force: true });
    },
  };
  return run;
}

interface Infra {
  chain: LocalChain;
  sim: Simulator;
  identities: NodeIdentity[];
  /** The second chain (`--chains 2`), or null. */
  second: SecondChain | null;
}

/** The chain, the venue simulator and the nodes' funded keys. */
async function startInfra(run: DemoRun, opts: DemoOptions, n: number): Promise<Infra> {
  run.log("compiling contracts (if needed) and starting the local chain ...");
  const chain = await startLocalChain({ compile: true });
  run.cleanups.push(() => chain.close());
  run.log(`chain ${chain.url} (chain id ${chain.chainId})`);

  const sim = await startSimulator({ seed: opts.seed ?? 42, rateLimits: "off", model: { volatilityScale: opts.volatilityScale ?? DEFAULT_VOLATILITY_SCALE } });
  run.cleanups.push(() => sim.close());
  run.log(`venue simulator ${sim.url}`);

  const identities = await createNodeIdentities(run.workDir, n);
  // The second chain's Hardhat process starts while the first chain's accounts are funded.
  const secondChain = opts.chains === 2 ? startSecondChain(run.workDir, identities) : Promise.resolve(null);
  await fundAddresses(
    chain.url,
    chain.accounts[0],
    identities.map((x) => x.address),
  );
  run.log(`${n} node keys (encrypted keystores, ${PASSWORD_NOTE}), funded for gas`);
  const second = await secondChain;
  if (second) run.cleanups.push(() => second.close());
  if (second) run.log(`second chain ${second.chain.url} (chain id ${second.chain.chainId}), the same keys funded`);
  return { chain, sim, identities, second };
}

interface DemoNetwork {
  configs: Array<Record<string, unknown>>;
  apiPorts: number[];
  provider: JsonRpcProvider;
  deployment: Deployment;
  economics: EconomicsAddresses;
}

/** The nodes' configs, and the contracts deployed exactly as they describe (the way `oracle-node deploy` does). */
async function deployNetwork(run: DemoRun, infra: Infra, opts: DemoOptions, f: number): Promise<DemoNetwork> {
  const { chain, sim, identities } = infra;
  const n = identities.length;
  const peerPorts = await freePorts(n);
  const apiPorts = await freePorts(n);
  const generic = genericSourceDefinitions(
    REPO_ROOT,
    [...new Set(DEMO_FEEDS.flatMap((x) => x.sources))].filter((s) => GENERIC_SOURCES.includes(s)),
  );
  const addressesFile = join(run.workDir, "addresses.json");
  const heartbeatSeconds = opts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  const filter = opts.filter ?? "onnx";
  const configs = identities.map((id, i) => {
    const cfg = nodeConfig(id, i, {
      dir: run.workDir,
      repoRoot: REPO_ROOT,
      chain,
      sim,
      peerPorts,
      apiPort: apiPorts[i],
      heartbeatSeconds,
      generic,
      addressesFile,
      filter,
    });
    return infra.second ? { ...cfg, chains: [secondChainEntry(infra.second, id, i, run.workDir)] } : cfg;
  });

  const parsed = parseConfig(configs[0]);
  const provider = new JsonRpcProvider(chain.url, Network.from(chain.chainId), { staticNetwork: true, cacheTimeout: -1 });
  run.cleanups.push(async () => provider.destroy());
  const signers = identities.map((x) => x.address);
  const deployer = new Wallet(chain.accounts[0], provider);
  const feedsDeployed = await deployFeeds(deployer, { feeds: feedSpecsFromConfig(parsed), signers, transmitters: signers, f, withConsumer: true });
  // Stake (the deployer on behalf of every node), rewards and accounting, before the nodes start: the config is re-set.
  const { economics, deployment } = await deployEconomicsForConfig(deployer, parsed, feedsDeployed, signers, { reimbursementPot: DEMO_REIMBURSEMENT_POT });
  writeAddressesFile(
    addressesFile,
    addressesJson(
      deployment,
      DEMO_FEEDS.map((x) => x.id),
      economics,
    ),
  );
  run.log(`deployed aggregator ${deployment.aggregator}, ${deployment.feeds.length} proxies, registry ${deployment.registry}, consumer ${deployment.consumer}`);
  run.log(`economics: staking ${economics.staking} (every node staked), rewards ${economics.rewards} (funded), accounting on`);
  if (infra.second) {
    const onB = await deploySecondChain(infra.second, configs[0], signers, f);
    run.log(`deployed on chain ${infra.second.chain.chainId}: aggregator ${onB.aggregator}, ${onB.feeds.length} proxies`);
  }
  return { configs, apiPorts, provider, deployment, economics };
}

/** Writes each node's config and starts it; resolves when every node is ready. */
async function startNodes(run: DemoRun, identities: NodeIdentity[], net: DemoNetwork, f: number): Promise<void> {
  mkdirSync(join(run.workDir, "logs"), { recursive: true });
  identities.forEach((id, i) => {
    const configPath = join(run.workDir, `${id.name}.yaml`);
    writeFileSync(configPath, stringify(net.configs[i]));
    const onExit = (p: NodeProc) => {
      if (!run.stopping) run.event(`${p.identity.name} exited unexpectedly (${exitText(p)}); log: ${String(p.log.path)}`);
    };
    run.procs.push(spawnNode(REPO_ROOT, id, configPath, `http://127.0.0.1:${net.apiPorts[i]}`, join(run.workDir, "logs", `${id.name}.log`), onExit));
  });
  run.log(`starting ${identities.length} nodes (f=${f}) ...`);
  await waitReady(run.procs, Date.now() + NODE_READY_TIMEOUT_MS, NODE_READY_TIMEOUT_MS);
  run.log(`nodes ready; dashboards: ${run.procs.map((p) => p.apiUrl + "/").join(" ")}`);
}

/** Injects the demo's attacks after the calm period; returns when they were injected (unix ms), or null before. */
function scheduleAttacks(run: DemoRun, sim: Simulator, calmMs: number): () => number | null {
  let attackedAt: number | null = null;
  const calm = setTimeout(() => {
    if (run.stopping) return;
    attackedAt = Date.now();
    for (const a of DEMO_ATTACKS) {
      sim.inject(a.attack);
      run.event(`attack: ${a.label}`);
    }
  }, calmMs);
  run.cleanups.push(async () => clearTimeout(calm));
  return () => attackedAt;
}

/**
 * Pauses the last node (SIGSTOP: it neither observes nor signs nor answers) for `pauseMs`, then
 * resumes it (SIGCONT): the committee goes on with 2f+1 of n, and the SLA table shows that one
 * oracle's inclusion and signature share fall while the others' do not.
 */
function schedulePause(run: DemoRun, pauseMs: number): void {
  const proc = run.procs[run.procs.length - 1];
  if (!proc || pauseMs <= 0) return;
  let paused = false;
  const resume = () => {
    if (!paused) return;
    paused = false;
    proc.child.kill("SIGCONT");
    run.event(`${proc.identity.name} resumed`);
  };
  const start = setTimeout(() => {
    if (run.stopping || proc.exited) return;
    paused = proc.child.kill("SIGSTOP");
    if (paused) run.event(`${proc.identity.name} paused for ${pauseMs / 1000} s: its inclusion and signatures stop, the others' go on`);
  }, PAUSE_AFTER_MS);
  const end = setTimeout(resume, PAUSE_AFTER_MS + pauseMs);
  run.cleanups.push(async () => {
    clearTimeout(start);
    clearTimeout(end);
  });
}

export async function startDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  const n = opts.nodes ?? DEFAULT_NODES;
  const f = opts.f ?? Math.floor((n - 1) / 3);
  const run = newRun(opts);
  try {
    const infra = await startInfra(run, opts, n);
    const net = await deployNetwork(run, infra, opts, f);
    await startNodes(run, infra.identities, net, f);
    const attackedAt = scheduleAttacks(run, infra.sim, opts.calmMs ?? DEFAULT_CALM_MS);
    schedulePause(run, opts.pauseMs ?? DEFAULT_PAUSE_MS);
    return demoHandle({
      workDir: run.workDir,
      chainUrl: infra.chain.url,
      sim: infra.sim,
      provider: net.provider,
      proxies: net.deployment.feeds.map((x) => x.proxy),
      chainId: infra.chain.chainId,
      rewards: net.economics.rewards,
      extraChains: infra.second?.deployment
        ? [{ chainId: infra.second.chain.chainId, provider: infra.second.provider, proxies: infra.second.deployment.feeds.map((x) => x.proxy) }]
        : [],
      procs: run.procs,
      events: run.events,
      attackedAt,
      stop: run.stop,
    });
  } catch (err) {
    // Keep the configs and logs: they say why a node did not start.
    await run.stop(true);
    throw new Error(`${errorText(err)} (configs and logs kept in ${run.workDir})`);
  }
}

/** Longest error text shown: ethers errors embed whole transactions (contract bytecode). */
const MAX_ERROR_CHARS = 400;

/** One readable line for an error: ethers' short message and the node's reason, not the payload. */
export function errorText(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  const base = e?.shortMessage ?? e?.message ?? String(err);
  const reason = e?.info?.error?.message;
  const text = reason && !base.includes(reason) ? `${base}: ${reason}` : base;
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}
