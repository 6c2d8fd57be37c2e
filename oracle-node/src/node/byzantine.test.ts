import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { ChainView } from "../chain/chain-view";
import type { Transmission } from "../chain/transmission-watcher";
import type { TxManager, TxOutcome } from "../chain/tx-manager";
import { createFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { parseDecimal } from "../quotes/decimal";
import type { SourceAdapter } from "../sources/types";
import { buildReportProposal } from "../protocol/build-report";
import { MSG, type FinalReport, type ReportProposal } from "../protocol/messages";
import { signObservation } from "../protocol/observation";
import { signReport } from "../protocol/report";
import { encodeAndDigest, toReport } from "../protocol/signed-report";
import { openStore, type NodeStore } from "../store/node-store";
import { PeerRefusal, type InboundMessage } from "../transport/peer-network";
import { AGGREGATOR, CHAIN_ID, DIGEST, KEYS, SIGNERS, feed, nodeContext, snapshot } from "../../../test/support/node-fixtures";
import { NO_FAULTS } from "./fault-hooks";
import { Follower } from "./follower";
import { NodeView } from "./node-view";
import { Observer } from "./observer";
import type { RuntimeFeed } from "./options";
import { Transmitter } from "./transmitter";

/**
 * Issue 13's attacks by a faulty committee member against one honest node's real parts: the
 * follower, the chain view, the transmitter and the observer, with fakes only at the edges (the
 * chain's reads, the transaction manager, the venues). Oracle 0 is the honest node; the leader
 * of epoch e is (e + 5) mod 4, so oracle 1 leads epoch 0 and oracle 2 epoch 1.
 */
const STAGGER_MS = 1_000;
let stores: NodeStore[] = [];
afterEach(() => {
  for (const s of stores) s.close();
  stores = [];
});

function transmission(epoch: number, round: number, feeds: number[], answer = 100_000n): Transmission {
  return {
    epoch,
    round,
    configDigest: DIGEST,
    transmitter: SIGNERS[1],
    txHash: "0x" + "02".repeat(32),
    blockNumber: 10,
    updatedAt: Math.floor(Date.now() / 1000),
    feeds: feeds.map((feedIndex) => ({ feedIndex, answer, confidence: 5n, observationsTimestamp: Math.floor(Date.now() / 1000) })),
    refused: [],
  };
}

async function honestNode(over: { feeds?: RuntimeFeed[] } = {}) {
  let now = Date.now();
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const store = openStore(":memory:");
  stores.push(store);
  const chain = new ChainView({
    configDigest: DIGEST,
    feeds: [0, 1],
    committeeSize: 4,
    transmitStaggerMs: STAGGER_MS,
    reader: {
      committee: async () => ({ configDigest: DIGEST }),
      latestEpochRound: async () => ({ configDigest: DIGEST, epoch: 0, round: 0 }),
      latest: async () => ({ answer: null, updatedAt: 0, startedAt: 0, roundId: "0" }),
      latestConfidence: async () => 0n,
      outOfBounds: async () => ({ active: false, refusedMedian: 0n, since: 0 }),
    },
    watcher: { failures: 0, poll: async () => [] },
    sink: { setOnchain: () => undefined, setOutOfBounds: () => undefined },
    now: clock.now,
  });
  await chain.refresh();
  const pacemaker = { epoch: 0, leader: (e?: number) => ((e ?? pacemaker.epoch) + 5) % 4, onPeerEpoch: () => undefined };
  const scheduled: Array<{ epoch: number; round: number; feeds: number[] }> = [];
  const snap = snapshot({ 0: 100_000n, 1: 2_000n });
  const fw = new Follower({
    ctx: nodeContext(0, { timing: { transmitStaggerMs: STAGGER_MS }, feeds: over.feeds }),
    store,
    observer: { current: () => snap, get: async () => snap },
    pacemaker,
    chain,
    transmitter: { schedule: (_e, _s, epoch, round, feeds) => scheduled.push({ epoch, round, feeds }) },
    observed: () => undefined,
    faults: NO_FAULTS,
    now: clock.now,
  });
  return { fw, chain, pacemaker, scheduled, clock, store };
}

function msg(from: number, type: string, epoch: number, round: number, payload: unknown): InboundMessage {
  return { from: SIGNERS[from], type, epoch, round, payload } as unknown as InboundMessage;
}

/** A proposal with valid observation signatures of oracles 1, 2 and 3 (values near the honest node's). */
function proposal(epoch: number, round: number, feeds: number[], ts = Math.floor(Date.now() / 1000), bump = 0n): ReportProposal {
  const ctx = { configDigest: DIGEST, epoch, round };
  const base: Record<number, bigint> = { 0: 100_000n, 1: 2_000n };
  const collected = feeds.flatMap((feedIndex) =>
    [1, 2, 3].map((observer) => {
      const value = base[feedIndex] + BigInt(observer) + bump;
      return { observer, feedIndex, value, signature: signObservation(KEYS[observer].signingKey, ctx, feedIndex, value) };
    }),
  );
  return buildReportProposal(collected, feeds, 1, ts).proposal!;
}

/** The final report of a proposal, with report signatures of `signers`. */
function finalReport(p: ReportProposal, epoch: number, round: number, signers = [1, 3]): FinalReport {
  const { digest } = encodeAndDigest(toReport(DIGEST, epoch, round, p), CHAIN_ID, AGGREGATOR);
  return {
    observationsTimestamp: p.observationsTimestamp,
    feeds: p.feeds.map((f) => ({ feedIndex: f.feedIndex, observers: f.observers, observations: f.observations })),
    signatures: signers.map((i) => signReport(KEYS[i].signingKey, digest)),
  };
}

async function refusal(p: Promise<unknown>): Promise<PeerRefusal> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PeerRefusal);
  return err as PeerRefusal;
}

describe("attack (issue 13.2): a withheld earlier-epoch report re-sent cannot freeze feeds", () => {
  it("a former leader's withheld report is refused, every 10 s, and marks nothing pending", async () => {
    const t = await honestNode();
    // Epoch 0: leader 1 gets a report for feeds 0 and 1 signed, and withholds it.
    const withheld = finalReport(proposal(0, 4, [0, 1]), 0, 4);
    // Epoch 1 (leader 2): a report for feed 0 lands.
    t.pacemaker.epoch = 1;
    t.chain.apply(transmission(1, 1, [0]), t.clock.now());
    for (let k = 0; k < 6; k++) {
      expect((await refusal(t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 4, withheld)))).code).toBe("wrong-epoch");
      // Even sent under the current epoch's number, it is not the current leader's.
      expect((await refusal(t.fw.onFinalReport(msg(1, MSG.finalReport, 1, 4, withheld)))).code).toBe("not-leader");
      t.clock.advance(10_000);
    }
    expect(t.chain.isPending(0) || t.chain.isPending(1)).toBe(false);
    expect(t.scheduled).toEqual([]);
  });

  it("from the current leader, a report a feed already moved past marks nothing pending (it can never land)", async () => {
    const t = await honestNode();
    t.chain.apply(transmission(0, 5, [0]), t.clock.now());
    await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 4, finalReport(proposal(0, 4, [0, 1]), 0, 4)));
    expect(t.chain.isPending(1)).toBe(false);
    expect(t.scheduled).toEqual([]);
  });

  it("a report re-sent after its transmission reverted does not mark its feeds pending again", async () => {
    const t = await honestNode();
    const fr = finalReport(proposal(0, 4, [1]), 0, 4);
    await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 4, fr));
    expect(t.chain.isPending(1)).toBe(true);
    t.chain.clearPending([1], 0, 4); // what the transmitter reports on a revert (next test)
    for (let k = 0; k < 5; k++) {
      t.clock.advance(10_000);
      await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 4, fr));
      expect(t.chain.isPending(1)).toBe(false);
    }
  });
});

function transmitter(chain: ChainView, outcome: Partial<TxOutcome>, over: { now?: () => number; position?: number; feeds?: RuntimeFeed[] } = {}) {
  const store = openStore(":memory:");
  stores.push(store);
  const feeds = over.feeds ?? [feed(0), feed(1)];
  const sent: string[] = [];
  const txm = {
    send: async (req: { label: string }) => {
      sent.push(req.label);
      return { broadcasts: 1, hash: "0x" + "aa".repeat(32), nonce: 0, ...outcome } as TxOutcome;
    },
  } as unknown as TxManager;
  const tx = new Transmitter({
    txm,
    store,
    view: new NodeView("node-0", SIGNERS[0], feeds, CHAIN_ID),
    events: new EventEmitter(),
    feeds: new Map(feeds.map((f) => [f.feedIndex, f])),
    aggregator: AGGREGATOR,
    log: nodeContext(0).log,
    staggerMs: 20,
    position: () => over.position ?? 0,
    allOnChain: (f, e, r) => chain.allOnChain(f, e, r),
    settled: (f, e, r) => chain.clearPending(f, e, r),
    enabled: true,
    now: over.now,
  });
  return { tx, sent };
}

const encoded = (p: ReportProposal, epoch: number, round: number) => encodeAndDigest(toReport(DIGEST, epoch, round, p), CHAIN_ID, AGGREGATOR).encoded;
const settle = () => new Promise((r) => setTimeout(r, 80));

describe("attack (issue 13.2): pending clears with the transmitter's outcome", () => {
  for (const status of ["reverted", "failed"] as const) {
    it(`a ${status} transmission frees its feeds for the next round`, async () => {
      const t = await honestNode();
      const { tx, sent } = transmitter(t.chain, { status });
      t.chain.markPending([0, 1], 0, 4);
      tx.schedule(encoded(proposal(0, 4, [0, 1]), 0, 4), "0x", 0, 4, [0, 1]);
      await settle();
      expect(sent).toHaveLength(1);
      expect(t.chain.isPending(0) || t.chain.isPending(1)).toBe(false);
    });
  }

  it("a confirmed one leaves them pending until it is seen landing", async () => {
    const t = await honestNode();
    const { tx } = transmitter(t.chain, { status: "confirmed" });
    t.chain.markPending([0], 0, 4);
    tx.schedule(encoded(proposal(0, 4, [0]), 0, 4), "0x", 0, 4, [0]);
    await settle();
    expect(t.chain.isPending(0)).toBe(true);
  });
});

describe("attack (issue 13.3): a withheld report is never transmitted once older than the feed's maximum report age", () => {
  it("neither scheduled, nor sent by a backup when it expired during the stagger, nor scheduled from a final report", async () => {
    const t = await honestNode({ feeds: [feed(0, { maxReportAgeSec: 60 }), feed(1)] });
    const nowSec = Math.floor(Date.now() / 1000);
    // Leader's transmitter: a report 61 s old for feed 0 (limit 60 s) is not sent; feed 1's default is 300 s.
    const a = transmitter(t.chain, { status: "confirmed" }, { feeds: [feed(0, { maxReportAgeSec: 60 }), feed(1)] });
    t.chain.markPending([0], 0, 4);
    a.tx.schedule(encoded(proposal(0, 4, [0], nowSec - 61), 0, 4), "0x", 0, 4, [0]);
    a.tx.schedule(encoded(proposal(0, 5, [1], nowSec - 61), 0, 5), "0x", 0, 5, [1]);
    a.tx.schedule(encoded(proposal(0, 6, [1], nowSec - 301), 0, 6), "0x", 0, 6, [1]);
    await settle();
    expect(a.sent).toHaveLength(1);
    expect(a.sent[0]).toContain("5");
    expect(t.chain.isPending(0)).toBe(false);
    // A backup: fresh when scheduled, 301 s old when its turn comes.
    let skew = 0;
    const b = transmitter(t.chain, { status: "confirmed" }, { position: 1, now: () => Date.now() + skew });
    b.tx.schedule(encoded(proposal(0, 7, [1], nowSec), 0, 7), "0x", 0, 7, [1]);
    skew = 301_000;
    await settle();
    expect(b.sent).toEqual([]);
    // A follower given a final report older than the age: nothing pending, nothing scheduled.
    await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 8, finalReport(proposal(0, 8, [0], nowSec - 61), 0, 8)));
    expect(t.scheduled).toEqual([]);
    expect(t.chain.isPending(0)).toBe(false);
  });
});

describe("attack (issue 13.8): one report per due event, not one per round", () => {
  it("a faulty leader asking in 20 rounds gets one report signed, and one backup scheduled", async () => {
    const t = await honestNode();
    const signed = [];
    for (let round = 1; round <= 20; round++) {
      const r = t.fw.checkAndSign(proposal(0, round, [0]), 0, round);
      if (r.signature) signed.push(round);
      else expect(r.code).toBe("in-flight");
    }
    expect(signed).toEqual([1]);
    // Final reports of 20 rounds (f+1 signatures each): the honest backup schedules the first only.
    for (let round = 1; round <= 20; round++) await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, round, finalReport(proposal(0, round, [0]), 0, round)));
    expect(t.scheduled.map((s) => s.round)).toEqual([1]);
  });

  it("the guard lifts when the report lands, and in a new epoch", async () => {
    const t = await honestNode();
    expect(t.fw.checkAndSign(proposal(0, 1, [0]), 0, 1).code).toBe("");
    expect(t.fw.checkAndSign(proposal(0, 2, [0]), 0, 2).code).toBe("in-flight");
    // It landed, and the market has moved 1 % since (due again by deviation).
    t.chain.apply(transmission(0, 1, [0], 99_000n), t.clock.now());
    expect(t.fw.checkAndSign(proposal(0, 3, [0]), 0, 3).code).toBe("");
    // A new epoch (its leader, oracle 2, honest): what epoch 0 left in flight holds nothing up.
    t.pacemaker.epoch = 1;
    expect(t.fw.checkAndSign(proposal(1, 1, [0]), 1, 1).code).toBe("");
  });

  it("without its final report the guard lasts the leader's signing phase; with it, every backup's turn", async () => {
    const t = await honestNode();
    const timeout = nodeContext(0).timing.roundTimeoutMs;
    expect(t.fw.checkAndSign(proposal(0, 1, [0]), 0, 1).code).toBe("");
    t.clock.advance(2 * timeout - 1);
    expect(t.fw.checkAndSign(proposal(0, 2, [0]), 0, 2).code).toBe("in-flight");
    t.clock.advance(1);
    // An honest leader that missed f+1 signatures retries: signed.
    expect(t.fw.checkAndSign(proposal(0, 3, [0]), 0, 3).code).toBe("");
    await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 3, finalReport(proposal(0, 3, [0]), 0, 3)));
    t.clock.advance(2 * timeout);
    expect(t.fw.checkAndSign(proposal(0, 4, [0]), 0, 4).code).toBe("in-flight");
    t.clock.advance(STAGGER_MS * 5 + 5_000);
    expect(t.fw.checkAndSign(proposal(0, 5, [0]), 0, 5).code).toBe("");
    // Once its transmission reverted (the transmitter clears pending), the next report is signed.
    await t.fw.onFinalReport(msg(1, MSG.finalReport, 0, 5, finalReport(proposal(0, 5, [0]), 0, 5)));
    expect(t.fw.checkAndSign(proposal(0, 6, [0]), 0, 6).code).toBe("in-flight");
    t.chain.clearPending([0], 0, 5);
    expect(t.fw.checkAndSign(proposal(0, 7, [0]), 0, 7).code).toBe("");
  });
});

describe("attack (issue 13.9): a leader's notBefore cannot make a follower refetch", () => {
  it("source traffic stays at the poll schedule's, whatever notBefore the leader sends", async () => {
    const asked: string[] = [];
    const venue: SourceAdapter = {
      id: "venue-a",
      defaultBaseUrl: "http://127.0.0.1:1",
      rateLimit: { capacity: 1_000, refillPerSec: 1_000, penaltyMs: 1_000, note: "test venue" },
      batch: false,
      maxAgeMs: 60_000,
      defaultSymbol: (pair) => pair,
      fetch: async (reqs) => {
        asked.push(...reqs.map((r) => r.pair));
        return reqs.map((r) => ({ ok: true as const, quote: { source: "venue-a", pair: r.pair, price: parseDecimal("100000"), receivedAt: Date.now() } }));
      },
    };
    const feeds = [feed(0, { sources: [{ id: "venue-a", adapter: venue }] })];
    const observer = new Observer(feeds, await createFilter({ kind: "none" }), new FilterState(), 1_000, undefined, { rateLimits: false });
    const t = await honestNode();
    const fw = new Follower({
      ctx: nodeContext(0, { feeds }),
      store: t.store,
      observer,
      pacemaker: t.pacemaker,
      chain: t.chain,
      transmitter: { schedule: () => undefined },
      observed: () => undefined,
      faults: NO_FAULTS,
    });
    await observer.refresh(); // the schedule's one poll
    expect(asked).toHaveLength(1);
    // The leader asks in 100 rounds back to back for data newer than "now".
    for (let round = 1; round <= 100; round++) {
      const reply = await fw.onObserveRequest(msg(1, MSG.observeRequest, 0, round, { feeds: [0], notBefore: Date.now() + 1 }));
      expect((reply.payload as { observations: unknown[] }).observations).toHaveLength(1); // answered from the scheduled poll
    }
    expect(asked).toHaveLength(1);
  });
});
