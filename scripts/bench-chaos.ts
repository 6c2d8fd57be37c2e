/**
 * `npm run bench:chaos [-- --json] [-- --moves N] [-- --calm N] [-- --slow N]`: the committee under
 * attack, measured. 7 oracle nodes (f = 2) as OS processes on loopback (the real CLI), the
 * chain behind a TCP proxy, the venue simulator with a quiet market, 3 feeds.
 *
 * 1. Calm: all 7 honest; the bench moves one market by 1% (twice the threshold) after another
 *    and times the on-chain answer's arrival (latencyMsP50Calm).
 * 2. Attack: members 5 and 6 are replaced by adversaries holding their keys
 *    (test/support/adversary.ts, every member attack on at once), an outsider runs the transport
 *    attacks against the 5 honest ports, and on a timer: node 1 is killed (-9) and restarted,
 *    the current epoch's (honest) leader is killed -9 right after a move, while its round runs,
 *    and restarted, and the nodes' RPC is cut for 10 s. The
 *    moves go on (latencyMsP50, rounds, failedRounds, maxStallSeconds).
 * Wrong answers: every transmission read back, each answer further than the feed's tolerance
 * from every fair price of the last 15 s. Equivocations: honest signers with two different
 * report digests for one (epoch, round) in what the adversaries collected (their own proposals
 * and every final report honest leaders sent them), plus (epoch, round) pairs on chain twice.
 * Stalls: maxStallSeconds is each attacked move's wait counted from the later of the move and the
 * last moment the committee was outside its fault model (more than f members faulty: the 2
 * Byzantine ones plus an honest node killed and not yet restarted, as when the leader is killed;
 * or the chain unreachable during the RPC outage), when nothing can land by design;
 * maxStallSecondsRaw is the plain wait. The nodes run with 1,024 open files (NODE_FD_LIMIT).
 * RSS growth: honest nodes never killed, sampled every 2 s from the start of the attack phase to
 * its end (the timeline, open files and the fd limit are in details.json).
 * `--json` prints exactly one line:
 * {"nodes":7,"f":2,"byzantine":2,"attacks":[...],"rounds":N,"failedRounds":N,"wrongAnswers":N,"maxStallSeconds":N,"maxStallSecondsRaw":N,
 *  "latencyMsP50":N,"latencyMsP50Calm":N,"honestCrashes":N,"equivocations":N,"rssGrowthPct":N}
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromFeedUnits, parseDecimal } from "../oracle-node/src/quotes/decimal";
import { deviates } from "../oracle-node/src/protocol/round-decision";
import { leaderIndex } from "../oracle-node/src/protocol/leader";
import { setupCommittee, type Committee, type FeedPlan } from "../test/e2e/harness/committee";
import { Cluster } from "./chaos/cluster";
import { fdLimit, openFds, percentile, rssKb, watchChain, type ChainWatch } from "./chaos/watch";

const NODES = 7;
const F = 2;
const BYZANTINE = [5, 6];
const ASSETS = ["BTC", "ETH", "SOL"];
const VENUES = ["binance", "kraken", "bitfinex", "coingecko", "cryptocompare"];
const MOVE = 0.01;
const ARRIVED_BPS = 30;
const MOVE_TIMEOUT_MS = 15_000;
const PAUSE_MS = 500;
const RPC_OUTAGE_MS = 10_000;
/** When each fault fires, in ms after the attack phase starts. */
const EVENTS = { kill9: 10_000, leaderKill: 30_000, rpcOutage: 50_000 };
const DEFAULT_MOVES = 20;
const DEFAULT_CALM = 8;
const DEFAULT_SLOW = 300;

interface Args {
  json: boolean;
  moves: number;
  calm: number;
  slow: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const num = (name: string, def: number) => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? Number(argv[i + 1]) : def;
    if (!Number.isInteger(v) || v < 0) {
      process.stderr.write(`bench-chaos: ${name} takes a non-negative integer\n`);
      process.exit(2);
    }
    return v;
  };
  return {
    json: argv.includes("--json"),
    moves: num("--moves", DEFAULT_MOVES),
    calm: num("--calm", DEFAULT_CALM),
    slow: num("--slow", DEFAULT_SLOW),
    keep: argv.includes("--keep"),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function arrived(c: Committee, feeds: FeedPlan[], watch: ChainWatch, k: number): boolean {
  const a = watch.answers.get(k);
  return a !== undefined && !deviates(fromFeedUnits(a, 8), parseDecimal(c.sim.fairPrice(feeds[k].pair)), ARRIVED_BPS);
}

interface Move {
  /** ms after the phase started */
  at: number;
  /** wall clock of the move */
  t0: number;
  ms: number;
  ok: boolean;
}

/**
 * When the committee was outside its fault model: more than f members faulty (the Byzantine ones
 * plus honest nodes the bench has killed and not yet restarted) or the chain unreachable (the RPC
 * outage). Sampled every 100 ms; nothing can land then, by design.
 */
function beyondFaultModel(cl: Cluster, rpcDown: () => boolean) {
  const bad: number[] = [];
  const timer = setInterval(() => {
    if (rpcDown() || BYZANTINE.length + cl.down.size > F) bad.push(Date.now());
  }, 100);
  return {
    stop: () => clearInterval(timer),
    /** The move's stall counted from the later of the move and the last moment the committee was beyond f or blind. */
    stallMs: (m: Move): number => {
      const end = m.t0 + m.ms;
      let from = m.t0;
      for (const t of bad) if (t >= m.t0 && t <= end) from = Math.max(from, t);
      return end - from;
    },
  };
}

/** Moves markets one after another until `more()` says stop; each move's wait (ms) and whether it arrived. */
let lastMove = 0;

async function moves(c: Committee, feeds: FeedPlan[], watch: ChainWatch, start: number, more: (done: number) => boolean): Promise<Move[]> {
  const out: Move[] = [];
  const phase = Date.now();
  for (let m = start; more(out.length); m++) {
    const k = m % feeds.length;
    const up = Math.floor(m / feeds.length) % 2 === 0;
    c.sim.shiftMarket(ASSETS[k], up ? 1 + MOVE : 1 / (1 + MOVE));
    watch.noteFair(k);
    const t0 = (lastMove = Date.now());
    const ok = await watch.until(() => arrived(c, feeds, watch, k), MOVE_TIMEOUT_MS);
    out.push({ at: t0 - phase, t0, ms: Date.now() - t0, ok });
    if (!ok) process.stderr.write(`bench-chaos: move ${m} (${ASSETS[k]}) not on chain within ${MOVE_TIMEOUT_MS} ms\n`);
    await sleep(PAUSE_MS);
  }
  return out;
}

/** Kills the current epoch's leader (an honest one) right after a market move, while its round runs; restarts it 2 s later. */
async function killLeaderMidRound(cl: Cluster, watch: ChainWatch, lastMoveAt: () => number): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const leader = leaderIndex(watch.lastEpoch(), NODES, cl.configDigest);
    const fresh = Date.now() - lastMoveAt() < 250;
    if (fresh && cl.isHonest(leader) && cl.nodes[leader].running) {
      const after = Date.now() - lastMoveAt();
      await cl.kill(leader);
      await sleep(2_000);
      await cl.startNode(leader);
      return `leader ${leader} of epoch ${watch.lastEpoch()} killed -9 ${after} ms after a move, restarted`;
    }
    if (Date.now() > deadline) return "no honest leader mid-round within 30 s: not killed";
    await sleep(20);
  }
}

/** The faults on their timers; resolves when all have run (and the nodes they hit are back). */
const rpc = { down: false };

async function faults(cl: Cluster, watch: ChainWatch, lastMoveAt: () => number, log: string[]): Promise<void> {
  const t0 = Date.now();
  const at = (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));
  await at(EVENTS.kill9);
  await cl.kill(1);
  await cl.startNode(1);
  log.push(`${Date.now() - t0} ms: node 1 killed -9 and restarted`);
  await at(EVENTS.leaderKill);
  log.push(`${Date.now() - t0} ms: ${await killLeaderMidRound(cl, watch, lastMoveAt)}`);
  await at(EVENTS.rpcOutage);
  log.push(`${Date.now() - t0} ms: RPC outage ${RPC_OUTAGE_MS} ms`);
  rpc.down = true;
  await cl.proxy.stop();
  await sleep(RPC_OUTAGE_MS);
  await cl.proxy.start();
  rpc.down = false;
}

/**
 * Samples every honest node every 2 s while the attack phase runs: its RSS (kB; a leak climbs,
 * warm-up flattens) and the most files any honest node holds open against its limit
 * (NODE_FD_LIMIT). `stop` sums the RSS over the nodes never killed (a restart resets it).
 */
function sampler(cl: Cluster) {
  const perNode: Array<Map<number, number>> = [];
  let maxOpenFds = 0;
  const limits = new Set<number>();
  const tick = () => {
    const m = new Map<number, number>();
    for (const n of cl.nodes) {
      if (!cl.isHonest(n.index) || !n.running) continue;
      const kb = rssKb(n.child?.pid);
      if (kb !== null) m.set(n.index, kb);
      maxOpenFds = Math.max(maxOpenFds, openFds(n.child?.pid) ?? 0);
      const l = fdLimit(n.child?.pid);
      if (l !== null) limits.add(l);
    }
    perNode.push(m);
  };
  tick();
  const timer = setInterval(tick, 2_000);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      const never = cl.nodes.filter((n) => cl.isHonest(n.index) && !cl.killed.has(n.index) && perNode.every((m) => m.has(n.index))).map((n) => n.index);
      const rssKbTimeline = perNode.map((m) => never.reduce((a, i) => a + (m.get(i) ?? 0), 0));
      return { rssNodes: never, rssKbTimeline, maxOpenFds, fdLimits: [...limits] };
    },
  };
}

interface Result {
  nodes: number;
  f: number;
  byzantine: number;
  attacks: string[];
  rounds: number;
  failedRounds: number;
  wrongAnswers: number;
  maxStallSeconds: number;
  maxStallSecondsRaw: number;
  latencyMsP50: number;
  latencyMsP50Calm: number;
  honestCrashes: number;
  equivocations: number;
  rssGrowthPct: number;
}

async function run(args: Args, c: Committee, feeds: FeedPlan[], cl: Cluster, extra: { log: string[]; counts: Record<string, unknown> }): Promise<Result> {
  const watch = await watchChain(c, feeds);
  try {
    if (!(await watch.until(() => feeds.every((_, k) => arrived(c, feeds, watch, k)), 90_000))) throw new Error("the feeds never reached the chain");
    const calm = await moves(c, feeds, watch, 0, (n) => n < args.calm);
    for (const i of BYZANTINE) await cl.turnByzantine(i, BYZANTINE);
    await cl.outsider(args.slow);
    await sleep(3_000);
    const samples = sampler(cl);
    const model = beyondFaultModel(cl, () => rpc.down);
    const landed0 = watch.landed();
    let faultsDone = false;
    const faultRun = faults(cl, watch, () => lastMove, extra.log).finally(() => (faultsDone = true));
    const attack = await moves(c, feeds, watch, args.calm, (n) => n < args.moves || !faultsDone);
    await faultRun;
    model.stop();
    await sleep(3_000);
    const rss = samples.stop();
    Object.assign(extra.counts, rss);
    const stats = await cl.adversaryStats();
    const byz = new Set(BYZANTINE.map((i) => c.addresses[i]));
    const equivocations =
      new Set(stats.flatMap((s) => s.equivocations.filter((e) => !byz.has(e.signer)).map((e) => `${e.signer}|${e.epoch}|${e.round}`))).size +
      watch.duplicateRounds();
    for (const s of stats) extra.counts[s.index >= 0 ? `member ${s.index}` : "outsider"] = s.counts;
    extra.counts.wrong = watch.wrong;
    extra.counts.attackedMoves = attack.map((x) => `${x.at} ms: ${x.ok ? x.ms + " ms" : "missed"}`);
    const calmMs = calm
      .filter((x) => x.ok)
      .map((x) => x.ms)
      .sort((a, b) => a - b);
    const attackMs = attack
      .filter((x) => x.ok)
      .map((x) => x.ms)
      .sort((a, b) => a - b);
    const base = rss.rssKbTimeline[0];
    const end = rss.rssKbTimeline[rss.rssKbTimeline.length - 1];
    return {
      nodes: NODES,
      f: F,
      byzantine: BYZANTINE.length,
      attacks: [...new Set(stats.flatMap((s) => s.attacks)), "kill-9-restart", "leader-kill-mid-round", "rpc-outage-10s"],
      rounds: watch.landed() - landed0,
      failedRounds: attack.filter((x) => !x.ok).length,
      wrongAnswers: watch.wrong.length,
      maxStallSeconds: Math.round(Math.max(0, ...attack.map((x) => model.stallMs(x))) / 100) / 10,
      maxStallSecondsRaw: Math.round(Math.max(0, ...attack.map((x) => x.ms)) / 100) / 10,
      latencyMsP50: percentile(attackMs, 50),
      latencyMsP50Calm: percentile(calmMs, 50),
      honestCrashes: cl.honestCrashes,
      equivocations,
      rssGrowthPct: base > 0 && rss.rssNodes.length > 0 ? Math.round(((end - base) / base) * 1000) / 10 : -1,
    };
  } finally {
    await watch.stop();
  }
}

function printTable(r: Result, extra: { log: string[]; counts: Record<string, unknown> }): void {
  const rows: Array<[string, string]> = Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]);
  const w = Math.max(...rows.map((x) => x[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log("\nfaults:");
  for (const l of extra.log) console.log(`  ${l}`);
  console.log("\nwhat the attacks got back:");
  console.log(JSON.stringify(extra.counts, null, 1));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const realWrite = process.stdout.write.bind(process.stdout);
  if (args.json)
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  const feeds: FeedPlan[] = ASSETS.map((a) => ({
    id: `${a}/USD`,
    pair: `${a}/USD`,
    decimals: 8,
    sources: VENUES,
    deviationBps: 50,
    heartbeatSec: 3600,
    toleranceBps: 100,
  }));
  process.stderr.write(`bench-chaos: ${NODES} nodes (f=${F}), ${BYZANTINE.length} Byzantine, ${args.calm} calm + ${args.moves} attacked moves\n`);
  const c = await setupCommittee({ n: NODES, f: F, feeds, volatilityScale: 0.02 });
  const dir = mkdtempSync(join(tmpdir(), "bench-chaos-"));
  const cl = new Cluster(c, dir);
  const extra = { log: [] as string[], counts: {} as Record<string, unknown> };
  let failed = true;
  try {
    await cl.start();
    const result = await run(args, c, feeds, cl, extra);
    failed = false;
    if (args.json) realWrite(JSON.stringify(result) + "\n");
    else printTable(result, extra);
    writeFileSync(join(dir, "details.json"), JSON.stringify(extra, null, 1));
  } finally {
    await cl.stop();
    await c.close();
    if (failed || args.keep) {
      for (const n of cl.nodes) writeFileSync(join(dir, `node-${n.index}.log`), n.lines.join("\n"));
      process.stderr.write(`bench-chaos: logs and details kept in ${dir}\n`);
    } else rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench-chaos: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
