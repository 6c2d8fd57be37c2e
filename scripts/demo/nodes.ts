import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { LocalChain } from "./chain";
import type { NodeIdentity } from "./node-keys";
import { DEMO_FEEDS } from "./plan";
import type { Simulator } from "../../oracle-node/src/simulator/simulator";

/**
 * The demo's oracle nodes as separate `oracle-node start` processes: their configs, the
 * processes themselves, their readiness and their shutdown.
 */

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
/** Between two rounds of readiness checks. */
const READY_POLL_MS = 250;
/** SIGTERM gives a node this long to drain before SIGKILL. */
const NODE_STOP_DEADLINE_MS = 10_000;

export interface NodeProc {
  identity: NodeIdentity;
  configPath: string;
  apiUrl: string;
  child: ChildProcess;
  log: WriteStream;
  exited: { code: number | null; signal: string | null } | null;
  exit: Promise<void>;
}

/** `count` free loopback ports (bound to port 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((r) => {
          const s = createServer();
          s.listen(0, "127.0.0.1", () => r(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface NodeConfigInputs {
  dir: string;
  repoRoot: string;
  chain: LocalChain;
  sim: Simulator;
  peerPorts: number[];
  apiPort: number;
  heartbeatSeconds: number;
  generic: unknown[];
  addressesFile: string;
  filter: "onnx" | "mad" | "none";
}

/** Node i's config file, as an operator would write it (validated by the node at start). */
export function nodeConfig(id: NodeIdentity, i: number, opts: NodeConfigInputs): Record<string, unknown> {
  return {
    version: 1,
    node: {
      name: id.name,
      keystore: { path: id.keystore, passwordFile: id.passwordFile },
      chain: { rpcUrl: opts.chain.url, chainId: opts.chain.chainId, addressesFile: opts.addressesFile, confirmations: 1 },
      peers: opts.peerPorts.map((p, k) => ({ index: k, url: `http://127.0.0.1:${p}` })).filter((p) => p.index !== i),
      listen: { host: "127.0.0.1", port: opts.peerPorts[i] },
      database: { path: join(opts.dir, `${id.name}.sqlite`) },
      filter: { kind: opts.filter, modelPath: join(opts.repoRoot, "models", "anomaly-detector.onnx") },
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

/** Starts `oracle-node start --config ...` through the package's bin, output into the node's log file. */
export function spawnNode(
  repoRoot: string,
  identity: NodeIdentity,
  configPath: string,
  apiUrl: string,
  logPath: string,
  onExit: (p: NodeProc) => void,
): NodeProc {
  const bin = join(repoRoot, "oracle-node", "bin", "oracle-node.js");
  const child = spawn(process.execPath, [bin, "start", "--config", configPath], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logPath);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
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

/** How a node process ended, for a message: its exit code or the signal. */
export function exitText(p: NodeProc): string {
  return String(p.exited?.code ?? p.exited?.signal ?? "running");
}

export async function fetchJson<T>(url: string, timeoutMs = 2_000): Promise<T | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return (await res.json()) as T;
  } catch {
    return null;
  }
}

/** Resolves once every node answers /health/ready; throws when one exits or the deadline passes. */
export async function waitReady(procs: NodeProc[], deadline: number, timeoutMs: number): Promise<void> {
  for (;;) {
    const health = await Promise.all(procs.map((p) => fetchJson<{ ready: boolean }>(`${p.apiUrl}/health/ready`)));
    const dead = procs.filter((p) => p.exited);
    if (dead.length > 0)
      throw new Error(`${dead.map((p) => `${p.identity.name} exited (${exitText(p)})`).join(", ")} during start-up; see ${String(dead[0].log.path)}`);
    // /health/ready answers 503 (fetchJson -> null) until the node has read its on-chain config.
    if (health.every((h) => h?.ready === true)) return;
    if (Date.now() > deadline) {
      const slow = procs.filter((_, i) => health[i]?.ready !== true).map((p) => p.identity.name);
      throw new Error(`${slow.join(", ")} not ready after ${timeoutMs / 1000} s; see the logs in ${String(procs[0].log.path).replace(/[^/]*$/, "")}`);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/** SIGTERM to every running node, SIGKILL after NODE_STOP_DEADLINE_MS; closes their logs. */
export async function stopNodes(procs: NodeProc[]): Promise<void> {
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
}
