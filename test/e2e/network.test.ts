import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { JsonRpcProvider, Wallet } from "ethers";
import { parseDecimal, fromFeedUnits } from "../../oracle-node/src/quotes/decimal";
import { deviates } from "../../oracle-node/src/protocol/round-decision";
import { leaderIndex } from "../../oracle-node/src/protocol/leader";
import { MESSAGE_SCHEMAS, MSG, type ReportProposal } from "../../oracle-node/src/protocol/messages";
import { AggregatorReader, aggregatorInterface } from "../../oracle-node/src/chain/aggregator";
import { PeerNetwork, PeerSendError } from "../../oracle-node/src/transport/peer-network";
import type { RuntimeState } from "../../oracle-node/src/node/node-view";
import { freePorts, setupCommittee, writeNodeConfig, type Committee } from "./harness/committee";
import { NodeProcess } from "./harness/node-process";
import type { FaultMode } from "../support/faults";
import { TcpProxy } from "./harness/tcp-proxy";
import { waitFor } from "./harness/wait";

/**
 * The network end to end: a real JSON-RPC node (Hardhat's server), the contracts deployed, the
 * venue simulator, and 4 oracle nodes (f = 1) as separate OS processes, each with its own key,
 * port, SQLite file and config file, all talking to the chain through a TCP proxy the test can
 * take down. One chain and one deployment serve every scenario, in order.
 */
const N = 4;
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
/** How close the on-chain answer must come to the simulator's fair price after a move. */
const TRACK_BPS = 40;
/** How far it may ever be from the fair price while a venue or a node misbehaves. */
const NEVER_BPS = 100;
const MODEL = join(__dirname, "../../models/anomaly-detector.onnx");

let c: Committee;
let proxy: TcpProxy;
let chain: JsonRpcProvider;
let reader: AggregatorReader;
const nodes: NodeProcess[] = [];
let apiPorts: number[] = [];
/** The node (b) kills, which (f) restarts. */
let killedInB = -1;
const dir = mkdtempSync(join(tmpdir(), "oracle-e2e-"));

async function state(i: number): Promise<RuntimeState> {
  const r = await fetch(`http://127.0.0.1:${apiPorts[i]}/api/state`, { signal: AbortSignal.timeout(2_000) });
  return (await r.json()) as RuntimeState;
}

async function anyState(): Promise<RuntimeState> {
  for (let i = 0; i < N; i++) if (nodes[i].running) return state(i).catch(() => null as never);
  throw new Error("no node running");
}

/** The on-chain answer of a feed as a fixed-point decimal (straight from the chain). */
async function onchain(feedIndex: number): Promise<bigint | null> {
  const l = await reader.latest(feedIndex);
  return l.answer === null ? null : fromFeedUnits(l.answer, 8);
}

function fair(pair: string): bigint {
  return parseDecimal(c.sim.fairPrice(pair));
}

async function tracks(feedIndex: number, pair: string, bps = TRACK_BPS): Promise<boolean> {
  const a = await onchain(feedIndex).catch(() => null);
  return a !== null && !deviates(a, fair(pair), bps);
}

async function started(n: NodeProcess, from: number): Promise<void> {
  await waitFor(() => n.lines.slice(from).some((l) => l.includes('"node started"')), 30_000, `node ${n.index} started`);
}

async function restart(i: number, fault: FaultMode = "none"): Promise<void> {
  await nodes[i].kill("SIGKILL");
  const from = nodes[i].lines.length;
  nodes[i].start(fault);
  await started(nodes[i], from);
}

/** Restarts any node an earlier scenario left dead, so each scenario starts from a full committee. */
async function ensureAllRunning(): Promise<void> {
  for (const n of nodes) {
    if (n.running) continue;
    const from = n.lines.length;
    n.start();
    await started(n, from);
  }
}

async function currentLeader(): Promise<{ epoch: number; leader: number }> {
  const s = await anyState();
  return { epoch: s.protocol.epoch, leader: s.protocol.leader };
}

/** Transactions the committee's keys have sent so far (their nonces), read from the chain itself. */
async function committeeNonces(): Promise<number> {
  let total = 0;
  for (const a of c.addresses) total += await chain.getTransactionCount(a, "latest");
  return total;
}

async function transmissionsOnChain(): Promise<number> {
  const topic = aggregatorInterface().getEvent("NewTransmission")!.topicHash;
  return (await chain.getLogs({ address: c.deployment.aggregator, topics: [topic], fromBlock: 0 })).length;
}

beforeAll(async () => {
  c = await setupCommittee({
    n: N,
    f: 1,
    feeds: [
      { id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
      { id: "ETH/USD", pair: "ETH/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 },
    ],
    volatilityScale: 0.05,
  });
  const url = new URL(c.chain.url);
  proxy = new TcpProxy(url.hostname, Number(url.port));
  await proxy.start();
  chain = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  reader = new AggregatorReader(chain, c.deployment.aggregator);
  apiPorts = await freePorts(N);
  for (let i = 0; i < N; i++) {
    const cfg = await writeNodeConfig(c, i, dir, { filter: existsSync(MODEL) ? "onnx" : "mad", rpcUrl: proxy.url, apiPort: apiPorts[i] });
    nodes.push(new NodeProcess(i, cfg));
  }
  for (const n of nodes) n.start();
  await Promise.all(nodes.map((n) => started(n, 0)));
}, 120_000);

let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
  // After a failure every node's log stays next to its database for the post-mortem.
  if (failed) {
    for (const n of nodes) writeFileSync(join(dir, `node-${n.index}.log`), n.lines.join("\n"));
    process.stderr.write(`network e2e: node logs and databases kept in ${dir}\n`);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
  chain?.destroy();
  await proxy?.stop();
  await c?.close();
}, 30_000);

describe("oracle network, 4 nodes as processes (f = 1)", () => {
  it("(a) puts both feeds on chain and tracks the simulator's fair price", async () => {
    await waitFor(async () => (await tracks(0, "BTC/USD")) && (await tracks(1, "ETH/USD")), 30_000, "first answers near the fair prices");
    c.sim.shiftMarket("BTC", 1.02);
    await waitFor(() => tracks(0, "BTC/USD"), 15_000, "BTC answer follows a +2% move");
    c.sim.shiftMarket("ETH", 0.98);
    await waitFor(() => tracks(1, "ETH/USD"), 15_000, "ETH answer follows a -2% move");
    const s = await state(0);
    expect(s.feeds.map((f) => f.onchain?.answer)).not.toContain(undefined);
  }, 90_000);

  it("(e) filters one venue manipulated +30% and keeps the answer on the fair price", async () => {
    c.sim.inject({ kind: "spike", venue: "binance", pair: "BTC/USD", pct: 30 });
    try {
      c.sim.shiftMarket("BTC", 1.015);
      const deadline = Date.now() + 6_000;
      while (Date.now() < deadline) {
        // Old answer or new one, never pulled toward the spiked venue.
        const a = await onchain(0);
        expect(a! * 10_000n < fair("BTC/USD") * BigInt(10_000 + NEVER_BPS)).toBe(true);
        await new Promise((r) => setTimeout(r, 200));
      }
      await waitFor(() => tracks(0, "BTC/USD"), 10_000, "BTC answer follows the market, not the spiked venue");
      const s = await anyState();
      const binance = s.feeds[0].sources.find((x) => x.id === "binance");
      expect(binance?.dropped).toBe(true);
      expect(binance?.reason).toBeTruthy();
    } finally {
      c.sim.clearAttacks({ venue: "binance" });
    }
  }, 60_000);

  it("(d) a Byzantine leader with absurd observations and invalid signatures cannot move the answer", async () => {
    const { leader } = await currentLeader();
    const byz = nodes[leader];
    await restart(leader, "byzantine");
    const honest = nodes.filter((n) => n !== byz);
    const mark = honest.map((n) => n.lines.length);
    c.sim.shiftMarket("ETH", 1.02);
    c.sim.shiftMarket("BTC", 0.985);
    const deadline = Date.now() + 25_000;
    while (!((await tracks(0, "BTC/USD")) && (await tracks(1, "ETH/USD")))) {
      if (Date.now() > deadline) throw new Error("answers did not follow the market with a Byzantine node in the committee");
      for (const [k, pair] of [
        [0, "BTC/USD"],
        [1, "ETH/USD"],
      ] as const) {
        const a = await onchain(k);
        // The answer is either the old one or the new fair one: never anything absurd.
        expect(a! < fair(pair) * 2n && a! > fair(pair) / 2n).toBe(true);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const seen = (re: RegExp) => honest.some((n, k) => n.lines.slice(mark[k]).some((l) => re.test(l)));
    expect(seen(/refused to sign report/)).toBe(true); // its absurd proposal as leader
    expect(seen(/peer message rejected/)).toBe(true); // its junk: bad signatures, oversized, malformed
    expect(seen(/entered epoch/)).toBe(true); // it was voted out
    expect(honest.every((n) => n.running)).toBe(true);
    await restart(leader);
  }, 90_000);

  it("(b) keeps reporting with one node killed by SIGKILL", async () => {
    const { leader } = await currentLeader();
    const victim = (leader + 1) % N;
    killedInB = victim;
    const exit = await nodes[victim].kill("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    c.sim.shiftMarket("BTC", 1.02);
    await waitFor(() => tracks(0, "BTC/USD"), 15_000, "BTC answer follows with 3 of 4 nodes");
  }, 60_000);

  it("(f) a node restarted on its database resumes and refuses to sign a conflicting report (one report per round, issue 13.11)", async () => {
    const victim = killedInB >= 0 ? killedInB : ((await currentLeader()).leader + 1) % N; // the node killed in (b)
    const db = join(dir, `node-${victim}.sqlite`);
    const lastReport = () => {
      const h = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return h.prepare("SELECT epoch, round, content FROM last_signed WHERE kind = 'report' ORDER BY epoch DESC, round DESC LIMIT 1").get() as
          { epoch: number; round: number; content: string } | undefined;
      } finally {
        h.close();
      }
    };
    /** The newest round the node claimed a report for (report_rounds) and the feeds it signed in it. */
    const lastRound = () => {
      const h = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const r = h.prepare("SELECT epoch, round, report_digest AS digest FROM report_rounds ORDER BY epoch DESC, round DESC LIMIT 1").get() as
          { epoch: number; round: number; digest: string } | undefined;
        if (!r) return undefined;
        const feeds = (
          h.prepare("SELECT feed_id FROM last_signed WHERE kind = 'report' AND epoch = ? AND round = ?").all(r.epoch, r.round) as Array<{ feed_id: string }>
        ).map((x) => Number(x.feed_id));
        return { ...r, feeds };
      } finally {
        h.close();
      }
    };
    const claimAt = (epoch: number, round: number) => {
      const h = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (
          h.prepare("SELECT report_digest AS digest FROM report_rounds WHERE epoch = ? AND round = ?").get(epoch, round) as { digest: string } | undefined
        )?.digest;
      } finally {
        h.close();
      }
    };
    const compareRound = (a: { epoch: number; round: number } | undefined, b: { epoch: number; round: number }) =>
      a === undefined ? -1 : a.epoch !== b.epoch ? a.epoch - b.epoch : a.round - b.round;
    const before = lastReport();
    if (nodes[victim].running) await nodes[victim].kill("SIGKILL");
    const from = nodes[victim].lines.length;
    nodes[victim].start();
    await started(nodes[victim], from);
    c.sim.shiftMarket("ETH", 0.98);
    await waitFor(() => tracks(1, "ETH/USD"), 15_000, "ETH answer follows after the restart");
    await waitFor(
      () => {
        const now = lastReport();
        return now !== undefined && (before === undefined || now.epoch > before.epoch || (now.epoch === before.epoch && now.round > before.round));
      },
      10_000,
      "the restarted node signs new rounds",
    );
    // The leader of the round's epoch (the test holds every key) asks for a different report for
    // a round the node signed: one for the feed it did not report, so only the per-round claim
    // (issue 13.11) stands in the way. The epoch may move on before the request arrives (then it
    // is refused as wrong-epoch): the test retries on the next round the node signs.
    const committee = await reader.committee();
    let code = "";
    for (let attempt = 0; attempt < 5 && code !== "conflict"; attempt++) {
      const signed = lastRound()!;
      const leaderOf = leaderIndex(signed.epoch, N, committee.configDigest);
      const net = new PeerNetwork({
        key: new Wallet(c.keys[leaderOf]).signingKey,
        port: 0,
        configDigest: () => committee.configDigest,
        isPeer: () => true,
        peerUrl: () => `http://127.0.0.1:${c.ports[victim]}`,
        schemas: MESSAGE_SCHEMAS,
        handlers: {},
      });
      const sig = "0x" + "11".repeat(64) + "1b";
      const conflicting: ReportProposal = {
        observationsTimestamp: Math.floor(Date.now() / 1000),
        feeds: [{ feedIndex: signed.feeds.includes(1) ? 0 : 1, observers: [0, 1, 2], observations: ["1", "2", "3"], signatures: [sig, sig, sig] }],
      };
      const err = await net.send(c.addresses[victim], MSG.reportProposal, signed.epoch, signed.round, conflicting).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PeerSendError);
      code = (err as PeerSendError).code ?? "";
      expect([409]).toContain((err as PeerSendError).status);
      expect(["conflict", "wrong-epoch"]).toContain(code);
      expect(claimAt(signed.epoch, signed.round)).toBe(signed.digest); // nothing else signed for that round
      if (code !== "conflict") {
        c.sim.shiftMarket("ETH", attempt % 2 ? 1.01 : 0.99);
        await waitFor(() => compareRound(lastRound(), signed) > 0, 15_000, "the node signs a newer round");
      }
    }
    expect(code).toBe("conflict");
  }, 90_000);

  it("(c) the leader killed mid-round: another leader finishes the round", async () => {
    await ensureAllRunning();
    const { leader, epoch } = await currentLeader();
    await restart(leader, "crash-leader-mid-round");
    const crashed = nodes[leader];
    c.sim.shiftMarket("BTC", 1.02);
    const exit = await Promise.race([crashed.exit!, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(exit?.signal).toBe("SIGKILL");
    expect(crashed.logs(/leader crashing mid-round/).length).toBe(1);
    await waitFor(() => tracks(0, "BTC/USD"), 20_000, "BTC answer lands through the next leader");
    expect((await currentLeader()).epoch).toBeGreaterThan(epoch);
    const from = crashed.lines.length;
    crashed.start();
    await started(crashed, from);
  }, 90_000);

  it("(g) recovers from the RPC endpoint down for 10 s without a storm of duplicate transactions", async () => {
    await ensureAllRunning();
    await waitFor(async () => (await tracks(0, "BTC/USD")) && (await tracks(1, "ETH/USD")), 15_000, "calm before the outage");
    const noncesBefore = await committeeNonces();
    const landedBefore = await transmissionsOnChain();
    await proxy.stop();
    c.sim.shiftMarket("BTC", 1.03);
    c.sim.shiftMarket("ETH", 1.03);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(nodes.every((n) => n.running)).toBe(true);
    await proxy.start();
    await waitFor(async () => (await tracks(0, "BTC/USD")) && (await tracks(1, "ETH/USD")), 25_000, "answers catch up after the outage");
    await new Promise((r) => setTimeout(r, 3_000)); // let any backup that would fire, fire
    const sent = (await committeeNonces()) - noncesBefore;
    const landed = (await transmissionsOnChain()) - landedBefore;
    expect(landed).toBeGreaterThanOrEqual(1);
    // Every transaction sent is a report that landed, give or take one racing backup.
    expect(sent - landed).toBeLessThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(4);
  }, 90_000);
});
