import { describe, expect, it } from "vitest";
import { silentLogger } from "../log/logger";
import { MemoryValues, committee } from "../../../test/support/node-fixtures";
import { MAX_ROUND } from "./report-answer";
import { Pacemaker, type PacemakerDeps } from "./pacemaker";

/** A pacemaker of oracle `me` in a committee of 4 (f = 1), with a fake store, clock and outbox. */
function pacemaker(me = 0, over: Partial<PacemakerDeps> = {}) {
  let now = 1_000_000;
  const votes: Array<{ to: number; epoch: number }> = [];
  const entered: Array<{ epoch: number; leader: number; announce: boolean }> = [];
  const store = new MemoryValues();
  let overdue = new Set<number>();
  let chain = { epoch: 0, round: 0 };
  const pm = new Pacemaker({
    committee: committee(),
    myIndex: me,
    store,
    timing: { progressTimeoutMs: 4_000, voteResendMs: 1_000 },
    feeds: [0, 1],
    overdueFeeds: () => overdue,
    chainBlind: () => false,
    chainProgress: () => chain,
    sendVote: (to, epoch) => votes.push({ to, epoch }),
    onEnter: (epoch, leader, announce) => entered.push({ epoch, leader, announce }),
    log: silentLogger,
    now: () => now,
    ...over,
  });
  return {
    pm,
    votes,
    entered,
    store,
    advance: (ms: number) => (now += ms),
    setOverdue: (s: number[]) => (overdue = new Set(s)),
    setChain: (c: { epoch: number; round: number }) => (chain = c),
  };
}

describe("Pacemaker", () => {
  it("starts in the newer of the stored and the on-chain epoch, and announces it", () => {
    const t = pacemaker();
    t.store.setValue(`epoch:${committee().configDigest}`, "3");
    t.setChain({ epoch: 2, round: 9 });
    t.pm.startup();
    expect(t.pm.epoch).toBe(3);
    expect(t.entered).toEqual([{ epoch: 3, leader: 0, announce: true }]); // (3 + 5) mod 4
    expect(t.pm.isLeader()).toBe(true);
  });

  it("numbers rounds after the stored and on-chain ones, persisting each before use", () => {
    const t = pacemaker();
    t.store.setValue(`round:${committee().configDigest}:2`, "7");
    t.setChain({ epoch: 2, round: 5 });
    t.pm.startup();
    expect(t.pm.nextRound()).toBe(8);
    expect(t.store.getValue(`round:${committee().configDigest}:2`)).toBe("8");
  });

  it("votes for the next epoch when the epoch runs out of rounds", () => {
    const t = pacemaker();
    t.setChain({ epoch: 0, round: MAX_ROUND });
    t.pm.startup();
    expect(t.pm.nextRound()).toBeNull();
    expect(t.votes.map((v) => v.epoch)).toEqual([1, 1, 1]);
    expect(t.votes.map((v) => v.to)).toEqual([1, 2, 3]);
  });

  it("raises the alarm only after a feed stays overdue past the progress timeout", () => {
    const t = pacemaker();
    t.pm.startup();
    t.setOverdue([1]);
    t.pm.check();
    t.advance(4_000);
    t.pm.check();
    expect(t.votes).toEqual([]); // exactly at the timeout: not yet
    t.advance(1);
    t.pm.check();
    expect(t.votes.map((v) => v.epoch)).toEqual([1, 1, 1]);
  });

  it("a landed report resets the feed's progress timer", () => {
    const t = pacemaker();
    t.pm.startup();
    t.setOverdue([0]);
    t.pm.check();
    t.advance(3_000);
    t.pm.feedLanded(0);
    t.pm.check(); // the timer restarts here
    t.advance(3_000);
    t.pm.check();
    expect(t.votes).toEqual([]);
  });

  it("never votes while blind to the chain", () => {
    let blind = true;
    const t = pacemaker(0, { chainBlind: () => blind });
    t.pm.startup();
    t.setOverdue([0]);
    t.pm.check();
    t.advance(10_000);
    t.pm.check();
    expect(t.votes).toEqual([]);
    blind = false;
    t.pm.check(); // the timer starts only now
    expect(t.votes).toEqual([]);
  });

  it("joins a vote with f+1 voters and enters the epoch with 2f+1", () => {
    const t = pacemaker(0);
    t.pm.startup();
    t.pm.onVote(1, 4);
    expect(t.votes).toEqual([]);
    t.pm.onVote(2, 4); // f+1 = 2 want epoch 4: join
    expect(t.votes.map((v) => v.epoch)).toEqual([4, 4, 4]);
    expect(t.pm.epoch).toBe(4); // with its own vote, 2f+1 = 3: enter
    expect(t.entered.at(-1)).toEqual({ epoch: 4, leader: 1, announce: true });
  });

  it("a single faulty voter can neither move nor stall the epoch", () => {
    const t = pacemaker(0);
    t.pm.startup();
    t.pm.onVote(3, 100);
    t.pm.onVote(3, 200);
    expect(t.pm.epoch).toBe(0);
    expect(t.votes).toEqual([]);
  });

  it("tells a sender that is behind its epoch, at most once per resend interval", () => {
    const t = pacemaker(0);
    t.setChain({ epoch: 5, round: 1 });
    t.pm.startup();
    t.pm.onPeerEpoch(2, 3);
    t.pm.onPeerEpoch(2, 3);
    expect(t.votes).toEqual([{ to: 2, epoch: 5 }]);
    t.advance(1_000);
    t.pm.onPeerEpoch(2, 3);
    expect(t.votes).toHaveLength(2);
  });

  it("a sender ahead is counted and everyone is asked", () => {
    const t = pacemaker(0);
    t.pm.startup();
    t.pm.onPeerEpoch(1, 2);
    expect(t.votes).toEqual([
      { to: 1, epoch: 0 },
      { to: 2, epoch: 0 },
      { to: 3, epoch: 0 },
    ]);
  });

  it("enters a later epoch seen on chain at once, continuing after its round", () => {
    const t = pacemaker(0);
    t.pm.startup();
    t.pm.chainReached(6, 4);
    expect(t.pm.epoch).toBe(6);
    expect(t.pm.nextRound()).toBe(5);
    t.pm.chainReached(2, 9); // older: ignored
    expect(t.pm.epoch).toBe(6);
  });
});
