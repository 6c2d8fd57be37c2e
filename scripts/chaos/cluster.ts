import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorReader } from "../../oracle-node/src/chain/aggregator";
import { makeProvider } from "../../oracle-node/src/chain/provider";
import type { AdversaryStats } from "../../test/support/adversary";
import type { AdversarySpec } from "../../test/support/adversary-wire";
import { writeNodeConfig, type Committee } from "../../test/e2e/harness/committee";
import { NodeProcess } from "../../test/e2e/harness/node-process";
import { TcpProxy } from "../../test/e2e/harness/tcp-proxy";
import type { FaultMode } from "../../test/support/faults";

/**
 * The chaos bench's processes: one OS process per oracle node (the real CLI, or the test entry
 * with a fault), adversary processes (test/support/adversary-process.ts) and the TCP proxy the
 * nodes reach the chain through. It knows which exits it caused: any other exit of an honest
 * node is a crash (counted, and the node restarted so the run goes on).
 */
const REPO = join(__dirname, "../..");
const START_TIMEOUT_MS = 60_000;
/** Open files per node process: the common default (issue 13: the outsider must not exhaust them). */
export const NODE_FD_LIMIT = 1_024;

export class Cluster {
  readonly nodes: NodeProcess[] = [];
  readonly proxy: TcpProxy;
  readonly adversaries: Array<{ child: ChildProcess; statsPath: string; done: Promise<void> }> = [];
  /** Honest nodes that exited without the bench killing them. */
  honestCrashes = 0;
  private readonly expected = new Set<number>();
  private readonly byzantine = new Set<number>();
  private monitor: NodeJS.Timeout | null = null;
  configDigest = "";

  constructor(
    readonly c: Committee,
    readonly dir: string,
  ) {
    const url = new URL(c.chain.url);
    this.proxy = new TcpProxy(url.hostname, Number(url.port));
  }

  async start(): Promise<void> {
    await this.proxy.start();
    const provider = makeProvider(this.c.chain.url, this.c.chain.chainId);
    this.configDigest = (await new AggregatorReader(provider, this.c.deployment.aggregator).committee()).configDigest;
    provider.destroy();
    for (let i = 0; i < this.c.keys.length; i++)
      this.nodes.push(new NodeProcess(i, await writeNodeConfig(this.c, i, this.dir, { rpcUrl: this.proxy.url }), NODE_FD_LIMIT));
    await Promise.all(this.nodes.map((_, i) => this.startNode(i)));
    this.monitor = setInterval(() => this.check(), 250);
  }

  async startNode(i: number, fault: FaultMode = "none"): Promise<void> {
    const n = this.nodes[i];
    const from = n.lines.length;
    this.expected.delete(i);
    n.start(fault);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!n.lines.slice(from).some((l) => l.includes('"node started"'))) {
      if (Date.now() > deadline || !n.running) throw new Error(`node ${i} did not start:\n${n.lines.slice(from).slice(-5).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.down.delete(i);
  }

  /** Nodes the bench has killed at least once (their RSS restarted: not counted in the growth). */
  readonly killed = new Set<number>();

  /** Honest nodes killed by the bench and not yet started again (logged "node started"). */
  readonly down = new Set<number>();

  /** SIGKILL, expected (not a crash). */
  async kill(i: number): Promise<void> {
    this.expected.add(i);
    this.killed.add(i);
    if (this.isHonest(i)) this.down.add(i);
    await this.nodes[i].kill("SIGKILL");
  }

  /** Marks node i as one whose next exit the bench expects (a test fault that kills itself). */
  expectExit(i: number): void {
    this.expected.add(i);
  }

  isHonest(i: number): boolean {
    return !this.byzantine.has(i);
  }

  private check(): void {
    for (const n of this.nodes) {
      if (n.running || this.expected.has(n.index) || this.byzantine.has(n.index) || n.child === null) continue;
      this.honestCrashes += 1;
      process.stderr.write(`bench-chaos: honest node ${n.index} exited unexpectedly:\n${n.lines.slice(-5).join("\n")}\n`);
      this.expected.add(n.index);
      void this.startNode(n.index).catch(() => undefined);
    }
  }

  /** Replaces node i by an adversary holding its key on its port (a faulty member). */
  async turnByzantine(i: number, allies: number[], attacks?: string[]): Promise<void> {
    this.byzantine.add(i);
    await this.kill(i);
    const spec = { ...this.baseSpec(), privateKey: this.c.keys[i], listenPort: this.c.ports[i], attacks, allies: allies.map((k) => this.c.addresses[k]) };
    await this.spawnAdversary(`member-${i}`, spec);
  }

  /** An outsider (no key) against the honest nodes' ports. */
  async outsider(slowConnections: number): Promise<void> {
    const spec = this.baseSpec();
    spec.peers = Object.fromEntries(
      Object.entries(spec.peers).filter(([, u]) => this.nodes.some((n) => this.isHonest(n.index) && u.endsWith(`:${this.c.ports[n.index]}`))),
    );
    await this.spawnAdversary("outsider", { ...spec, slowConnections });
  }

  private baseSpec(): AdversarySpec {
    return {
      signers: this.c.addresses,
      peers: Object.fromEntries(this.c.addresses.map((a, k) => [a, `http://127.0.0.1:${this.c.ports[k]}`])),
      configDigest: this.configDigest,
      chainId: this.c.chain.chainId,
      aggregator: this.c.deployment.aggregator,
      f: this.c.f,
      feeds: this.c.feeds.map((_, k) => k),
      chainUrl: this.c.chain.url,
    };
  }

  private async spawnAdversary(name: string, spec: AdversarySpec): Promise<void> {
    const specPath = join(this.dir, `${name}.spec.json`);
    const statsPath = join(this.dir, `${name}.stats.json`);
    writeFileSync(specPath, JSON.stringify(spec));
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "test/support/adversary-process.ts"), "--spec", specPath, "--stats", statsPath], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
    const done = new Promise<void>((r) => child.once("close", () => r()));
    this.adversaries.push({ child, statsPath, done });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!err.includes(`adversary `)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`adversary ${name} did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the adversaries (SIGTERM: they write their final counters) and returns them. */
  async adversaryStats(): Promise<AdversaryStats[]> {
    for (const a of this.adversaries) a.child.kill("SIGTERM");
    await Promise.all(this.adversaries.map((a) => Promise.race([a.done, new Promise((r) => setTimeout(r, 10_000))])));
    return this.adversaries.filter((a) => existsSync(a.statsPath)).map((a) => JSON.parse(readFileSync(a.statsPath, "utf8")) as AdversaryStats);
  }

  async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    for (const a of this.adversaries) a.child.kill("SIGKILL");
    for (const n of this.nodes) this.expected.add(n.index);
    await Promise.all(this.nodes.map((n) => Promise.race([n.kill("SIGTERM"), new Promise((r) => setTimeout(r, 10_000))])));
    await Promise.all(this.nodes.map((n) => n.kill("SIGKILL")));
    await this.proxy.stop();
  }
}
