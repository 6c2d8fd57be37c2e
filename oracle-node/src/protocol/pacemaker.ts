import type { Logger } from "../log/logger";
import { leaderIndex } from "./leader";
import { MAX_ROUND } from "./report-answer";

/**
 * Epochs and the pacemaker. Each epoch has one leader (leader.ts rotation) that numbers its
 * rounds 1..MAX_ROUND. A node that sees its leader fail (an overdue feed not reported within the
 * progress timeout) votes for the next epoch. A node joins a vote once f+1 oracles want a higher
 * epoch (at least one of them is honest), and enters an epoch once 2f+1 oracles want it or more,
 * so a faulty minority can neither force nor block an epoch change.
 *
 * Catch-up: a node that fell behind (restarted, partitioned, started late) learns the epoch from
 * its peers: a peer that sees it behind sends it a vote for its own epoch; with f+1 such votes
 * it joins, with 2f+1 it enters (the usual rules). The epoch and each epoch's last round are
 * persisted, so a restarted leader never reuses a round number.
 */
export class EpochVotes {
  private readonly votes = new Map<number, number>();

  /** Records oracle `index` wanting epoch `epoch` (a vote only ever rises). */
  record(index: number, epoch: number): void {
    const prev = this.votes.get(index) ?? -1;
    if (epoch > prev) this.votes.set(index, epoch);
  }

  /** The highest epoch at least `count` oracles want (each vote counts for every lower epoch), or -1. */
  private kth(count: number): number {
    const sorted = [...this.votes.values()].sort((a, b) => b - a);
    return sorted.length >= count ? sorted[count - 1] : -1;
  }

  /** Highest epoch with f+1 votes: join the vote for it. */
  joinable(f: number): number {
    return this.kth(f + 1);
  }

  /** Highest epoch with 2f+1 votes: enter it. */
  enterable(f: number): number {
    return this.kth(2 * f + 1);
  }

  /** Forgets votes at or below an epoch already entered. */
  prune(entered: number): void {
    for (const [k, v] of this.votes) if (v <= entered) this.votes.delete(k);
  }
}

export interface PacemakerStore {
  getValue(key: string): string | null;
  setValue(key: string, value: string): void;
}

export interface PacemakerDeps {
  committee: { configDigest: string; signers: readonly string[]; f: number };
  myIndex: number;
  store: PacemakerStore;
  timing: { progressTimeoutMs: number; voteResendMs: number };
  feeds: readonly number[];
  /** The feeds that should have been reported by `now` and were not (on this node's data). */
  overdueFeeds: (now: number) => ReadonlySet<number>;
  /** True while this node cannot see the chain (it cannot tell a failing leader from its own outage). */
  chainBlind: () => boolean;
  /** Newest (epoch, round) of this committee on chain. */
  chainProgress: () => { epoch: number; round: number };
  /** Sends "I want epoch e" to oracle `to` (fire and forget). */
  sendVote: (to: number, epoch: number) => void;
  /** An epoch was entered (`announce`: a new one, or the one at startup). */
  onEnter: (epoch: number, leader: number, announce: boolean) => void;
  log: Logger;
  now?: () => number;
}

export class Pacemaker {
  private current = 0;
  private leaderRound = 0;
  private wanted = 0;
  private lastVoteAt = 0;
  private readonly votes = new EpochVotes();
  private readonly alarmSince = new Map<number, number>();
  private readonly toldAt = new Map<number, number>();
  private askedAt = 0;
  private readonly now: () => number;

  constructor(private readonly d: PacemakerDeps) {
    this.now = d.now ?? Date.now;
  }

  get epoch(): number {
    return this.current;
  }

  leader(epoch = this.current): number {
    return leaderIndex(epoch, this.d.committee.signers.length, this.d.committee.configDigest);
  }

  isLeader(): boolean {
    return this.leader() === this.d.myIndex;
  }

  /** Enters the newer of the stored epoch and the chain's. */
  startup(): void {
    const stored = Number(this.d.store.getValue(this.epochKey()) ?? 0);
    this.enter(Math.max(stored, this.d.chainProgress().epoch), "startup");
  }

  /**
   * The leader's next round number in this epoch, persisted before it is used; null (and a vote
   * for the next epoch) when the epoch has used every round.
   */
  nextRound(): number | null {
    if (this.leaderRound >= MAX_ROUND) {
      this.wantEpoch(this.current + 1, "round limit of the epoch reached");
      return null;
    }
    const round = ++this.leaderRound;
    this.d.store.setValue(this.roundKey(this.current), String(round));
    return round;
  }

  /** The progress check of every tick: vote the leader out when an overdue feed stays unreported. */
  check(): void {
    const now = this.now();
    if (this.d.chainBlind()) {
      // Progress timers restart when this node sees the chain again.
      this.alarmSince.clear();
      return;
    }
    const overdue = this.d.overdueFeeds(now);
    let alarm = false;
    for (const idx of this.d.feeds) {
      if (overdue.has(idx)) {
        const since = this.alarmSince.get(idx);
        if (since === undefined) this.alarmSince.set(idx, now);
        else if (now - since > this.d.timing.progressTimeoutMs) alarm = true;
      } else {
        this.alarmSince.delete(idx);
      }
    }
    if (alarm) this.wantEpoch(this.current + 1, "an overdue feed was not reported in time");
    if (this.wanted > this.current && now - this.lastVoteAt > this.d.timing.voteResendMs) this.broadcastVote();
  }

  /** A report for this feed landed: its progress timer stops. */
  feedLanded(feedIndex: number): void {
    this.alarmSince.delete(feedIndex);
  }

  /** A report of (epoch, round) reached the chain: a later epoch than ours is entered at once. */
  chainReached(epoch: number, round: number): void {
    if (epoch > this.current) this.enter(epoch, "a report of a later epoch reached the chain", round);
  }

  /** Oracle `sender` votes for `epoch`. */
  onVote(sender: number, epoch: number): void {
    this.votes.record(sender, epoch);
    if (epoch < this.current) this.tellEpoch(sender);
    this.evaluateVotes();
  }

  /** A protocol message of `epoch` came from `sender`: a sender behind is told ours, one ahead is counted. */
  onPeerEpoch(sender: number, epoch: number): void {
    if (epoch < this.current) this.tellEpoch(sender);
    if (epoch > this.current) {
      // The sender is ahead: count it, and ask everyone where they are.
      this.votes.record(sender, epoch);
      this.askEpochs();
      this.evaluateVotes();
    }
  }

  wantEpoch(e: number, why: string): void {
    if (e <= this.wanted) return;
    this.d.log.warn({ epoch: this.current, leader: this.leader(), want: e, why }, "voting for a new epoch");
    this.wanted = e;
    this.votes.record(this.d.myIndex, e);
    this.broadcastVote();
    this.evaluateVotes();
  }

  private broadcastVote(): void {
    this.lastVoteAt = this.now();
    this.toOthers(this.wanted);
  }

  private evaluateVotes(): void {
    const f = this.d.committee.f;
    const join = this.votes.joinable(f);
    if (join > this.wanted && join > this.current) {
      this.wanted = join;
      this.votes.record(this.d.myIndex, join);
      this.broadcastVote();
    }
    const enter = this.votes.enterable(f);
    if (enter > this.current) this.enter(enter, "2f+1 oracles voted for it");
  }

  private enter(e: number, why: string, chainRound?: number): void {
    if (e < this.current) return;
    const changed = e !== this.current;
    this.current = e;
    const stored = Number(this.d.store.getValue(this.roundKey(e)) ?? 0);
    const chain = this.d.chainProgress();
    const onChain = e === chain.epoch ? chain.round : 0;
    this.leaderRound = Math.max(changed ? 0 : this.leaderRound, stored, onChain, chainRound ?? 0);
    this.d.store.setValue(this.epochKey(), String(e));
    if (this.wanted < e) this.wanted = e;
    this.votes.prune(e);
    const now = this.now();
    for (const k of this.alarmSince.keys()) this.alarmSince.set(k, now);
    const leader = this.leader(e);
    const announce = changed || why === "startup";
    if (announce) this.d.log.info({ epoch: e, leader, isLeader: leader === this.d.myIndex, why }, "entered epoch");
    this.d.onEnter(e, leader, announce);
  }

  private tellEpoch(peer: number): void {
    const now = this.now();
    if (peer < 0 || peer === this.d.myIndex || now - (this.toldAt.get(peer) ?? 0) < this.d.timing.voteResendMs) return;
    this.toldAt.set(peer, now);
    this.d.sendVote(peer, this.current);
  }

  private askEpochs(): void {
    const now = this.now();
    if (now - this.askedAt < this.d.timing.voteResendMs) return;
    this.askedAt = now;
    this.toOthers(this.current);
  }

  private toOthers(epoch: number): void {
    this.d.committee.signers.forEach((_s, i) => {
      if (i !== this.d.myIndex) this.d.sendVote(i, epoch);
    });
  }

  private epochKey(): string {
    return `epoch:${this.d.committee.configDigest}`;
  }

  private roundKey(epoch: number): string {
    return `round:${this.d.committee.configDigest}:${epoch}`;
  }
}
