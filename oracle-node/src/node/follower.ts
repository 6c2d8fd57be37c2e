import { formatRoundId } from "../log/round";
import { checkReportProposal } from "../protocol/check-report";
import { MSG, type FinalReport, type ObservationReply, type ObserveRequest, type ReportProposal } from "../protocol/messages";
import { signObservation } from "../protocol/observation";
import { packSignatures, recoverSigner, signReport, type Report } from "../protocol/report";
import { requiredSignatures } from "../protocol/report-answer";
import { maxReportAgeSec, reportTooOld } from "../protocol/report-age";
import { deviates, roundDue, type OnchainView } from "../protocol/round-decision";
import { encodeAndDigest, toReport } from "../protocol/signed-report";
import { compareEpochRound, type NodeStore } from "../store/node-store";
import { PeerRefusal, type InboundMessage } from "../transport/peer-network";
import { senderIndex, sleep, type NodeContext } from "./context";
import type { FaultHooks } from "./fault-hooks";
import type { ObservationSnapshot } from "./observer";

/**
 * The follower: answers the epoch leader's observe request with this node's signed values,
 * checks the leader's report proposal and signs it, and schedules a backup transmission of the
 * final report. Every signature is claimed durably in the store first, so no restart can make
 * this key sign two different things for one round.
 */
export interface FollowerDeps {
  ctx: NodeContext;
  store: Pick<NodeStore, "claim" | "claimReportRound" | "reportRoundDigest" | "lastSigned">;
  observer: { current(): ObservationSnapshot | null; get(notBefore: number, feeds?: readonly number[]): Promise<ObservationSnapshot | null> };
  pacemaker: { readonly epoch: number; leader(epoch?: number): number; onPeerEpoch(sender: number, epoch: number): void };
  chain: {
    onchainView(idx: number): OnchainView;
    allOnChain(feeds: readonly number[], epoch: number, round: number): boolean;
    anyOnChain(feeds: readonly number[], epoch: number, round: number): boolean;
    pendingRound(idx: number): { epoch: number; round: number } | null;
    markPending(feeds: readonly number[], epoch: number, round: number): number[];
  };
  transmitter: { schedule(encoded: string, signatures: string, epoch: number, round: number, feeds: number[]): void };
  /** Every report signed by f+1 oracles, served to pull consumers (pull/report-store.ts); absent: none kept. */
  reports?: { add(report: Report, encoded: string, signatures: string): void };
  observed: (feedIndex: number) => void;
  faults: FaultHooks;
  /** Equivocation evidence (node/evidence.ts): every final report's signatures, from any member. */
  evidence?: { recordUnindexed(report: string, signatures: readonly string[]): void };
  /** The in-flight guard's clock (tests); default Date.now. */
  now?: () => number;
}

export type SignResult = { signature: string; code: ""; reason: "" } | { signature: null; code: string; reason: string };

type Reply = { type: string; payload: unknown };

/** A report this node signed for a feed that has not landed yet (the per-feed in-flight guard). */
interface InFlight {
  epoch: number;
  round: number;
  answer: bigint;
  /** Before its final report came: the end of the leader's signing phase. */
  until: number;
  /** Its final report came (f+1 signed it): in flight while the chain view holds it pending. */
  final: boolean;
}

export class Follower {
  private readonly inflight = new Map<number, InFlight>();
  /** Per pull feed, the newest observations timestamp this node signed it in while not due (one per second). */
  private readonly pullSigned = new Map<number, number>();

  constructor(private readonly d: FollowerDeps) {}

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  async onObserveRequest(m: InboundMessage): Promise<Reply> {
    this.requireLeader(m);
    return { type: MSG.observation, payload: await this.observe(m.epoch, m.round, m.payload as ObserveRequest) };
  }

  async onReportProposal(m: InboundMessage): Promise<Reply> {
    this.requireLeader(m);
    const r = this.checkAndSign(m.payload as ReportProposal, m.epoch, m.round);
    if (!r.signature) throw new PeerRefusal(r.code, r.reason, r.code === "conflict" || r.code === "older-round" || r.code === "in-flight" ? 409 : 422);
    return { type: MSG.reportSignature, payload: { signature: r.signature } };
  }

  /** This node's signed observations for a round, claimed in the store before they are signed. */
  async observe(epoch: number, round: number, req: ObserveRequest): Promise<ObservationReply> {
    const { ctx } = this.d;
    const timeout = sleep(ctx.timing.roundTimeoutMs / 2).then(() => this.d.observer.current());
    const snap = (await Promise.race([this.d.observer.get(req.notBefore, req.feeds), timeout])) ?? this.d.observer.current();
    if (!snap) throw new PeerRefusal("not-ready", "no observation yet", 503);
    const items: Array<{ feedIndex: number; value: bigint }> = [];
    for (const idx of new Set(req.feeds)) {
      const o = snap.feeds.get(idx);
      // Sources hung past the wait: data this old is no observation of the leader's moment.
      if (!o || o.fetchedAt < req.notBefore - ctx.timing.maxObservationLagMs) continue;
      if (o.value !== null) items.push({ feedIndex: idx, value: o.value });
    }
    const sigCtx = { configDigest: ctx.committee.configDigest, epoch, round };
    const sign = (feedIndex: number, value: bigint) => signObservation(ctx.key, sigCtx, feedIndex, value);
    const replaced = this.d.faults.observationReply(items, sign);
    if (replaced) return replaced;
    const claim = this.d.store.claim(
      ctx.address,
      "observation",
      ctx.committee.configDigest,
      epoch,
      round,
      items.map((it) => ({ feedId: String(it.feedIndex), content: it.value.toString() })),
    );
    if (!claim.ok) {
      ctx.log.warn(
        { roundId: formatRoundId(epoch, round), reason: claim.reason, signed: formatRoundId(claim.signedEpoch, claim.signedRound) },
        "refused to observe",
      );
      throw new PeerRefusal(claim.reason, `already signed ${formatRoundId(claim.signedEpoch, claim.signedRound)} for a feed of this request`, 409);
    }
    for (const it of items) this.d.observed(it.feedIndex);
    return { observations: items.map((it) => ({ feedIndex: it.feedIndex, value: it.value.toString(), signature: sign(it.feedIndex, it.value) })) };
  }

  /**
   * Checks a proposal and signs it (claiming the round in the store first), or says why not.
   * `asLeader`: this node's own proposal (its leader's round), exempt from the in-flight guard.
   */
  checkAndSign(p: ReportProposal, epoch: number, round: number, asLeader = false): SignResult {
    const { ctx } = this.d;
    const refuse = (code: string, reason: string): SignResult => {
      ctx.log.warn({ roundId: formatRoundId(epoch, round), code, reason }, "refused to sign report");
      return { signature: null, code, reason };
    };
    // 1. What would be signed, and whether this key already signed something else for the round.
    let digest: string;
    try {
      digest = encodeAndDigest(toReport(ctx.committee.configDigest, epoch, round, p), ctx.chainId, ctx.aggregator).digest;
    } catch (err) {
      return refuse("bad-report", (err as Error).message);
    }
    const earlier = this.signedBefore(p, epoch, round, digest);
    if (earlier) return refuse(earlier.code, earlier.reason);
    // 2. The report itself: signatures, order, quorum, tolerance against this node's own value.
    const check = checkReportProposal(p, {
      configDigest: ctx.committee.configDigest,
      epoch,
      round,
      f: ctx.committee.f,
      signers: ctx.committee.signers,
      feeds: new Set(ctx.feeds.keys()),
      own: this.ownValues(p, epoch, round),
      toleranceBps: (i) => ctx.feeds.get(i)!.toleranceBps,
      nowSec: Math.floor(Date.now() / 1000),
      ownDataSec: this.ownDataSec(p),
      maxClockSkewSec: ctx.timing.maxReportSkewSec,
      maxAgeSec: Math.min(...p.feeds.map((x) => (ctx.feeds.has(x.feedIndex) ? maxReportAgeSec(ctx.feeds.get(x.feedIndex)!) : Infinity))),
    });
    if (!check.ok) return refuse("bad-report", check.reason);
    // 3. Every feed must be due (deviation or heartbeat, against this node's view of the chain),
    // but a pull feed, which is signed on every poll: at most one report per feed and second.
    const now = this.now();
    const pullOnly = this.pullOnlyFeeds(check.answers, now);
    for (const idx of pullOnly) {
      const last = this.pullSigned.get(idx);
      if (last !== undefined && p.observationsTimestamp <= last) {
        return refuse("pull-rate", `feed ${idx}: already signed a pull report stamped ${last}`);
      }
    }
    for (const [idx, answer] of check.answers) {
      if (pullOnly.has(idx)) continue;
      // Grace on the heartbeat: the leader's clock may run a little ahead.
      if (!roundDue(answer, this.d.chain.onchainView(idx), ctx.feeds.get(idx)!, now + ctx.timing.progressTimeoutMs)) {
        return refuse("not-due", `feed ${idx} is neither deviating nor past its heartbeat`);
      }
    }
    // 4. One report per due event: not while another report this node signed for a feed is in flight.
    const pushed = new Map([...check.answers].filter(([idx]) => !pullOnly.has(idx)));
    const busy = asLeader ? null : this.inFlightConflict(pushed, epoch, round, now);
    if (busy) return refuse("in-flight", busy);
    // 5. Claim the round durably (one report per round, whatever its feeds; then per feed, so no
    // older round is signed later), then sign.
    const round1 = this.d.store.claimReportRound(ctx.address, ctx.committee.configDigest, epoch, round, digest);
    if (!round1.ok) return refuse("conflict", `already signed report ${round1.signedDigest} for ${formatRoundId(epoch, round)}`);
    const claim = this.d.store.claim(
      ctx.address,
      "report",
      ctx.committee.configDigest,
      epoch,
      round,
      p.feeds.map((x) => ({ feedId: String(x.feedIndex), content: digest })),
    );
    if (!claim.ok) return refuse(claim.reason, `already signed ${formatRoundId(claim.signedEpoch, claim.signedRound)} differently`);
    // Until the final report shows f+1 signed it, the report is in flight only for the leader's
    // signing phase (an honest leader that failed to collect signatures may retry after it).
    const until = now + 2 * ctx.timing.roundTimeoutMs;
    for (const [idx, answer] of pushed) this.inflight.set(idx, { epoch, round, answer, until, final: false });
    for (const idx of pullOnly) this.pullSigned.set(idx, p.observationsTimestamp);
    return { signature: signReport(ctx.key, digest), code: "", reason: "" };
  }

  /** The proposal's pull feeds (config `pull`) that are not due by deviation or heartbeat now. */
  private pullOnlyFeeds(answers: ReadonlyMap<number, bigint>, now: number): Set<number> {
    const { ctx } = this.d;
    const out = new Set<number>();
    for (const [idx, answer] of answers) {
      const feed = ctx.feeds.get(idx)!;
      if (feed.pull && !roundDue(answer, this.d.chain.onchainView(idx), feed, now + ctx.timing.progressTimeoutMs)) out.add(idx);
    }
    return out;
  }

  /**
   * Why this node will not sign a report for these feeds now: for one of them it signed another
   * report of this epoch that has not landed and is still in flight (the leader's signing phase,
   * two round timeouts; once its final report came, while the chain view holds it pending), and its own value
   * shows no new due event (a deviation from that report's answer). A faulty leader thus gets
   * one report signed per due event and epoch, not one per round; a new epoch (2f+1 votes)
   * starts afresh, so an honest successor is never held up by what its predecessor withheld.
   */
  private inFlightConflict(answers: ReadonlyMap<number, bigint>, epoch: number, round: number, now: number): string | null {
    const snap = this.d.observer.current();
    for (const idx of answers.keys()) {
      const f = this.inflight.get(idx);
      if (!f || f.epoch !== epoch || f.round === round) continue;
      const pending = this.d.chain.pendingRound(idx);
      const live = f.final ? pending !== null && pending.epoch === f.epoch && pending.round === f.round : f.until > now;
      if (!live || this.d.chain.allOnChain([idx], f.epoch, f.round)) continue;
      const own = snap?.feeds.get(idx)?.value;
      if (own !== undefined && own !== null && deviates(own, f.answer, this.d.ctx.feeds.get(idx)!.deviationBps)) continue;
      return `feed ${idx}: signed ${formatRoundId(f.epoch, f.round)}, not landed yet`;
    }
    return null;
  }

  /** This node's own data time for a proposal's feeds: its newest poll of them, unix s (null: none). */
  private ownDataSec(p: ReportProposal): number | null {
    const snap = this.d.observer.current();
    let newest: number | null = null;
    for (const x of p.feeds) {
      const at = snap?.feeds.get(x.feedIndex)?.fetchedAt;
      if (at !== undefined && (newest === null || at > newest)) newest = at;
    }
    return newest === null ? null : Math.floor(newest / 1000);
  }

  /**
   * A final report from the current epoch's leader: verified, its feeds still behind it marked
   * pending, and scheduled as a backup transmission. Ignored (nothing pending, nothing sent)
   * when it can never land (a feed already holds a newer round, or it is older than the feeds'
   * report age) or when a feed is in flight with another report of this epoch (one backup per
   * due event, however many reports a faulty leader sends).
   */
  async onFinalReport(m: InboundMessage): Promise<null> {
    const { ctx } = this.d;
    const fr = m.payload as FinalReport;
    const report = toReport(ctx.committee.configDigest, m.epoch, m.round, fr);
    let signed: { encoded: string; digest: string };
    try {
      signed = encodeAndDigest(report, ctx.chainId, ctx.aggregator);
    } catch (err) {
      throw new PeerRefusal("malformed", (err as Error).message, 400);
    }
    // Evidence first, from any member: an equivocating former leader is proven even when refused below.
    this.d.evidence?.recordUnindexed(signed.encoded, fr.signatures);
    // Only the leader of this node's current epoch: a former leader re-sending a withheld report is refused.
    this.requireLeader(m);
    const entries = this.signatureEntries(signed.digest, fr.signatures);
    const feedIdx = report.feeds.map((x) => x.feedIndex);
    const log = ctx.log.child({ roundId: formatRoundId(m.epoch, m.round) });
    const tooOld = reportTooOld(
      report.observationsTimestamp,
      feedIdx.map((i) => ctx.feeds.get(i)),
      Date.now(),
    );
    // Signed by f+1 under this config: a pull report whoever transmits it (served while young enough).
    if (!tooOld) this.d.reports?.add(report, signed.encoded, packSignatures(entries));
    if (fr.transmit === false) return null;
    if (this.d.chain.anyOnChain(feedIdx, m.epoch, m.round)) {
      log.debug({ feeds: feedIdx }, "final report not scheduled: a feed already holds this round or a newer one");
      return null;
    }
    if (tooOld) {
      log.warn({ observationsTimestamp: report.observationsTimestamp }, "final report not scheduled: older than the feeds' report age");
      return null;
    }
    for (const i of feedIdx) {
      const p = this.d.chain.pendingRound(i);
      if (p && p.epoch === m.epoch && p.round !== m.round) {
        log.warn(
          { feedIndex: i, pending: formatRoundId(p.epoch, p.round) },
          "final report not scheduled: another report of this epoch is in flight for the feed",
        );
        return null;
      }
    }
    this.d.chain.markPending(feedIdx, m.epoch, m.round);
    // Signed by f+1: in flight while pending (until it lands, its transmission fails, or every backup had its turn).
    for (const i of feedIdx) {
      const f = this.inflight.get(i);
      if (f && f.epoch === m.epoch && f.round === m.round) f.final = true;
    }
    this.d.transmitter.schedule(signed.encoded, packSignatures(entries), m.epoch, m.round, feedIdx);
    return null;
  }

  /** The leader check of observe and proposal messages; the pacemaker hears every sender's epoch first. */
  private requireLeader(m: InboundMessage): void {
    const sender = senderIndex(this.d.ctx.committee.signers, m.from);
    this.d.pacemaker.onPeerEpoch(sender, m.epoch);
    const epoch = this.d.pacemaker.epoch;
    if (m.epoch !== epoch) throw new PeerRefusal("wrong-epoch", `message for epoch ${m.epoch}, this node is in epoch ${epoch}`, 409);
    if (sender !== this.d.pacemaker.leader(m.epoch)) throw new PeerRefusal("not-leader", `oracle ${sender} is not the leader of epoch ${m.epoch}`, 403);
  }

  /** Why this key may not sign `digest` for (epoch, round): it signed a later round, or another report for this one. */
  private signedBefore(p: ReportProposal, epoch: number, round: number, digest: string): { code: string; reason: string } | null {
    const { ctx } = this.d;
    // Cheap first: the one report this key signed for the round, whatever its feeds.
    const claimed = this.d.store.reportRoundDigest(ctx.address, ctx.committee.configDigest, epoch, round);
    if (claimed !== null && claimed !== digest.toLowerCase())
      return { code: "conflict", reason: `already signed a different report for ${formatRoundId(epoch, round)}` };
    for (const feed of p.feeds) {
      const last = this.d.store.lastSigned(ctx.address, "report", ctx.committee.configDigest, String(feed.feedIndex));
      if (!last) continue;
      const cmp = compareEpochRound(epoch, round, last.epoch, last.round);
      if (cmp < 0) return { code: "older-round", reason: `already signed ${formatRoundId(last.epoch, last.round)} for feed ${feed.feedIndex}` };
      if (cmp === 0 && last.content !== digest) return { code: "conflict", reason: `already signed a different report for ${formatRoundId(epoch, round)}` };
    }
    return null;
  }

  /** This node's value per proposed feed: the one it signed for this round, else its latest. */
  private ownValues(p: ReportProposal, epoch: number, round: number): Map<number, bigint> {
    const { ctx } = this.d;
    const own = new Map<number, bigint>();
    const snap = this.d.observer.current();
    for (const feed of p.feeds) {
      const signed = this.d.store.lastSigned(ctx.address, "observation", ctx.committee.configDigest, String(feed.feedIndex));
      if (signed && signed.epoch === epoch && signed.round === round) own.set(feed.feedIndex, BigInt(signed.content));
      else {
        const v = snap?.feeds.get(feed.feedIndex)?.value;
        if (v !== undefined && v !== null) own.set(feed.feedIndex, v);
      }
    }
    return own;
  }

  /** The final report's signatures as packed entries: each from a distinct committee member, at least f+1. */
  private signatureEntries(digest: string, signatures: readonly string[]): Array<{ signerIndex: number; signature: string }> {
    const { committee } = this.d.ctx;
    const entries: Array<{ signerIndex: number; signature: string }> = [];
    for (const sig of signatures) {
      let who: string;
      try {
        who = recoverSigner(digest, sig);
      } catch {
        throw new PeerRefusal("bad-signature", "malformed report signature", 422);
      }
      const idx = committee.signers.indexOf(who);
      if (idx < 0 || entries.some((e) => e.signerIndex === idx)) throw new PeerRefusal("bad-signature", "report signature from a non-signer or repeated", 422);
      entries.push({ signerIndex: idx, signature: sig });
    }
    if (entries.length < requiredSignatures(committee.f)) throw new PeerRefusal("bad-signature", "fewer than f+1 report signatures", 422);
    return entries;
  }
}
