import { compareEpochRound } from "../store/node-store";
import { startupSinceMs, type OnchainView } from "../protocol/round-decision";
import type { Committee, FeedLatest, OutOfBounds } from "./aggregator";
import type { Transmission } from "./transmission-watcher";

/**
 * This node's view of the chain: the latest answer per feed, the newest (epoch, round) this
 * committee landed (overall and per feed: the contract enforces freshness per feed), the
 * reports sent but not landed yet (pending: the leader starts no new round for those feeds
 * until they land or their backups' time is up), and whether the aggregator still runs the
 * config this node started under.
 */
export interface OnchainFeed extends OnchainView {
  roundId: string;
  confidence: bigint | null;
}

/** Where on-chain answers are shown (the dashboard's view). */
export interface OnchainSink {
  setOnchain(idx: number, answer: bigint | null, confidence: bigint | null, roundId: string, updatedAt: number, landed?: boolean): void;
  /** The feed's out-of-bounds record: a landed report's median the contract refused (answer held). */
  setOutOfBounds(idx: number, state: OutOfBounds): void;
}

export interface ChainReader {
  committee(): Promise<Pick<Committee, "configDigest">>;
  latestEpochRound(): Promise<{ configDigest: string; epoch: number; round: number }>;
  latest(feedIndex: number): Promise<FeedLatest>;
  latestConfidence(feedIndex: number): Promise<bigint>;
  outOfBounds(feedIndex: number): Promise<OutOfBounds>;
}

export interface TransmissionSource {
  poll(): Promise<Transmission[]>;
  readonly failures: number;
}

export interface ChainViewDeps {
  configDigest: string;
  feeds: readonly number[];
  /** Committee size: the last backup transmitter waits n staggers. */
  committeeSize: number;
  transmitStaggerMs: number;
  reader: ChainReader;
  watcher: TransmissionSource;
  sink: OnchainSink;
  now?: () => number;
}

/** A report pending on chain is given up after every backup had its turn, plus this. */
const PENDING_SLACK_MS = 5_000;

/** How long a signed report may take to land: every backup's turn, plus slack. */
export function pendingWindowMs(transmitStaggerMs: number, committeeSize: number): number {
  return transmitStaggerMs * (committeeSize + 1) + PENDING_SLACK_MS;
}

const sameDigest = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class ChainView {
  private readonly onchain = new Map<number, OnchainFeed>();
  private readonly feedER = new Map<number, { epoch: number; round: number }>();
  private readonly pending = new Map<number, { epoch: number; round: number; until: number }>();
  /** Per feed, the newest (epoch, round) ever marked pending: a report re-sent never marks again. */
  private readonly marked = new Map<number, { epoch: number; round: number }>();
  /** Feeds whose latest landed median was refused as out of bounds, with when this node saw it. */
  private readonly refused = new Map<number, OutOfBounds & { sinceMs: number }>();
  private chainEpoch = 0;
  private chainRound = 0;
  private readonly now: () => number;

  constructor(private readonly d: ChainViewDeps) {
    this.now = d.now ?? Date.now;
  }

  /** True while the event watcher fails: this node cannot tell what reached the chain. */
  get blind(): boolean {
    return this.d.watcher.failures > 0;
  }

  /** Newest (epoch, round) of this committee on chain, over all feeds. */
  progress(): { epoch: number; round: number } {
    return { epoch: this.chainEpoch, round: this.chainRound };
  }

  /** Reads every feed's latest answer and the newest (epoch, round) from the chain. */
  async refresh(): Promise<void> {
    const er = await this.d.reader.latestEpochRound();
    if (sameDigest(er.configDigest, this.d.configDigest)) {
      this.chainEpoch = er.epoch;
      this.chainRound = er.round;
      // No per-feed read exists: start every feed at the newest, which only makes a backup skip
      // a report older than anything this committee has sent since.
      for (const idx of this.d.feeds) this.feedER.set(idx, { epoch: er.epoch, round: er.round });
    }
    for (const idx of this.d.feeds) {
      const l = await this.d.reader.latest(idx);
      const confidence = l.answer === null ? null : await this.d.reader.latestConfidence(idx);
      this.onchain.set(idx, { answer: l.answer, updatedAt: l.updatedAt, sinceMs: startupSinceMs(l.updatedAt, this.now()), roundId: l.roundId, confidence });
      this.d.sink.setOnchain(idx, l.answer, confidence, l.roundId, l.updatedAt);
      const oob = await this.d.reader.outOfBounds(idx);
      if (oob.active) this.refused.set(idx, { ...oob, sinceMs: startupSinceMs(oob.since, this.now()) });
      else this.refused.delete(idx);
      this.d.sink.setOutOfBounds(idx, oob);
    }
  }

  /** New transmissions of this committee since the last poll, each applied to the view, with when it was seen. */
  async poll(): Promise<Array<{ t: Transmission; seenAt: number }>> {
    const out: Array<{ t: Transmission; seenAt: number }> = [];
    for (const t of await this.d.watcher.poll()) {
      const seenAt = this.now();
      if (this.apply(t, seenAt)) out.push({ t, seenAt });
    }
    return out;
  }

  /** Applies one transmission; false when it belongs to another config. */
  apply(t: Transmission, seenAt: number): boolean {
    if (!sameDigest(t.configDigest, this.d.configDigest)) return false;
    if (compareEpochRound(t.epoch, t.round, this.chainEpoch, this.chainRound) > 0) {
      this.chainEpoch = t.epoch;
      this.chainRound = t.round;
    }
    for (const u of t.feeds) {
      const prev = this.onchain.get(u.feedIndex);
      const roundId = prev ? (BigInt(prev.roundId) + 1n).toString() : "1";
      this.onchain.set(u.feedIndex, { answer: u.answer, updatedAt: t.updatedAt, sinceMs: seenAt, roundId, confidence: u.confidence });
      this.d.sink.setOnchain(u.feedIndex, u.answer, u.confidence, roundId, t.updatedAt, true);
      this.landedFor(u.feedIndex, t.epoch, t.round);
      if (this.refused.delete(u.feedIndex)) this.d.sink.setOutOfBounds(u.feedIndex, { active: false, refusedMedian: 0n, since: 0 });
    }
    // A refused median landed too: the feed keeps its answer, the report's (epoch, round) is spent.
    for (const r of t.refused) {
      this.landedFor(r.feedIndex, t.epoch, t.round);
      const since = this.refused.get(r.feedIndex);
      const state = { active: true, refusedMedian: r.median, since: since?.since ?? t.updatedAt };
      this.refused.set(r.feedIndex, { ...state, sinceMs: since?.sinceMs ?? seenAt });
      this.d.sink.setOutOfBounds(r.feedIndex, state);
    }
    return true;
  }

  /** A report of (epoch, round) landed for this feed: its freshness moves, its pending mark clears. */
  private landedFor(idx: number, epoch: number, round: number): void {
    const er = this.feedER.get(idx);
    if (!er || compareEpochRound(epoch, round, er.epoch, er.round) > 0) this.feedER.set(idx, { epoch, round });
    const p = this.pending.get(idx);
    if (p && compareEpochRound(epoch, round, p.epoch, p.round) >= 0) this.pending.delete(idx);
  }

  /** The feed's out-of-bounds record as this node last saw it (active false: none). */
  outOfBounds(idx: number): OutOfBounds {
    const r = this.refused.get(idx);
    return r ? { active: true, refusedMedian: r.refusedMedian, since: r.since } : { active: false, refusedMedian: 0n, since: 0 };
  }

  /** Whether every one of these feeds already holds (epoch, round) or newer on chain. */
  allOnChain(feeds: readonly number[], epoch: number, round: number): boolean {
    return feeds.every((i) => {
      const er = this.feedER.get(i);
      return er !== undefined && compareEpochRound(er.epoch, er.round, epoch, round) >= 0;
    });
  }

  /**
   * What the round decision compares a new observation with. While the feed's median is refused
   * as out of bounds, that is the refused median since it was first refused: a report is due again
   * when the market moves by the deviation from it or a heartbeat passes, not on every tick (each
   * refused report costs a transmission and cannot move the answer).
   */
  onchainView(idx: number): OnchainView {
    const r = this.refused.get(idx);
    if (r) return { answer: r.refusedMedian, updatedAt: r.since, sinceMs: r.sinceMs };
    const o = this.onchain.get(idx);
    return o ? { answer: o.answer, updatedAt: o.updatedAt, sinceMs: o.sinceMs } : { answer: null, updatedAt: 0, sinceMs: 0 };
  }

  /** Whether some of these feeds already hold (epoch, round) or newer: such a report can never land (StaleReport). */
  anyOnChain(feeds: readonly number[], epoch: number, round: number): boolean {
    return feeds.some((i) => this.allOnChain([i], epoch, round));
  }

  /**
   * A signed report for these feeds is on its way: each feed still behind it on chain is pending
   * until the report lands, its transmission fails (`clearPending`) or every backup had its turn.
   * A feed is marked at most once per (epoch, round), and never for a round older than one it
   * was marked for: a withheld report re-sent over and over cannot keep feeds pending. Returns
   * the feeds marked.
   */
  markPending(feeds: readonly number[], epoch: number, round: number): number[] {
    const until = this.now() + pendingWindowMs(this.d.transmitStaggerMs, this.d.committeeSize);
    const out: number[] = [];
    for (const i of feeds) {
      if (this.allOnChain([i], epoch, round)) continue;
      const m = this.marked.get(i);
      if (m && compareEpochRound(epoch, round, m.epoch, m.round) <= 0) continue;
      this.marked.set(i, { epoch, round });
      this.pending.set(i, { epoch, round, until });
      out.push(i);
    }
    return out;
  }

  /** The report of (epoch, round) will not land (reverted, timed out, too old): its feeds are free. */
  clearPending(feeds: readonly number[], epoch: number, round: number): void {
    for (const i of feeds) {
      const p = this.pending.get(i);
      if (p && p.epoch === epoch && p.round === round) this.pending.delete(i);
    }
  }

  /** The (epoch, round) a feed is pending for, or null. */
  pendingRound(idx: number, now = this.now()): { epoch: number; round: number } | null {
    const p = this.pending.get(idx);
    return p && p.until > now ? { epoch: p.epoch, round: p.round } : null;
  }

  isPending(idx: number, now = this.now()): boolean {
    const p = this.pending.get(idx);
    return p !== undefined && p.until > now;
  }

  /**
   * The aggregator's config digest when it is no longer the one this node runs under, else null
   * (also null when the RPC call fails: the watcher already reports the outage).
   */
  async configChanged(): Promise<string | null> {
    let digest: string;
    try {
      digest = (await this.d.reader.committee()).configDigest;
    } catch {
      return null;
    }
    return sameDigest(digest, this.d.configDigest) ? null : digest;
  }
}
