/**
 * `npm run bench:network [-- --json] [-- --moves N]`: the oracle network on loopback, measured.
 *
 * 7 nodes (f = 2), each on its own worker thread (its own event loop, as on its own machine)
 * with its own key, peer port and SQLite file, 10 feeds in
 * one aggregator on an automining local chain (Hardhat's JSON-RPC server), the venue simulator
 * with a quiet market. The bench moves one asset's market by 1% (past the 0.5%
 * threshold), waits for the on-chain answer to follow, and repeats, feed after feed:
 * - latency: from the move to the transmission that carries it being read back from the chain;
 * - rounds: reports that reached the chain; failed rounds: moves not on chain within
 *   MOVE_TIMEOUT_MS, plus transactions that failed or reverted on chain;
 * - messages and bytes per round: every peer message (requests and replies) of every node;
 * - gas per round: gasUsed of the confirmed transmissions.
 * `--json` prints exactly one line:
 * {"nodes":7,"feeds":10,"rounds":N,"failedRounds":N,"latencyMsP50":N,"latencyMsP95":N,"messagesPerRound":N,"gasPerRound":N}
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromFeedUnits, parseDecimal } from "../oracle-node/src/quotes/decimal";
import { deviates } from "../oracle-node/src/protocol/round-decision";
import { makeProvider } from "../oracle-node/src/chain/provider";
import { TransmissionWatcher } from "../oracle-node/src/chain/transmission-watcher";
import { committeeSpec, setupCommittee, type Committee, type FeedPlan } from "../test/e2e/harness/committee";
import { NodeWorker } from "../test/e2e/harness/node-worker";

const NODES = 7;
const F = 2;
const ASSETS = ["BTC", "ETH", "SOL", "LINK", "XRP", "DOGE", "LTC", "ADA", "AVAX", "DOT"];
/** Venues with batch endpoints: one HTTP request per venue per poll for all 10 feeds. */
const VENUES = ["binance", "kraken", "bitfinex", "coingecko", "cryptocompare"];
const DEVIATION_BPS = 50;
/** A quiet market (2% of the simulator's usual volatility): rounds come from the bench's moves. */
const QUIET_VOLATILITY = 0.02;
/** Each move: 1% up or down, twice the threshold. */
const MOVE = 0.01;
/** The answer counts as arrived within this distance of the moved fair price. */
const ARRIVED_BPS = 30;
const MOVE_TIMEOUT_MS = 10_000;
/** Pause between moves: lets the previous round's backups stand down. */
const PAUSE_MS = 300;
const DEFAULT_MOVES = 30;
/** How often the bench reads the chain for new transmissions (bounds the latency's resolution). */
const WATCH_MS = 20;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface BenchArgs {
  json: boolean;
  moves: number;
  verbose: boolean;
}

function parseArgs(argv: string[]): BenchArgs {
  const movesArg = argv.indexOf("--moves");
  const moves = movesArg >= 0 ? Number(argv[movesArg + 1]) : DEFAULT_MOVES;
  if (!Number.isInteger(moves) || moves <= 0) {
    process.stderr.write("bench-network: --moves takes a positive integer\n");
    process.exit(2);
  }
  return { json: argv.includes("--json"), moves, verbose: argv.includes("--verbose") };
}

/** What the nodes report about themselves while the bench runs: gas, failed transactions, stage timings. */
interface Tally {
  gas: bigint[];
  failedTx: number;
  stageSamples: Record<string, number[]>;
}

/** The bench's node timing: fast polls and short timeouts, as loopback allows. */
const BENCH_TIMING = {
  pollIntervalMs: 200,
  tickMs: 20,
  watchIntervalMs: 200,
  roundTimeoutMs: 2_000,
  observationGraceMs: 20,
  progressTimeoutMs: 4_000,
  transmitStaggerMs: 2_000,
  minRoundIntervalMs: 50,
};

/** One worker per node, each feeding the tally; pushed into `nodes` as created so a failure still stops them. */
function createWorkers(c: Committee, dir: string, verbose: boolean, tally: Tally, nodes: NodeWorker[]): void {
  const spec = committeeSpec(c);
  for (let i = 0; i < NODES; i++) {
    const w = new NodeWorker({
      spec,
      index: i,
      dir,
      logLevel: verbose ? "debug" : undefined,
      // The network is measured here; bench:model measures the filter.
      over: { filter: { kind: "mad" }, timing: BENCH_TIMING },
    });
    w.onEvent = (e) => {
      if (e.type === "round" && e.outcome === "reported") for (const [k, v] of Object.entries(e.stages)) (tally.stageSamples[k] ??= []).push(v);
      if (e.type === "tx" && e.status === "confirmed" && e.gasUsed !== undefined) {
        tally.gas.push(BigInt(e.gasUsed));
        (tally.stageSamples.transmitMs ??= []).push(e.ms);
      } else if (e.type === "tx" && e.hash && e.status !== "confirmed") tally.failedTx += 1; // sent, then failed or reverted on chain
    };
    nodes.push(w);
  }
}

/** The chain as the bench sees it: every transmission's answers, read every WATCH_MS. */
interface ChainWatch {
  answers: Map<number, bigint>;
  landed(): number;
  /** Resolves true once `cond` holds (checked after each read of the chain), false after timeoutMs. */
  until(cond: () => boolean, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

async function watchChain(c: Committee): Promise<ChainWatch> {
  const provider = makeProvider(c.chain.url, c.chain.chainId);
  const watcher = new TransmissionWatcher(provider, c.deployment.aggregator);
  await watcher.init(0);
  const answers = new Map<number, bigint>();
  let landed = 0;
  let watching = true;
  const waiters: Array<() => void> = [];
  const loop = (async () => {
    while (watching) {
      for (const t of await watcher.poll()) {
        landed += 1;
        for (const u of t.feeds) answers.set(u.feedIndex, u.answer);
      }
      for (const w of waiters.splice(0)) w();
      await new Promise((r) => setTimeout(r, WATCH_MS));
    }
  })();
  return {
    answers,
    landed: () => landed,
    until: async (cond, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) return false;
        await new Promise<void>((r) => waiters.push(r));
      }
      return true;
    },
    stop: async () => {
      watching = false;
      await loop;
      provider.destroy();
    },
  };
}

/** The on-chain answer of feed k is within ARRIVED_BPS of the simulator's fair price. */
function arrivedOn(c: Committee, feeds: FeedPlan[], watch: ChainWatch, k: number): boolean {
  const a = watch.answers.get(k);
  return a !== undefined && !deviates(fromFeedUnits(a, 8), parseDecimal(c.sim.fairPrice(feeds[k].pair)), ARRIVED_BPS);
}

/** Warm-up, not measured: every feed's first answer on chain, then a second to settle. */
async function warmUp(c: Committee, feeds: FeedPlan[], watch: ChainWatch): Promise<void> {
  if (!(await watch.until(() => feeds.every((_, k) => arrivedOn(c, feeds, watch, k)), 60_000))) throw new Error("the feeds never reached the chain");
  await new Promise((r) => setTimeout(r, 1_000));
}

/** Moves one asset after another by MOVE and times the answer's arrival on chain. */
async function measureMoves(c: Committee, feeds: FeedPlan[], watch: ChainWatch, moves: number): Promise<{ latencies: number[]; missed: number }> {
  const latencies: number[] = [];
  let missed = 0;
  for (let m = 0; m < moves; m++) {
    const k = m % feeds.length;
    const up = Math.floor(m / feeds.length) % 2 === 0;
    c.sim.shiftMarket(ASSETS[k], up ? 1 + MOVE : 1 / (1 + MOVE));
    const t0 = Date.now();
    if (await watch.until(() => arrivedOn(c, feeds, watch, k), MOVE_TIMEOUT_MS)) latencies.push(Date.now() - t0);
    else missed += 1;
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  return { latencies, missed };
}

interface BenchResult {
  nodes: number;
  feeds: number;
  rounds: number;
  failedRounds: number;
  latencyMsP50: number;
  latencyMsP95: number;
  messagesPerRound: number;
  gasPerRound: number;
}

function printTable(result: BenchResult, moves: number, sortedLatencies: number[], bytesPerRound: number, stageSamples: Record<string, number[]>): void {
  const rows: Array<[string, string]> = [
    ["nodes / f", `${NODES} / ${F}`],
    ["feeds", String(result.feeds)],
    ["moves (1% each, threshold 0.5%)", String(moves)],
    ["rounds on chain", String(result.rounds)],
    ["failed rounds", String(result.failedRounds)],
    ["latency p50 (move -> on chain)", `${result.latencyMsP50} ms`],
    ["latency p95", `${result.latencyMsP95} ms`],
    ["latency max", `${sortedLatencies[sortedLatencies.length - 1] ?? 0} ms`],
    ["messages per round", String(result.messagesPerRound)],
    ["bytes per round", String(bytesPerRound)],
    ["gas per round", String(result.gasPerRound)],
  ];
  for (const [k, v] of Object.entries(stageSamples))
    rows.push([
      `  stage ${k} p50`,
      `${percentile(
        [...v].sort((a, b) => a - b),
        50,
      )} ms`,
    ]);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // In --json mode stdout carries only the result line: everything else goes to stderr.
  const realWrite = process.stdout.write.bind(process.stdout);
  if (args.json)
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);

  const feeds: FeedPlan[] = ASSETS.map((a) => ({
    id: `${a}/USD`,
    pair: `${a}/USD`,
    decimals: 8,
    sources: VENUES,
    deviationBps: DEVIATION_BPS,
    heartbeatSec: 3600,
  }));
  process.stderr.write(`bench-network: ${NODES} nodes (f=${F}), ${feeds.length} feeds, ${args.moves} moves\n`);
  const c = await setupCommittee({ n: NODES, f: F, feeds, volatilityScale: QUIET_VOLATILITY });
  const dir = mkdtempSync(join(tmpdir(), "bench-network-"));
  const nodes: NodeWorker[] = [];
  const tally: Tally = { gas: [], failedTx: 0, stageSamples: {} };
  try {
    createWorkers(c, dir, args.verbose, tally, nodes);
    await Promise.all(nodes.map((w) => w.started()));
    const watch = await watchChain(c);
    await warmUp(c, feeds, watch);
    const before = { landed: watch.landed(), gas: tally.gas.length, failed: tally.failedTx, stats: await Promise.all(nodes.map((n) => n.stats())) };
    const { latencies, missed } = await measureMoves(c, feeds, watch, args.moves);
    await new Promise((r) => setTimeout(r, 2_500)); // any backup transmission shows up in the counts
    await watch.stop();

    const rounds = watch.landed() - before.landed;
    const statsAfter = await Promise.all(nodes.map((n) => n.stats()));
    const msgs = statsAfter.reduce((s, x, i) => s + x.messagesSent - before.stats[i].messagesSent, 0);
    const bytes = statsAfter.reduce((s, x, i) => s + x.bytesSent - before.stats[i].bytesSent, 0);
    const roundGas = tally.gas.slice(before.gas);
    const gasPerRound = roundGas.length ? Number(roundGas.reduce((a, b) => a + b, 0n) / BigInt(roundGas.length)) : 0;
    const sorted = [...latencies].sort((a, b) => a - b);
    const result: BenchResult = {
      nodes: NODES,
      feeds: feeds.length,
      rounds,
      failedRounds: missed + (tally.failedTx - before.failed),
      latencyMsP50: percentile(sorted, 50),
      latencyMsP95: percentile(sorted, 95),
      messagesPerRound: rounds ? Math.round(msgs / rounds) : 0,
      gasPerRound,
    };
    if (args.json) realWrite(JSON.stringify(result) + "\n");
    else printTable(result, args.moves, sorted, rounds ? Math.round(bytes / rounds) : 0, tally.stageSamples);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench-network: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
