import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Contract, JsonRpcProvider, Network, Wallet } from "ethers";
import { stringify } from "yaml";
import { startLocalChain, type LocalChain } from "./chain";
import { createNodeIdentities, fundAddresses, type NodeIdentity } from "./node-keys";
import { DEMO_ATTACKS, DEMO_FEEDS, WEATHER, genericSourceDefinitions, type DemoFeed } from "./plan";
import type { FeedRow } from "./view";
import type { FeedSummary } from "./summary";
import { deployFeeds } from "../../oracle-node/src/chain/deploy";
import { addressesJson, feedSpecsFromConfig, writeAddressesFile } from "../../oracle-node/src/deploy/from-config";
import { parseConfig } from "../../oracle-node/src/config";
import { startSimulator, type Simulator } from "../../oracle-node/src/simulator/simulator";
import { formatDecimal, fromFeedUnits, parseDecimal } from "../../oracle-node/src/quotes/decimal";
import type { NodeState } from "../../oracle-node/src/api/state";

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
}

export interface FeedProgress {
  feed: DemoFeed;
  /** Rounds on chain for this feed (the aggregator's round number through the proxy). */
  rounds: number;
  answer: string | null;
  updatedAt: number | null;
}

export interface DemoHandle {
  workDir: string;
  chainUrl: string;
  simulatorUrl: string;
  /** Dashboard of each node (node-1 first). */
  dashboards: string[];
  feeds: DemoFeed[];
  /** Event lines: attacks injected, nodes exited. */
  events: string[];
  /** True once the calm period is over and the attacks run. */
  attacked(): boolean;
  /** When the attacks were injected (unix ms), or null. */
  attackedAt(): number | null;
  progress(): Promise<FeedProgress[]>;
  /** node-1's state, or null if it does not answer. */
  nodeState(index?: number): Promise<NodeState | null>;
  /** The simulator's true value of a feed, exact decimal text. */
  fair(feed: DemoFeed): string;
  rows(): Promise<FeedRow[]>;
  summary(): Promise<FeedSummary[]>;
  /** Nodes that exited on their own (crash), with their exit code. */
  crashed(): Array<{ name: string; code: number | null; signal: string | null }>;
  /** Stops nodes, simulator and chain; removes the temp dir unless kept. */
  stop(keepDir?: boolean): Promise<void>;
}

/** The committee of the demo: 4 nodes tolerate f = 1 faulty (3f < n). */
const DEFAULT_NODES = 4;
/** Long enough to see every feed land a few calm rounds before anything goes wrong. */
const DEFAULT_CALM_MS = 15_000;
/** Short heartbeats so every feed, even a still FX rate, updates every few seconds in the demo. */
const DEFAULT_HEARTBEAT_SECONDS = 6;
/** Prices move visibly on the chart without looking like attacks. */
const DEFAULT_VOLATILITY_SCALE = 4;
/** A node that is not ready by then will not become ready: its log says why. */
const NODE_READY_TIMEOUT_MS = 90_000;
/** SIGTERM gives a node this long to drain before SIGKILL. */
const NODE_STOP_DEADLINE_MS = 10_000;
/** The nodes' protocol timing on loopback: quick rounds, but not so tight that 2 cores starve. */
const DEMO_TIMING = {
  tickMs: 50,
  watchIntervalMs: 250,
  roundTimeoutMs: 3_000,
  observationGraceMs: 50,
  progressTimeoutMs: 6_000,
  transmitStaggerMs: 1_000,
  minRoundIntervalMs: 500,
};
/** Every feed's sources polled this often. */
const POLL_INTERVAL_MS = 1_000;
/** Where node processes' password files are referenced from: the environment is not used. */
const PASSWORD_NOTE = "password in a 0600 file next to the keystore";

const PROXY_ABI = ["function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)"];
/**
 * A proxy round id is phaseId << 64 | aggregator round id, and a QuorumAggregator round id is
 * feedIndex << 32 | round: the low 32 bits are the feed's own round count in the phase.
 */
const FEED_ROUND_MASK = (1n << 32n) - 1n;

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import("node:net").Server>((r) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => r(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

interface NodeProc {
  identity: NodeIdentity;
  configPath: string;
  apiUrl: string;
  child: ChildProcess;
  log: WriteStream;
  exited: { code: number | null; signal: string | null } | null;
  exit: Promise<void>;
}

function nodeConfig(
  id: NodeIdentity,
  i: number,
  opts: { dir: string; chain: LocalChain; sim: Simulator; peerPorts: number[]; apiPort: number; heartbeatSeconds: number; generic: unknown[]; addressesFile: string; filter: "onnx" | "mad" | "none" },
): Record<string, unknown> {
  return {
    version: 1,
    node: {
      name: id.name,
      keystore: { path: id.keystore, passwordFile: id.passwordFile },
      chain: { rpcUrl: opts.chain.url, chainId: opts.chain.chainId, addressesFile: opts.addressesFile, confirmations: 1 },
      peers: opts.peerPorts.map((p, k) => ({ index: k, url: `http://127.0.0.1:${p}` })).filter((p) => p.index !== i),
      listen: { host: "127.0.0.1", port: opts.peerPorts[i] },
      database: { path: join(opts.dir, `${id.name}.sqlite`) },
      filter: { kind: opts.filter, modelPath: join(REPO_ROOT, "models", "anomaly-detector.onnx") },
      api: { enabled: true, host: "127.0.0.1", port: opts.apiPort },
      logging: { level: "info" },
      timing: DEMO_TIMING,
    },
    sources: {
      baseUrlTemplate: `${opts.sim.url}/{id}`,
      rateLimits: "off",
      timeoutMs: 1_500,
      maxRetries: 0,
      generic: opts.generic,
    },
    feeds: DEMO_FEEDS.map((f, k) => ({
      id: f.id,
      description: f.description,
      decimals: f.decimals,
      pair: f.pair,
      feedIndex: k,
      sources: f.sources.map((s) => ({ id: s })),
      minSources: f.minSources,
      deviationThresholdBps: f.deviationThresholdBps,
      heartbeatSeconds: opts.heartbeatSeconds,
      pollIntervalMs: POLL_INTERVAL_MS,
      toleranceBps: 100,
      ...(f.bounds ? { bounds: f.bounds } : {}),
    })),
  };
}

function spawnNode(identity: NodeIdentity, configPath: string, apiUrl: string, logPath: string, onExit: (p: NodeProc) => void): NodeProc {
  const bin = join(REPO_ROOT, "oracle-node", "bin", "oracle-node.js");
  const child = spawn(process.execPath, [bin, "start", "--config", configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logPath);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const proc: NodeProc = { identity, configPath, apiUrl, child, log, exited: null, exit: Promise.resolve() };
  proc.exit = new Promise((r) =>
    child.once("exit", (code, signal) => {
      proc.exited = { code, signal };
      onExit(proc);
      r();
    }),
  );
  return proc;
}

async function fetchJson<T>(url: string, timeoutMs = 2_000): Promise<T | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return (await res.json()) as T;
  } catch {
    return null;
  }
}

async function waitReady(procs: NodeProc[], deadline: number): Promise<void> {
  for (;;) {
    const health = await Promise.all(procs.map((p) => fetchJson<{ ready: boolean }>(`${p.apiUrl}/health/ready`)));
    const dead = procs.filter((p) => p.exited);
    if (dead.length > 0) throw new Error(`${dead.map((p) => `${p.identity.name} exited (${p.exited?.code ?? p.exited?.signal})`).join(", ")} during start-up; see ${dead[0].log.path}`);
    // /health/ready answers 503 (fetchJson -> null) until the node has read its on-chain config.
    if (health.every((h) => h?.ready === true)) return;
    if (Date.now() > deadline) {
      const slow = procs.filter((_, i) => health[i]?.ready !== true).map((p) => p.identity.name);
      throw new Error(`${slow.join(", ")} not ready after ${NODE_READY_TIMEOUT_MS / 1000} s; see the logs in ${procs[0].log.path.toString().replace(/[^/]*$/, "")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  const log = opts.log ?? (() => undefined);
  const n = opts.nodes ?? DEFAULT_NODES;
  const f = opts.f ?? Math.floor((n - 1) / 3);
  const heartbeatSeconds = opts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  const workDir = mkdtempSync(join(tmpdir(), "oracle-demo-"));
  const events: string[] = [];
  const event = (text: string) => {
    const line = `${new Date().toISOString().slice(11, 19)} ${text}`;
    events.push(line);
    log(line);
  };
  const cleanups: Array<() => Promise<void>> = [];
  const procs: NodeProc[] = [];
  let stopping = false;

  const stopAll = async (keepDir = opts.keep ?? false) => {
    stopping = true;
    await Promise.all(
      procs.map(async (p) => {
        if (p.exited) return;
        p.child.kill("SIGTERM");
        const timer = setTimeout(() => p.child.kill("SIGKILL"), NODE_STOP_DEADLINE_MS);
        await p.exit;
        clearTimeout(timer);
      }),
    );
    for (const p of procs) p.log.end();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!keepDir) rmSync(workDir, { recursive: true, force: true });
  };

  try {
    log("compiling contracts (if needed) and starting the local chain ...");
    const chain = await startLocalChain({ compile: true });
    cleanups.push(() => chain.close());
    log(`chain ${chain.url} (chain id ${chain.chainId})`);

    const sim = await startSimulator({ seed: opts.seed ?? 42, rateLimits: "off", model: { volatilityScale: opts.volatilityScale ?? DEFAULT_VOLATILITY_SCALE } });
    cleanups.push(() => sim.close());
    log(`venue simulator ${sim.url}`);

    const identities = await createNodeIdentities(workDir, n);
    const deployerKey = chain.accounts[0];
    await fundAddresses(chain.url, deployerKey, identities.map((x) => x.address));
    log(`${n} node keys (encrypted keystores, ${PASSWORD_NOTE}), funded for gas`);

    const peerPorts = await freePorts(n);
    const apiPorts = await freePorts(n);
    const generic = genericSourceDefinitions(REPO_ROOT, [...new Set(DEMO_FEEDS.flatMap((x) => x.sources))].filter((s) => ["frankfurter", "open-er-api", "open-meteo"].includes(s)));
    const addressesFile = join(workDir, "addresses.json");
    const configs = identities.map((id, i) => nodeConfig(id, i, { dir: workDir, chain, sim, peerPorts, apiPort: apiPorts[i], heartbeatSeconds, generic, addressesFile, filter: opts.filter ?? "onnx" }));

    // Deploy exactly what the configs describe, the way `oracle-node deploy` does.
    const parsed = parseConfig(configs[0]);
    const provider = new JsonRpcProvider(chain.url, Network.from(chain.chainId), { staticNetwork: true, cacheTimeout: -1 });
    cleanups.push(async () => provider.destroy());
    const signers = identities.map((x) => x.address);
    const deployment = await deployFeeds(new Wallet(deployerKey, provider), { feeds: feedSpecsFromConfig(parsed), signers, transmitters: signers, f, withConsumer: true });
    writeAddressesFile(addressesFile, addressesJson(deployment, DEMO_FEEDS.map((x) => x.id)));
    log(`deployed aggregator ${deployment.aggregator}, ${deployment.feeds.length} proxies, registry ${deployment.registry}, consumer ${deployment.consumer}`);

    mkdirSync(join(workDir, "logs"), { recursive: true });
    identities.forEach((id, i) => {
      const configPath = join(workDir, `${id.name}.yaml`);
      writeFileSync(configPath, stringify(configs[i]));
      procs.push(
        spawnNode(id, configPath, `http://127.0.0.1:${apiPorts[i]}`, join(workDir, "logs", `${id.name}.log`), (p) => {
          if (!stopping) event(`${p.identity.name} exited unexpectedly (${p.exited?.code ?? p.exited?.signal}); log: ${p.log.path}`);
        }),
      );
    });
    log(`starting ${n} nodes (f=${f}) ...`);
    await waitReady(procs, Date.now() + NODE_READY_TIMEOUT_MS);
    log(`nodes ready; dashboards: ${procs.map((p) => p.apiUrl + "/").join(" ")}`);

    const proxies = deployment.feeds.map((x) => new Contract(x.proxy, PROXY_ABI, provider));
    let attackedAt: number | null = null;
    const calm = setTimeout(() => {
      if (stopping) return;
      attackedAt = Date.now();
      for (const a of DEMO_ATTACKS) {
        sim.inject(a.attack);
        event(`attack: ${a.label}`);
      }
    }, opts.calmMs ?? DEFAULT_CALM_MS);
    cleanups.push(async () => clearTimeout(calm));

    const fair = (feed: DemoFeed): string => {
      if (feed.pair === "BERLIN/KELVIN") {
        const celsius = parseDecimal(sim.weather("temperature_2m", WEATHER.latitude, WEATHER.longitude));
        return formatDecimal(celsius + parseDecimal(WEATHER.offsetKelvin));
      }
      return sim.fairPrice(feed.pair);
    };

    const progress = async (): Promise<FeedProgress[]> =>
      Promise.all(
        DEMO_FEEDS.map(async (feed, k): Promise<FeedProgress> => {
          try {
            const [roundId, answer, , updatedAt] = (await proxies[k].latestRoundData()) as [bigint, bigint, bigint, bigint];
            // No report yet in this phase: roundId is phaseId << 64 and updatedAt 0.
            if (updatedAt === 0n) return { feed, rounds: 0, answer: null, updatedAt: null };
            return { feed, rounds: Number(roundId & FEED_ROUND_MASK), answer: formatDecimal(fromFeedUnits(answer, feed.decimals)), updatedAt: Number(updatedAt) };
          } catch {
            return { feed, rounds: 0, answer: null, updatedAt: null }; // the node or chain is not answering
          }
        }),
      );

    const nodeState = (index = 0) => fetchJson<NodeState>(`${procs[index].apiUrl}/api/state`);

    return {
      workDir,
      chainUrl: chain.url,
      simulatorUrl: sim.url,
      dashboards: procs.map((p) => p.apiUrl + "/"),
      feeds: DEMO_FEEDS,
      events,
      attacked: () => attackedAt !== null,
      attackedAt: () => attackedAt,
      progress,
      nodeState,
      fair,
      rows: async () => {
        const [prog, state] = await Promise.all([progress(), nodeState(0)]);
        return prog.map((p): FeedRow => {
          const view = state?.feeds.find((x) => x.id === p.feed.id);
          return {
            id: p.feed.id,
            fair: fair(p.feed),
            answer: p.answer,
            confidence: view?.onchain?.confidence ?? null,
            updatedAt: p.updatedAt,
            rounds: p.rounds,
            droppedNow: (view?.sources ?? []).filter((s) => s.dropped).map((s) => ({ source: s.id, reason: s.reason ?? "filtered" })),
            refusal: view?.refusal ?? null,
          };
        });
      },
      summary: async () => {
        const [prog, state] = await Promise.all([progress(), nodeState(0)]);
        return prog.map((p) => ({
          id: p.feed.id,
          rounds: p.rounds,
          answer: p.answer ?? "",
          fair: fair(p.feed),
          dropped: state?.feeds.find((x) => x.id === p.feed.id)?.dropCounts ?? {},
        }));
      },
      crashed: () => procs.filter((p) => p.exited).map((p) => ({ name: p.identity.name, code: p.exited!.code, signal: p.exited!.signal })),
      stop: stopAll,
    };
  } catch (err) {
    // Keep the configs and logs: they say why a node did not start.
    await stopAll(true);
    throw new Error(`${errorText(err)} (configs and logs kept in ${workDir})`);
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
