import { describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { leaderIndex, transmitPosition } from "./leader";
import { alarmThresholdBps, deviates, overdue, roundDue, startupSinceMs } from "./round-decision";
import { observationSigner, signObservation } from "./observation";
import { buildReportProposal, rotationStart, type CollectedObservation } from "./build-report";
import { checkReportProposal, type CheckContext } from "./check-report";
import { EpochVotes } from "./pacemaker";
import { reportAnswer } from "./report-answer";

const DIGEST = "0x0001" + "ab".repeat(26) + "00000005";
const keys = Array.from({ length: 4 }, (_, i) => new Wallet("0x" + (i + 1).toString(16).padStart(64, "0")));
const signers = keys.map((k) => k.address);
const ctx = { configDigest: DIGEST, epoch: 3, round: 2 };

function observe(observer: number, feedIndex: number, value: bigint, c = ctx): CollectedObservation {
  return { observer, feedIndex, value, signature: signObservation(keys[observer].signingKey, c, feedIndex, value) };
}

function checkCtx(over: Partial<CheckContext> = {}): CheckContext {
  return {
    ...ctx,
    f: 1,
    signers,
    feeds: new Set([0, 1]),
    own: new Map([[0, 100_000n]]),
    toleranceBps: () => 100,
    nowSec: 1_700_000_000,
    ownDataSec: 1_700_000_000,
    maxClockSkewSec: 3,
    maxAgeSec: 300,
    ...over,
  };
}

describe("leader rotation", () => {
  it("is deterministic, visits every oracle, and starts from the digest's seed", () => {
    const seq = Array.from({ length: 8 }, (_, e) => leaderIndex(e, 4, DIGEST));
    expect(seq).toEqual([1, 2, 3, 0, 1, 2, 3, 0]); // seed 5 mod 4 = 1
    expect(transmitPosition(1, 0, 4, DIGEST)).toBe(0);
    expect(transmitPosition(0, 0, 4, DIGEST)).toBe(3);
  });
});

describe("round decision", () => {
  const schedule = { deviationBps: 50, heartbeatSec: 60 };
  it("fires at exactly the threshold, in integer arithmetic", () => {
    expect(deviates(100_500n, 100_000n, 50)).toBe(true);
    expect(deviates(100_499n, 100_000n, 50)).toBe(false);
    expect(deviates(99_500n, 100_000n, 50)).toBe(true);
  });
  it("reports first, deviation, heartbeat, or nothing", () => {
    expect(roundDue(1n, { answer: null, updatedAt: 0, sinceMs: 0 }, schedule, 0)).toBe("first");
    expect(roundDue(100_600n, { answer: 100_000n, updatedAt: 1000, sinceMs: 1_000_000 }, schedule, 1_000_000)).toBe("deviation");
    expect(roundDue(100_000n, { answer: 100_000n, updatedAt: 1000, sinceMs: 1_000_000 }, schedule, 1_060_000)).toBe("heartbeat");
    expect(roundDue(100_100n, { answer: 100_000n, updatedAt: 1000, sinceMs: 1_000_000 }, schedule, 1_059_999)).toBeNull();
  });
  it("raises the follower's alarm just past the threshold plus a small margin, or past the heartbeat's grace", () => {
    const on = { answer: 100_000n, updatedAt: 1000, sinceMs: 1_000_000 };
    expect(alarmThresholdBps(schedule.deviationBps)).toBe(63); // 50 bps + a quarter (13), at least 10
    expect(alarmThresholdBps(20)).toBe(30);
    expect(overdue(100_620n, on, schedule, 1_000_000, 5_000)).toBe(false); // 62 bps: a leader may still be right not to report
    expect(overdue(100_630n, on, schedule, 1_000_000, 5_000)).toBe(true);
    // A faulty leader cannot hold back a move of 1.3x the threshold (a factor-2 alarm let it sit out a 99 bps move).
    expect(overdue(99_010n, on, schedule, 1_000_000, 5_000)).toBe(true);
    expect(overdue(101_000n, on, schedule, 1_000_000, 5_000)).toBe(true);
    expect(overdue(100_000n, { answer: 100_000n, updatedAt: 1000, sinceMs: 1_000_000 }, schedule, 1_065_000, 5_000)).toBe(true);
  });
  it("counts the heartbeat on the node's clock, whatever the chain's timestamps say", () => {
    const seenAt = 1_700_000_000_000;
    const hb = { deviationBps: 50, heartbeatSec: 6 };
    // A Hardhat chain 24 s ahead of the wall clock: the block says the update is 18 s in the future.
    const ahead = { answer: 100_000n, updatedAt: seenAt / 1000 + 24, sinceMs: seenAt };
    expect(roundDue(100_000n, ahead, hb, seenAt + 5_999)).toBeNull();
    expect(roundDue(100_000n, ahead, hb, seenAt + 6_000)).toBe("heartbeat");
    expect(overdue(100_000n, ahead, hb, seenAt + 6_000 + 4_000, 4_000)).toBe(true);
    // A chain an hour behind: not due on every tick, only a heartbeat after the update was seen.
    const behind = { answer: 100_000n, updatedAt: seenAt / 1000 - 3_600, sinceMs: seenAt };
    expect(roundDue(100_000n, behind, hb, seenAt + 1_000)).toBeNull();
    expect(overdue(100_000n, behind, hb, seenAt + 1_000, 4_000)).toBe(false);
  });
  it("starts the heartbeat of an answer read at startup no later than now", () => {
    const now = 1_700_000_000_000;
    expect(startupSinceMs(now / 1000 - 30, now)).toBe(now - 30_000);
    expect(startupSinceMs(now / 1000 + 24, now)).toBe(now);
  });
});

describe("observations", () => {
  it("recover to their signer and to nobody else once any bound field changes", () => {
    const sig = signObservation(keys[0].signingKey, ctx, 1, 42n);
    expect(observationSigner(ctx, 1, 42n, sig)).toBe(signers[0]);
    expect(observationSigner(ctx, 1, 43n, sig)).not.toBe(signers[0]);
    expect(observationSigner({ ...ctx, round: 3 }, 1, 42n, sig)).not.toBe(signers[0]);
    expect(observationSigner(ctx, 0, 42n, sig)).not.toBe(signers[0]);
    expect(observationSigner(ctx, 1, 42n, "0x" + "00".repeat(65))).toBeNull();
  });
});

describe("report building and checking", () => {
  const collected = [observe(2, 0, 100_020n), observe(0, 0, 100_000n), observe(3, 0, 99_990n), observe(1, 1, 5n), observe(3, 1, 6n)];

  it("builds feeds with 2f+1 observations, sorted, and leaves the rest out", () => {
    const { proposal, missing } = buildReportProposal(collected, [1, 0], 1, 1_700_000_000);
    expect(missing).toEqual([1]);
    expect(proposal?.feeds).toHaveLength(1);
    expect(proposal?.feeds[0]).toMatchObject({ feedIndex: 0, observers: [3, 0, 2], observations: ["99990", "100000", "100020"] });
    expect(reportAnswer([99_990n, 100_000n, 100_020n])).toBe(100_000n);
  });

  it("accepts an honest proposal and computes the answers", () => {
    const { proposal } = buildReportProposal(collected, [0], 1, 1_700_000_000);
    const r = checkReportProposal(proposal!, checkCtx());
    expect(r).toEqual({ ok: true, answers: new Map([[0, 100_000n]]) });
  });

  it("refuses forged, repeated, unsorted, short, foreign and far-off proposals", () => {
    const { proposal } = buildReportProposal(collected, [0], 1, 1_700_000_000);
    const p = proposal!;
    const feed = p.feeds[0];
    const variants: Array<[string, unknown]> = [
      ["not signed", { ...p, feeds: [{ ...feed, observations: ["99990", "100000", "900000"] }] }],
      ["repeated observer", { ...p, feeds: [{ ...feed, observers: [3, 0, 0] }] }],
      [
        "not sorted",
        {
          ...p,
          feeds: [
            {
              ...feed,
              observations: ["100000", "99990", "100020"],
              observers: [0, 3, 2],
              signatures: [feed.signatures[1], feed.signatures[0], feed.signatures[2]],
            },
          ],
        },
      ],
      ["fewer than 2f+1", { ...p, feeds: [{ feedIndex: 0, observers: [3, 0], observations: ["99990", "100000"], signatures: feed.signatures.slice(0, 2) }] }],
      ["not a feed of this committee", { ...p, feeds: [{ ...feed, feedIndex: 7 }] }],
      ["older than 300 s", { ...p, observationsTimestamp: 1_700_000_000 - 301 }],
      ["ahead of own data time", { ...p, observationsTimestamp: 1_700_000_000 + 4 }],
    ];
    for (const [reason, bad] of variants) {
      const r = checkReportProposal(bad as typeof p, checkCtx());
      expect(r.ok, reason).toBe(false);
      expect((r as { reason: string }).reason).toContain(reason);
    }
  });

  it("attack (issue 13.4): a timestamp stamped ahead is refused beyond own data time + skew, even when the clock would allow it", () => {
    const { proposal } = buildReportProposal(collected, [0], 1, 1_700_000_003);
    expect(checkReportProposal(proposal!, checkCtx()).ok).toBe(true); // own data time + 3 s: accepted
    // This node's data is 10 s old: a report stamped at its clock's now + 0 leads its data by 10 s.
    const ahead = buildReportProposal(collected, [0], 1, 1_700_000_000).proposal!;
    const r = checkReportProposal(ahead, checkCtx({ ownDataSec: 1_699_999_990 }));
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toContain("ahead of own data time");
    expect(checkReportProposal(proposal!, checkCtx({ ownDataSec: 1_700_000_010 })).ok).toBe(true); // nor beyond the clock + 3 s
    const future = buildReportProposal(collected, [0], 1, 1_700_000_004).proposal!;
    expect(checkReportProposal(future, checkCtx({ ownDataSec: 1_700_000_010 })).ok).toBe(false);
  });

  it("refuses an answer beyond its tolerance of the follower's own observation", () => {
    const far = [observe(0, 0, 200_000n), observe(1, 0, 200_010n), observe(2, 0, 200_020n)];
    const { proposal } = buildReportProposal(far, [0], 1, 1_700_000_000);
    const r = checkReportProposal(proposal!, checkCtx());
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toContain("beyond 100 bps");
  });

  it("refuses observations signed for another round", () => {
    const other = { ...ctx, round: 1 };
    const stale = [observe(0, 0, 100_000n, other), observe(1, 0, 100_000n, other), observe(2, 0, 100_000n, other)];
    const { proposal } = buildReportProposal(stale, [0], 1, 1_700_000_000);
    expect(checkReportProposal(proposal!, checkCtx()).ok).toBe(false);
  });
});

describe("pacemaker votes", () => {
  it("joins at f+1 votes and enters at 2f+1", () => {
    const v = new EpochVotes();
    v.record(0, 5);
    expect(v.joinable(1)).toBe(-1);
    v.record(1, 6);
    expect(v.joinable(1)).toBe(5);
    expect(v.enterable(1)).toBe(-1);
    v.record(2, 5);
    expect(v.enterable(1)).toBe(5);
    v.record(2, 4); // votes never go down
    expect(v.enterable(1)).toBe(5);
    v.prune(5);
    expect(v.joinable(1)).toBe(-1);
  });
});

describe("report size", () => {
  it("takes the first 2f+1 observations to arrive, sorted", () => {
    const arrivals = [observe(3, 0, 7n), observe(1, 0, 5n), observe(0, 0, 9n), observe(2, 0, 1n)];
    const { proposal } = buildReportProposal(arrivals, [0], 1, 1_700_000_000);
    expect(proposal?.feeds[0]).toMatchObject({ observers: [1, 3, 0], observations: ["5", "7", "9"] });
  });

  it("with a rotation takes 2f+1 observers from the round's start in cyclic order, whatever arrived first", () => {
    // n = 7, f = 2: all seven answered, 0..4 first (a leader on the same host sees that order every round).
    // (the builder does not check signatures: the follower does, see the follower tests)
    const arrivals: CollectedObservation[] = [0, 1, 2, 3, 4, 5, 6].map((i) => ({ observer: i, feedIndex: 0, value: BigInt(100 + i), signature: "0x" }));
    const pick = (start: number) => buildReportProposal(arrivals, [0], 2, 1_700_000_000, { start, n: 7 }).proposal!.feeds[0].observers;
    expect(pick(0)).toEqual([0, 1, 2, 3, 4]);
    expect(pick(5)).toEqual([0, 1, 2, 5, 6]);
    expect(pick(6)).toEqual([0, 1, 2, 3, 6]);
    // Over n consecutive rounds every member that answered is included 2f+1 times out of n.
    const counts = new Array<number>(7).fill(0);
    for (let round = 1; round <= 7; round++) for (const o of pick(rotationStart(3, round, 7))) counts[o]++;
    expect(counts).toEqual([5, 5, 5, 5, 5, 5, 5]);
    // A member that did not answer is skipped, not waited for: the next ones in cyclic order fill in.
    const without5 = arrivals.filter((o) => o.observer !== 5);
    expect(buildReportProposal(without5, [0], 2, 1_700_000_000, { start: 5, n: 7 }).proposal!.feeds[0].observers).toEqual([0, 1, 2, 3, 6]);
    // Below quorum it is still missing, rotation or not.
    expect(buildReportProposal(arrivals.slice(0, 4), [0], 2, 1_700_000_000, { start: 2, n: 7 }).missing).toEqual([0]);
  });

  it("rotationStart moves one committee index per round and stays in 0..n-1", () => {
    expect([1, 2, 3, 4].map((r) => rotationStart(0, r, 4))).toEqual([1, 2, 3, 0]);
    expect(rotationStart(1, 0, 7)).toBe(256 % 7);
    for (let e = 0; e < 50; e++) for (let r = 0; r < 256; r += 17) expect(rotationStart(e, r, 31)).toBeLessThan(31);
  });
});
