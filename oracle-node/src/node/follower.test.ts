import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildReportProposal } from "../protocol/build-report";
import { MSG, type FinalReport, type ReportProposal } from "../protocol/messages";
import { signObservation } from "../protocol/observation";
import { recoverSigner, signReport, unpackSignatures } from "../protocol/report";
import { encodeAndDigest, toReport } from "../protocol/signed-report";
import { openStore, type NodeStore } from "../store/node-store";
import { PeerRefusal, type InboundMessage } from "../transport/peer-network";
import { DIGEST, KEYS, SIGNERS, nodeContext, snapshot, CHAIN_ID, AGGREGATOR } from "../../../test/support/node-fixtures";
import { NO_FAULTS, type FaultHooks } from "./fault-hooks";
import { Follower } from "./follower";
import type { OnchainView } from "../protocol/round-decision";

/** Oracle 0 as follower; in epoch 0 the leader is oracle 1 ((0 + 5) mod 4). */
const LEADER = 1;
let stores: NodeStore[] = [];
afterEach(() => {
  for (const s of stores) s.close();
  stores = [];
});

function follower(
  over: {
    values?: Record<number, bigint | null>;
    fetchedAt?: number;
    onchain?: OnchainView;
    onChain?: boolean;
    faults?: FaultHooks;
    store?: NodeStore;
    evidence?: { recordUnindexed(report: string, signatures: readonly string[]): void };
  } = {},
) {
  const store = over.store ?? openStore(":memory:");
  if (!over.store) stores.push(store);
  const snap = snapshot(over.values ?? { 0: 100_000n, 1: 2_000n }, over.fetchedAt ?? Date.now());
  const scheduled: Array<{ encoded: string; signatures: string; epoch: number; round: number; feeds: number[] }> = [];
  const pending: number[][] = [];
  const observed: number[] = [];
  const peerEpochs: Array<[number, number]> = [];
  const fw = new Follower({
    ctx: nodeContext(0),
    store,
    observer: { current: () => snap, get: async () => snap },
    pacemaker: { epoch: 0, leader: (e = 0) => (e + 5) % 4, onPeerEpoch: (s, e) => peerEpochs.push([s, e]) },
    chain: {
      onchainView: () => over.onchain ?? { answer: null, updatedAt: 0, sinceMs: 0 },
      allOnChain: () => over.onChain ?? false,
      anyOnChain: () => over.onChain ?? false,
      pendingRound: () => null,
      markPending: (f) => (pending.push([...f]), [...f]),
    },
    transmitter: { schedule: (encoded, signatures, epoch, round, feeds) => scheduled.push({ encoded, signatures, epoch, round, feeds }) },
    observed: (i) => observed.push(i),
    faults: over.faults ?? NO_FAULTS,
    evidence: over.evidence,
  });
  return { fw, store, scheduled, pending, observed, peerEpochs };
}

function msg(from: number, type: string, epoch: number, round: number, payload: unknown): InboundMessage {
  return { from: SIGNERS[from], type, epoch, round, payload } as unknown as InboundMessage;
}

/** One timestamp for every proposal of the file: the same report has the same digest, whenever it is built. */
const TS = Math.floor(Date.now() / 1000);

function proposal(epoch: number, round: number, values: Record<number, bigint[]>, ts = TS): ReportProposal {
  const ctx = { configDigest: DIGEST, epoch, round };
  const collected = Object.entries(values).flatMap(([k, vs]) =>
    vs.map((value, observer) => ({ observer, feedIndex: Number(k), value, signature: signObservation(KEYS[observer].signingKey, ctx, Number(k), value) })),
  );
  return buildReportProposal(collected, Object.keys(values).map(Number), 1, ts).proposal!;
}

async function refusal(p: Promise<unknown>): Promise<PeerRefusal> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PeerRefusal);
  return err as PeerRefusal;
}

describe("Follower.observe", () => {
  it("signs its fresh values, claims them, and skips refused and stale feeds", async () => {
    const t = follower({ values: { 0: 100_000n, 1: null } });
    const reply = await t.fw.observe(0, 1, { feeds: [0, 1], notBefore: Date.now() - 1_000 });
    expect(reply.observations.map((o) => [o.feedIndex, o.value])).toEqual([[0, "100000"]]);
    expect(t.observed).toEqual([0]);
    expect(t.store.lastSigned(SIGNERS[0], "observation", DIGEST, "0")).toMatchObject({ epoch: 0, round: 1, content: "100000" });
    const stale = follower({ fetchedAt: Date.now() - 60_000 });
    expect((await stale.fw.observe(0, 1, { feeds: [0], notBefore: Date.now() })).observations).toEqual([]);
  });

  it("refuses to observe a round it already signed a different value for", async () => {
    const t = follower({ values: { 0: 100_000n } });
    await t.fw.observe(0, 2, { feeds: [0], notBefore: 0 });
    // The same store with another value (a restart): (0, 2) is not signed again.
    const again = follower({ values: { 0: 100_500n }, store: t.store });
    expect((await refusal(again.fw.observe(0, 2, { feeds: [0], notBefore: 0 }))).status).toBe(409);
  });

  it("a fault hook's reply replaces the honest one and nothing is claimed", async () => {
    const faults: FaultHooks = {
      ...NO_FAULTS,
      observationReply: (items, sign) => ({ observations: items.map((i) => ({ feedIndex: i.feedIndex, value: "1", signature: sign(i.feedIndex, 1n) })) }),
    };
    const t = follower({ faults });
    const reply = await t.fw.observe(0, 1, { feeds: [0], notBefore: 0 });
    expect(reply.observations[0].value).toBe("1");
    expect(t.store.lastSigned(SIGNERS[0], "observation", DIGEST, "0")).toBeNull();
    expect(t.observed).toEqual([]);
  });
});

describe("Follower leader checks", () => {
  it("answers only the epoch's leader, and hands every sender's epoch to the pacemaker", async () => {
    const t = follower();
    expect((await refusal(t.fw.onObserveRequest(msg(2, MSG.observeRequest, 0, 1, { feeds: [0], notBefore: 0 })))).status).toBe(403);
    expect((await refusal(t.fw.onObserveRequest(msg(LEADER, MSG.observeRequest, 1, 1, { feeds: [0], notBefore: 0 })))).status).toBe(409);
    const ok = await t.fw.onObserveRequest(msg(LEADER, MSG.observeRequest, 0, 1, { feeds: [0], notBefore: 0 }));
    expect(ok.type).toBe(MSG.observation);
    expect(t.peerEpochs).toEqual([
      [2, 0],
      [LEADER, 1],
      [LEADER, 0],
    ]);
  });
});

describe("Follower.checkAndSign", () => {
  it("signs a valid proposal's digest with its key", () => {
    const t = follower();
    const p = proposal(0, 3, { 0: [99_990n, 100_000n, 100_010n] });
    const r = t.fw.checkAndSign(p, 0, 3);
    expect(r.code).toBe("");
    const { digest } = encodeAndDigest(toReport(DIGEST, 0, 3, p), CHAIN_ID, AGGREGATOR);
    expect(recoverSigner(digest, r.signature!)).toBe(SIGNERS[0]);
    expect(t.fw.checkAndSign(p, 0, 3).signature).toBe(r.signature); // a repeat re-signs the same
  });

  it("never signs two different reports for one round, nor an older round", () => {
    const t = follower();
    t.fw.checkAndSign(proposal(0, 3, { 0: [99_990n, 100_000n, 100_010n] }), 0, 3);
    expect(t.fw.checkAndSign(proposal(0, 3, { 0: [99_991n, 100_000n, 100_010n] }), 0, 3)).toMatchObject({ signature: null, code: "conflict" });
    expect(t.fw.checkAndSign(proposal(0, 2, { 0: [99_990n, 100_000n, 100_010n] }), 0, 2)).toMatchObject({ signature: null, code: "older-round" });
  });

  it("attack (issue 13.4): refuses a report stamped ahead of its own data time + maxReportSkewSec, signs one stamped with it", () => {
    const dataTime = Date.now() - 10_000;
    const t = follower({ fetchedAt: dataTime });
    const ownSec = Math.floor(dataTime / 1000);
    // A leader stamping its clock's "now" leads this node's data by 10 s.
    expect(t.fw.checkAndSign(proposal(0, 1, { 0: [99_990n, 100_000n, 100_010n] }, ownSec + 10), 0, 1)).toMatchObject({ signature: null, code: "bad-report" });
    expect(t.fw.checkAndSign(proposal(0, 2, { 0: [99_990n, 100_000n, 100_010n] }, ownSec + 3), 0, 2).code).toBe("");
  });

  it("refuses an answer outside its tolerance and a feed that is not due", () => {
    const t = follower();
    expect(t.fw.checkAndSign(proposal(0, 1, { 0: [110_000n, 110_000n, 110_000n] }), 0, 1)).toMatchObject({ signature: null, code: "bad-report" });
    const quiet = follower({ onchain: { answer: 100_000n, updatedAt: Math.floor(Date.now() / 1000), sinceMs: Date.now() } });
    expect(quiet.fw.checkAndSign(proposal(0, 1, { 0: [100_000n, 100_000n, 100_000n] }), 0, 1)).toMatchObject({ signature: null, code: "not-due" });
  });
});

describe("Follower.onFinalReport", () => {
  function final(epoch: number, round: number, signers: number[]): FinalReport {
    const p = proposal(epoch, round, { 0: [99_990n, 100_000n, 100_010n] });
    const { digest } = encodeAndDigest(toReport(DIGEST, epoch, round, p), CHAIN_ID, AGGREGATOR);
    return {
      observationsTimestamp: p.observationsTimestamp,
      feeds: p.feeds.map((f) => ({ feedIndex: f.feedIndex, observers: f.observers, observations: f.observations })),
      signatures: signers.map((i) => signReport(KEYS[i].signingKey, digest)),
    };
  }

  it("marks the feeds pending and schedules a backup transmission with the signers' indices", async () => {
    const t = follower();
    await t.fw.onFinalReport(msg(LEADER, MSG.finalReport, 0, 4, final(0, 4, [3, 1])));
    expect(t.pending).toEqual([[0]]);
    expect(t.scheduled).toHaveLength(1);
    expect(unpackSignatures(t.scheduled[0].signatures).map((e) => e.signerIndex)).toEqual([3, 1]);
    expect(t.scheduled[0]).toMatchObject({ epoch: 0, round: 4, feeds: [0] });
  });

  it("refuses one from a non-leader, with a repeated or too few signatures; schedules nothing already on chain", async () => {
    const t = follower();
    expect((await refusal(t.fw.onFinalReport(msg(2, MSG.finalReport, 0, 4, final(0, 4, [1, 2]))))).status).toBe(403);
    expect((await refusal(t.fw.onFinalReport(msg(LEADER, MSG.finalReport, 0, 4, final(0, 4, [1, 1]))))).code).toBe("bad-signature");
    expect((await refusal(t.fw.onFinalReport(msg(LEADER, MSG.finalReport, 0, 4, final(0, 4, [1]))))).code).toBe("bad-signature");
    const landed = follower({ onChain: true });
    await landed.fw.onFinalReport(msg(LEADER, MSG.finalReport, 0, 4, final(0, 4, [1, 2])));
    expect(landed.scheduled).toEqual([]);
    expect(t.scheduled).toEqual([]);
  });
});

describe("Follower: equivocation evidence", () => {
  it("hands every final report's signatures to the evidence, a non-leader's too, before refusing it", async () => {
    const seen: Array<{ report: string; n: number }> = [];
    const t = follower({ evidence: { recordUnindexed: (report, sigs) => seen.push({ report, n: sigs.length }) } });
    const p = proposal(0, 4, { 0: [99_990n, 100_000n, 100_010n] });
    const { encoded, digest } = encodeAndDigest(toReport(DIGEST, 0, 4, p), CHAIN_ID, AGGREGATOR);
    const fr: FinalReport = {
      observationsTimestamp: p.observationsTimestamp,
      feeds: p.feeds.map((f) => ({ feedIndex: f.feedIndex, observers: f.observers, observations: f.observations })),
      signatures: [signReport(KEYS[2].signingKey, digest)],
    };
    expect((await refusal(t.fw.onFinalReport(msg(2, MSG.finalReport, 0, 4, fr)))).status).toBe(403);
    expect(seen).toEqual([{ report: encoded, n: 1 }]);
    expect(t.scheduled).toEqual([]);
  });
});

describe("Follower: one report per (config digest, epoch, round) (issue 13.11)", () => {
  it("attack: after a restart on the same SQLite file, a second report for the round with other feeds is refused; the same one is re-signed identically", () => {
    const dir = mkdtempSync(join(tmpdir(), "follower-claim-"));
    try {
      const path = join(dir, "node.db");
      const first = follower({ store: openStore(path) });
      const r1 = first.fw.checkAndSign(proposal(0, 5, { 0: [99_990n, 100_000n, 100_010n] }), 0, 5);
      expect(r1.code).toBe("");
      first.store.close();
      // The restarted node: same file, fresh process state.
      const again = follower({ store: openStore(path) });
      stores.push(again.store);
      // Disjoint feeds: the per-feed claims alone do not conflict; the round claim does.
      expect(again.fw.checkAndSign(proposal(0, 5, { 1: [1_999n, 2_000n, 2_001n] }), 0, 5)).toMatchObject({ signature: null, code: "conflict" });
      expect(again.fw.checkAndSign(proposal(0, 5, { 0: [99_990n, 100_000n, 100_010n], 1: [1_999n, 2_000n, 2_001n] }), 0, 5)).toMatchObject({
        signature: null,
        code: "conflict",
      });
      expect(again.fw.checkAndSign(proposal(0, 5, { 0: [99_990n, 100_000n, 100_010n] }), 0, 5).signature).toBe(r1.signature);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
