import type { Logger } from "../log/logger";
import { formatRoundId } from "../log/round";
import { buildReportProposal, rotationStart, type CollectedObservation } from "../protocol/build-report";
import { MSG, type FinalReport, type ObservationReply, type ObserveRequest, type ReportProposal } from "../protocol/messages";
import { observationSigner } from "../protocol/observation";
import { OBSERVATION_MAX, OBSERVATION_MIN, packSignatures, recoverSigner, type Report } from "../protocol/report";
import { minObservations, requiredSignatures } from "../protocol/report-answer";
import { roundDue, type OnchainView } from "../protocol/round-decision";
import { encodeAndDigest, toReport } from "../protocol/signed-report";
import type { InboundMessage, TransportStats } from "../transport/peer-network";
import { collect } from "./collect";
import type { NodeContext } from "./context";
import type { FaultHooks } from "./fault-hooks";
import type { SignResult } from "./follower";
import type { ObservationSnapshot } from "./observer";

/**
 * The leader's round, start to end: which feeds are due, observations from 2f+1 oracles (each
 * signature checked), the report proposal, f+1 report signatures, and the final report sent to
 * every oracle (the backups) while this node transmits first. A round that fails (no quorum, not
 * signed) backs the leader off for `failedRoundBackoffMs`.
 */
export interface LeaderDeps {
  ctx: NodeContext;
  observer: { current(): ObservationSnapshot | null };
  chain: {
    readonly blind: boolean;
    isPending(idx: number, now: number): boolean;
    onchainView(idx: number): OnchainView;
    markPending(feeds: readonly number[], epoch: number, round: number): void;
  };
  pacemaker: { readonly epoch: number; isLeader(): boolean; nextRound(): number | null };
  peers: { send(index: number, type: string, epoch: number, round: number, payload: unknown, log?: Logger): Promise<InboundMessage | null> };
  /** This node as its own follower. */
  self: {
    observe(epoch: number, round: number, req: ObserveRequest): Promise<ObservationReply>;
    checkAndSign(p: ReportProposal, epoch: number, round: number, asLeader?: boolean): SignResult;
  };
  transmitter: { schedule(encoded: string, signatures: string, epoch: number, round: number, feeds: number[]): void };
  /** Every report signed by f+1 oracles, served to pull consumers (pull/report-store.ts); absent: none kept. */
  reports?: { add(report: Report, encoded: string, signatures: string): void };
  telemetry: {
    round(
      r: { epoch: number; round: number; feeds: number[]; outcome: string; stages?: Record<string, number> },
      before: TransportStats,
      after: TransportStats,
    ): void;
  };
  traffic: () => TransportStats;
  faults: FaultHooks;
  /** Equivocation evidence (node/evidence.ts): the followers' signatures over this leader's report. */
  evidence?: { record(report: string, signatures: ReadonlyArray<{ signerIndex: number; signature: string }>): void };
}

/** One round in progress. */
interface Round {
  epoch: number;
  round: number;
  due: number[];
  /** Some feed is due by deviation or heartbeat: the report is transmitted (else a pull report only). */
  transmit: boolean;
  log: Logger;
  before: TransportStats;
  t0: number;
  stages: Record<string, number>;
}

type Entry = { signerIndex: number; signature: string };

/** Why a collected observation was refused, counted per reason (the dashboard and tests read it). */
export type RefusedObservation = "bad-signature" | "out-of-range";

export class LeaderRound {
  private lastRoundAt = 0;
  /** Per pull feed, the observations second of its last round: one pull report per feed and second. */
  private readonly lastPullSec = new Map<number, number>();
  /** Observations refused at collection since start, per reason. */
  readonly refused = new Map<RefusedObservation, number>();

  constructor(private readonly d: LeaderDeps) {}

  /** The tick's leader step: a round when this node leads and the last one is far enough back. */
  async tick(now = Date.now()): Promise<void> {
    if (this.d.pacemaker.isLeader() && now - this.lastRoundAt >= this.d.ctx.timing.minRoundIntervalMs) await this.lead();
  }

  /** Feeds due on this node's latest observation, skipping those with a report pending on chain. */
  dueFeeds(snap: ObservationSnapshot, now: number): number[] {
    const due: number[] = [];
    // Blind to the chain (RPC failing): no new rounds, the last report is still queued to send.
    if (this.d.chain.blind) return due;
    for (const [idx, feed] of this.d.ctx.feeds) {
      if (this.d.chain.isPending(idx, now)) continue;
      const v = snap.feeds.get(idx)?.value ?? null;
      if (v === null) continue;
      if (roundDue(v, this.d.chain.onchainView(idx), feed, now)) due.push(idx);
    }
    return due;
  }

  /**
   * Pull feeds (config `pull`) with a poll newer, by the second, than their last round: they go
   * into every round (docs/protocol.md "Pull reports"), the chain view not needed.
   */
  pullFeeds(snap: ObservationSnapshot): number[] {
    const out: number[] = [];
    for (const [idx, feed] of this.d.ctx.feeds) {
      const o = snap.feeds.get(idx);
      if (!feed.pull || !o || o.value === null) continue;
      if (Math.floor(o.fetchedAt / 1000) > (this.lastPullSec.get(idx) ?? -1)) out.push(idx);
    }
    return out;
  }

  async lead(): Promise<void> {
    const snap = this.d.observer.current();
    if (!snap) return;
    const pushed = this.dueFeeds(snap, Date.now());
    const pulled = this.pullFeeds(snap);
    if (pushed.length === 0 && pulled.length === 0) return;
    const due = [...new Set([...pushed, ...pulled])].sort((a, b) => a - b);
    const r = this.open(due, pushed.length > 0);
    if (!r) return;
    for (const idx of pulled) this.lastPullSec.set(idx, Math.floor(snap.feeds.get(idx)!.fetchedAt / 1000));
    try {
      await this.run(r, snap);
    } catch (err) {
      // Nothing a peer sends may kill the round loop: whatever escapes (an unencodable report,
      // a malformed signature) fails this round, with the back-off, and the next tick goes on.
      r.log.error({ err: (err as Error)?.message ?? String(err) }, "round failed");
      this.fail(r, r.due, "error");
    }
  }

  private async run(r: Round, snap: ObservationSnapshot): Promise<void> {
    // Each feed is polled on its own schedule: the request asks for data as new as the oldest due one.
    const dataTimes = r.due.map((i) => snap.feeds.get(i)!.fetchedAt);
    const notBefore = Math.min(...dataTimes);
    r.stages.snapshotAgeMs = r.t0 - notBefore;
    const collected = await this.collectObservations(r, { feeds: r.due, notBefore });
    r.stages.observeMs = Date.now() - r.t0;
    // Stamped with this node's own data time (its newest poll of the due feeds), never "now + x":
    // every honest follower polls on the same clock-aligned schedule, so its own data is as new.
    const stamp = Math.floor(Math.max(...dataTimes) / 1000);
    const n = this.d.ctx.committee.signers.length;
    const { proposal: built, missing } = buildReportProposal(collected.observations, r.due, this.d.ctx.committee.f, stamp, {
      start: rotationStart(r.epoch, r.round, n),
      n,
    });
    if (missing.length) r.log.warn({ missing }, "feeds without 2f+1 observations left out of the report");
    if (!built) return this.fail(r, r.due, "no-quorum");
    const proposal = this.d.faults.proposal(built);
    const report = toReport(this.d.ctx.committee.configDigest, r.epoch, r.round, proposal);
    const signed = encodeAndDigest(report, this.d.ctx.chainId, this.d.ctx.aggregator);
    const sigs = await this.collectSignatures(r, proposal, signed.digest);
    this.d.evidence?.record(
      signed.encoded,
      [...sigs].map(([signerIndex, signature]) => ({ signerIndex, signature })),
    );
    r.stages.signMs = Date.now() - r.t0 - r.stages.observeMs;
    const needed = requiredSignatures(this.d.ctx.committee.f);
    if (sigs.size < needed) {
      r.log.warn({ signatures: sigs.size, needed }, "report not signed by f+1 oracles");
      return this.fail(r, r.due, "unsigned");
    }
    this.d.faults.signaturesCollected({ epoch: r.epoch, round: r.round });
    this.distribute(r, report, signed.encoded, sigs);
    r.log.info({ feeds: report.feeds.map((x) => x.feedIndex), observers: collected.observers, signatures: sigs.size }, "report signed by the committee");
  }

  /** Starts a round for these feeds (its number persisted first), or null when the epoch is out of rounds. */
  private open(due: number[], transmit: boolean): Round | null {
    const round = this.d.pacemaker.nextRound();
    if (round === null) return null;
    const epoch = this.d.pacemaker.epoch;
    const t0 = Date.now();
    this.lastRoundAt = t0;
    return { epoch, round, due, transmit, log: this.d.ctx.log.child({ roundId: formatRoundId(epoch, round) }), before: this.d.traffic(), t0, stages: {} };
  }

  /** 1. Observations from every oracle (this one included), each signature checked, until every feed has 2f+1. */
  private async collectObservations(r: Round, request: ObserveRequest): Promise<{ observations: CollectedObservation[]; observers: number }> {
    const { ctx } = this.d;
    const { configDigest, f, signers } = ctx.committee;
    const sigCtx = { configDigest, epoch: r.epoch, round: r.round };
    const collected: CollectedObservation[] = [];
    const perFeed = new Map<number, Set<number>>(r.due.map((i) => [i, new Set<number>()]));
    const observers = new Set<number>();
    const accept = (reply: ObservationReply | null, i: number) => {
      if (!reply) return;
      for (const o of reply.observations) {
        if (!perFeed.has(o.feedIndex) || perFeed.get(o.feedIndex)!.has(i)) continue;
        const value = BigInt(o.value);
        // Only what the report can carry (int120, the on-chain answer's type): a wider value,
        // however well signed, would make the report unencodable. Values outside the feed's
        // [minAnswer, maxAnswer] are NOT refused here: the median of 2f+1 observations lies
        // between honest values, so a faulty observer cannot push it out of bounds, and when the
        // honest market itself leaves the bounds that must reach the chain, whose out-of-bounds
        // flag tells consumers (a node that dropped it would freeze the feed instead).
        if (value < OBSERVATION_MIN || value > OBSERVATION_MAX) {
          this.refuse(r, "out-of-range", i, o.feedIndex);
          continue;
        }
        if (observationSigner(sigCtx, o.feedIndex, value, o.signature) !== signers[i]) {
          this.refuse(r, "bad-signature", i, o.feedIndex);
          continue;
        }
        perFeed.get(o.feedIndex)!.add(i);
        observers.add(i);
        collected.push({ observer: i, feedIndex: o.feedIndex, value, signature: o.signature });
      }
    };
    await collect<ObservationReply | null>(
      signers.map(
        (_s, i) => () =>
          i === ctx.myIndex
            ? this.d.self.observe(r.epoch, r.round, request)
            : this.d.peers.send(i, MSG.observeRequest, r.epoch, r.round, request).then((m) => (m?.payload as ObservationReply) ?? null),
      ),
      accept,
      (err, i) => this.ownFailed(i, err, r.log),
      () => [...perFeed.values()].every((s) => s.size >= minObservations(f)) && observers.size >= minObservations(f),
      ctx.timing.roundTimeoutMs,
      ctx.timing.observationGraceMs,
    );
    return { observations: collected, observers: observers.size };
  }

  /** 2. Signatures over the report's digest from f+1 oracles that checked it (this one included). */
  private async collectSignatures(r: Round, proposal: ReportProposal, digest: string): Promise<Map<number, string>> {
    const { ctx } = this.d;
    const { f, signers } = ctx.committee;
    const sigs = new Map<number, string>();
    await collect<string | null>(
      signers.map(
        (_s, i) => () =>
          i === ctx.myIndex
            ? Promise.resolve(this.d.self.checkAndSign(proposal, r.epoch, r.round, true).signature)
            : this.d.peers
                .send(i, MSG.reportProposal, r.epoch, r.round, proposal)
                .then((m) => (m?.payload as { signature: string } | undefined)?.signature ?? null),
      ),
      (sig, i) => {
        if (!sig) return;
        try {
          if (recoverSigner(digest, sig) === signers[i]) sigs.set(i, sig);
          else r.log.warn({ oracle: i }, "report signature from the wrong key dropped");
        } catch {
          r.log.warn({ oracle: i }, "malformed report signature dropped");
        }
      },
      (err, i) => this.ownFailed(i, err, r.log),
      () => sigs.size >= requiredSignatures(f),
      ctx.timing.roundTimeoutMs,
    );
    return sigs;
  }

  /**
   * 3. The final report to every oracle (backups) and to the pull store; when a feed was due,
   * marked pending and this node transmits first.
   */
  private distribute(r: Round, report: Report, encoded: string, sigs: Map<number, string>): void {
    const { ctx } = this.d;
    const entries: Entry[] = [...sigs.entries()]
      .sort((a, b) => a[0] - b[0])
      .slice(0, requiredSignatures(ctx.committee.f))
      .map(([signerIndex, signature]) => ({ signerIndex, signature }));
    const final: FinalReport = {
      observationsTimestamp: report.observationsTimestamp,
      transmit: r.transmit,
      feeds: report.feeds.map((x) => ({ feedIndex: x.feedIndex, observers: x.observers, observations: x.observations.map(String) })),
      signatures: entries.map((e) => e.signature),
    };
    const feedIdx = report.feeds.map((x) => x.feedIndex);
    const packed = packSignatures(entries);
    this.d.reports?.add(report, encoded, packed);
    if (r.transmit) this.d.chain.markPending(feedIdx, r.epoch, r.round);
    ctx.committee.signers.forEach((_s, i) => {
      if (i === ctx.myIndex) return;
      this.d.peers.send(i, MSG.finalReport, r.epoch, r.round, final, r.log).catch(() => undefined);
    });
    if (r.transmit) this.d.transmitter.schedule(encoded, packed, r.epoch, r.round, feedIdx);
    const outcome = r.transmit ? "reported" : "pull-signed";
    this.d.telemetry.round({ epoch: r.epoch, round: r.round, feeds: feedIdx, outcome, stages: r.stages }, r.before, this.d.traffic());
  }

  private refuse(r: Round, reason: RefusedObservation, observer: number, feedIndex: number): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    r.log.warn({ observer, feedIndex, reason }, "observation refused");
  }

  private fail(r: Round, feeds: number[], outcome: string): void {
    this.d.telemetry.round({ epoch: r.epoch, round: r.round, feeds, outcome }, r.before, this.d.traffic());
    this.lastRoundAt = Date.now() + this.d.ctx.timing.failedRoundBackoffMs;
  }

  /** The collector's error callback: peers' failures are recorded by the peer health, this node's own are logged. */
  private ownFailed(index: number, err: unknown, log: Logger): void {
    if (index === this.d.ctx.myIndex) log.debug({ err: (err as Error)?.message ?? String(err) }, "own contribution to the round failed");
  }
}
