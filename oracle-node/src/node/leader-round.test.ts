import { describe, expect, it } from "vitest";
import { MSG, type FinalReport, type ObserveRequest, type ReportProposal } from "../protocol/messages";
import { decodeReport, recoverSigner, signReport, unpackSignatures } from "../protocol/report";
import { encodeAndDigest, toReport } from "../protocol/signed-report";
import type { InboundMessage, TransportStats } from "../transport/peer-network";
import { AGGREGATOR, CHAIN_ID, DIGEST, KEYS, SIGNERS, nodeContext, signedReply, snapshot } from "../../../test/support/node-fixtures";
import { NO_FAULTS, type FaultHooks } from "./fault-hooks";
import { LeaderRound, type LeaderDeps } from "./leader-round";

/** Oracle 1 leads epoch 0 ((0 + 5) mod 4); every peer answers honestly unless told otherwise. */
const ME = 1;
const STATS: TransportStats = {
  messagesSent: 0,
  bytesSent: 0,
  messagesReceived: 0,
  bytesReceived: 0,
  rejected: {},
  signatureChecks: 0,
  connections: { open: 0, evicted: 0, refused: 0 },
};

function digestOf(p: ReportProposal, epoch: number, round: number): string {
  return encodeAndDigest(toReport(DIGEST, epoch, round, p), CHAIN_ID, AGGREGATOR).digest;
}

function leader(
  over: {
    silent?: number[];
    forge?: number[];
    huge?: number[];
    noSign?: number[];
    pending?: number[];
    blind?: boolean;
    faults?: FaultHooks;
    values?: Record<number, bigint | null>;
  } = {},
) {
  const values = over.values ?? { 0: 100_000n, 1: 2_000n };
  const dataTime = Date.now() - 1_500;
  const snap = snapshot(values, dataTime);
  const own = (i: number): Record<number, bigint> => Object.fromEntries(Object.entries(values).flatMap(([k, v]) => (v === null ? [] : [[k, v + BigInt(i)]])));
  const sent: Array<{ to: number; type: string; payload: unknown }> = [];
  const rounds: Array<{ outcome: string; feeds: number[] }> = [];
  const scheduled: Array<{ encoded: string; signatures: string; epoch: number; round: number; feeds: number[] }> = [];
  const pending: number[][] = [];
  let nextRound = 0;
  const collectedHook: number[] = [];
  const peers: LeaderDeps["peers"] = {
    send: async (i, type, epoch, round, payload) => {
      sent.push({ to: i, type, payload });
      if (over.silent?.includes(i)) throw new Error("timeout");
      // A forger answers with another oracle's key.
      // A huge observer signs 2^200, a value no report can carry, correctly with its own key.
      if (type === MSG.observeRequest && over.huge?.includes(i))
        return { payload: signedReply(i, epoch, round, Object.fromEntries(Object.keys(own(i)).map((k) => [k, 2n ** 200n]))) } as InboundMessage;
      if (type === MSG.observeRequest) return { payload: signedReply(over.forge?.includes(i) ? (i + 1) % 4 : i, epoch, round, own(i)) } as InboundMessage;
      if (type === MSG.reportProposal)
        return over.noSign?.includes(i)
          ? null
          : ({ payload: { signature: signReport(KEYS[i].signingKey, digestOf(payload as ReportProposal, epoch, round)) } } as InboundMessage);
      return null;
    },
  };
  const faults = over.faults ?? NO_FAULTS;
  const lr = new LeaderRound({
    ctx: nodeContext(ME),
    observer: { current: () => snap },
    chain: {
      blind: over.blind ?? false,
      isPending: (i) => over.pending?.includes(i) ?? false,
      onchainView: () => ({ answer: null, updatedAt: 0, sinceMs: 0 }),
      markPending: (f) => pending.push([...f]),
    },
    pacemaker: { epoch: 0, isLeader: () => true, nextRound: () => ++nextRound },
    peers,
    self: {
      observe: async (epoch, round, req: ObserveRequest) => signedReply(ME, epoch, round, Object.fromEntries(req.feeds.map((f) => [f, own(ME)[f]]))),
      checkAndSign: (p, epoch, round) => ({ signature: signReport(KEYS[ME].signingKey, digestOf(p, epoch, round)), code: "", reason: "" }),
    },
    transmitter: { schedule: (encoded, signatures, epoch, round, feeds) => scheduled.push({ encoded, signatures, epoch, round, feeds }) },
    telemetry: { round: (r) => rounds.push({ outcome: r.outcome, feeds: r.feeds }) },
    traffic: () => STATS,
    faults: { ...faults, signaturesCollected: (r) => (collectedHook.push(r.round), faults.signaturesCollected(r)) },
  });
  return { lr, sent, rounds, dataTime, scheduled, pending, collectedHook, rounds_: () => nextRound };
}

describe("LeaderRound", () => {
  it("runs a round end to end: observations, report, f+1 signatures, final report to every peer, transmission", async () => {
    const t = leader();
    await t.lr.lead();
    expect(t.rounds).toEqual([{ outcome: "reported", feeds: [0, 1] }]);
    expect(t.pending).toEqual([[0, 1]]);
    expect(t.collectedHook).toEqual([1]);
    const [s] = t.scheduled;
    expect(s).toMatchObject({ epoch: 0, round: 1, feeds: [0, 1] });
    const report = decodeReport(s.encoded);
    expect(report.feeds.map((f) => f.observers.length)).toEqual([3, 3]);
    // Stamped with the leader's own data time (issue 13.4), not its clock.
    expect(report.observationsTimestamp).toBe(Math.floor(t.dataTime / 1000));
    const digest = encodeAndDigest(report, CHAIN_ID, AGGREGATOR).digest;
    const entries = unpackSignatures(s.signatures);
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(recoverSigner(digest, e.signature)).toBe(SIGNERS[e.signerIndex]);
    const finals = t.sent.filter((m) => m.type === MSG.finalReport);
    expect(finals.map((m) => m.to).sort()).toEqual([0, 2, 3]);
    const finalSigners = (finals[0].payload as FinalReport).signatures.map((sig) => SIGNERS.indexOf(recoverSigner(digest, sig)));
    expect(finalSigners).toEqual(entries.map((e) => e.signerIndex));
  });

  it("drops an observation whose signature is not its sender's", async () => {
    const t = leader({ silent: [2], forge: [3] });
    // Oracles 0 and 1 answer validly, 3's signatures are not its own: 2 of the 3 needed, no quorum.
    await t.lr.lead();
    expect(t.rounds).toEqual([{ outcome: "no-quorum", feeds: [0, 1] }]);
    expect(t.scheduled).toEqual([]);
  });

  it("backs off after a failed round", async () => {
    const t = leader({ silent: [0, 2, 3] });
    await t.lr.tick();
    expect(t.rounds_()).toBe(1);
    await t.lr.tick(); // within failedRoundBackoffMs: no new round
    expect(t.rounds_()).toBe(1);
    await t.lr.tick(Date.now() + 1_200);
    expect(t.rounds_()).toBe(2);
  });

  it("without f+1 signatures nothing is distributed or transmitted", async () => {
    const t = leader({ noSign: [0, 2, 3] });
    await t.lr.lead();
    expect(t.rounds).toEqual([{ outcome: "unsigned", feeds: [0, 1] }]);
    expect(t.collectedHook).toEqual([]);
    expect(t.sent.some((m) => m.type === MSG.finalReport)).toBe(false);
    expect(t.pending).toEqual([]);
  });

  it("skips feeds pending on chain, refused feeds, and everything while blind", async () => {
    const t = leader({ pending: [0], values: { 0: 100_000n, 1: null } });
    expect(t.lr.dueFeeds(snapshot({ 0: 100_000n, 1: null }), Date.now())).toEqual([]);
    await t.lr.lead();
    expect(t.rounds_()).toBe(0);
    const blind = leader({ blind: true });
    expect(blind.lr.dueFeeds(snapshot({ 0: 1n, 1: 1n }), Date.now())).toEqual([]);
    expect(leader().lr.dueFeeds(snapshot({ 0: 1n, 1: 1n }), Date.now())).toEqual([0, 1]);
  });

  it("sends the proposal the fault hook returns (the seam a Byzantine test uses)", async () => {
    const tamper: FaultHooks = { ...NO_FAULTS, proposal: (p) => ({ ...p, feeds: p.feeds.slice(0, 1) }) };
    const t = leader({ faults: tamper });
    await t.lr.lead();
    const proposals = t.sent.filter((m) => m.type === MSG.reportProposal).map((m) => (m.payload as ReportProposal).feeds.map((f) => f.feedIndex));
    expect(proposals.every((f) => f.length === 1 && f[0] === 0)).toBe(true);
    expect(t.scheduled[0].feeds).toEqual([0]);
  });

  it("attack (issue 13.1): a correctly signed observation of 2^200 is refused and counted; the round still reports", async () => {
    // Oracle 0 answers first (its reply resolves before the others'), so without the int120 check
    // it would be among the first 2f+1 and the report could not be encoded.
    const t = leader({ huge: [0] });
    await t.lr.lead();
    expect(t.rounds).toEqual([{ outcome: "reported", feeds: [0, 1] }]);
    expect(t.lr.refused.get("out-of-range")).toBe(2); // one per feed
    const report = decodeReport(t.scheduled[0].encoded);
    for (const f of report.feeds) expect(f.observers).not.toContain(0);
  });

  it("attack (issue 13.1): a failure while building the report fails the round with back-off, never the tick", async () => {
    // A report that cannot be encoded (timestamp beyond uint32): encodeReport throws inside the round.
    const broken: FaultHooks = { ...NO_FAULTS, proposal: (p) => ({ ...p, observationsTimestamp: 2 ** 40 }) };
    const t = leader({ faults: broken });
    await expect(t.lr.tick()).resolves.toBeUndefined();
    expect(t.rounds).toEqual([{ outcome: "error", feeds: [0, 1] }]);
    await t.lr.tick(); // backing off
    expect(t.rounds_()).toBe(1);
    await t.lr.tick(Date.now() + 1_200);
    expect(t.rounds_()).toBe(2);
  });
});
