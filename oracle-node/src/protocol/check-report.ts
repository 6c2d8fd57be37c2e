import type { ReportProposal } from "./messages";
import { observationSigner, type ObservationContext } from "./observation";
import { minObservations, reportAnswer } from "./report-answer";

/**
 * A follower's check of a leader's report proposal, before it signs. Refuses unless, for every
 * feed: it is a feed of this committee and appears once (ascending index); it carries between
 * 2f+1 and n observations from distinct oracles; the observations are sorted; every
 * observation's signature recovers to its observer's on-chain signer for this config digest,
 * epoch, round and feed; and the report's answer lies within the follower's tolerance of its own
 * observation (when it has one). The report's timestamp must not lead the follower's own data
 * time (nor its clock) by more than a few seconds, and not be older than the feeds' report age.
 */
export interface CheckContext extends ObservationContext {
  f: number;
  /** On-chain signer addresses, by oracle index. */
  signers: readonly string[];
  /** Feed indices this committee serves. */
  feeds: ReadonlySet<number>;
  /** This node's own latest observation per feed index (feed units). */
  own: ReadonlyMap<number, bigint>;
  /** Largest distance, in bps of its own observation, this node accepts for a feed's answer. */
  toleranceBps: (feedIndex: number) => number;
  nowSec: number;
  /**
   * This node's own data time for the report's feeds (its newest poll of them), unix s; null when
   * it has none. The report's timestamp may lead it, and the clock, by `maxClockSkewSec` at most.
   */
  ownDataSec: number | null;
  /** How far the report's timestamp may lead this node's own data time and clock (a few seconds). */
  maxClockSkewSec: number;
  /** How old the report's timestamp may be (the smallest maxReportAge of its feeds). */
  maxAgeSec: number;
}

export type CheckResult = { ok: true; answers: Map<number, bigint> } | { ok: false; reason: string };

export function checkReportProposal(p: ReportProposal, ctx: CheckContext): CheckResult {
  const n = ctx.signers.length;
  // A leader stamping ahead would make every honest report after it revert on chain
  // (ObservationsTimestampDecreased): never beyond this node's own data time (nor its clock) + skew.
  const latest = Math.min(ctx.nowSec, ctx.ownDataSec ?? ctx.nowSec) + ctx.maxClockSkewSec;
  if (p.observationsTimestamp > latest) {
    return { ok: false, reason: `observations timestamp ${p.observationsTimestamp} ahead of own data time + ${ctx.maxClockSkewSec} s (${latest})` };
  }
  if (p.observationsTimestamp < ctx.nowSec - ctx.maxAgeSec) {
    return { ok: false, reason: `observations timestamp ${p.observationsTimestamp} older than ${ctx.maxAgeSec} s` };
  }
  const answers = new Map<number, bigint>();
  let prevFeed = -1;
  for (const feed of p.feeds) {
    const tag = `feed ${feed.feedIndex}`;
    if (feed.feedIndex <= prevFeed) return { ok: false, reason: `${tag}: feeds not in ascending order or repeated` };
    prevFeed = feed.feedIndex;
    if (!ctx.feeds.has(feed.feedIndex)) return { ok: false, reason: `${tag}: not a feed of this committee` };
    const k = feed.observations.length;
    if (feed.observers.length !== k || feed.signatures.length !== k)
      return { ok: false, reason: `${tag}: observers, observations and signatures differ in length` };
    if (k < minObservations(ctx.f)) return { ok: false, reason: `${tag}: ${k} observations, fewer than 2f+1 = ${minObservations(ctx.f)}` };
    if (k > n) return { ok: false, reason: `${tag}: ${k} observations from a committee of ${n}` };
    if (new Set(feed.observers).size !== k) return { ok: false, reason: `${tag}: repeated observer` };
    const values = feed.observations.map((v) => BigInt(v));
    for (let i = 1; i < k; i++) if (values[i] < values[i - 1]) return { ok: false, reason: `${tag}: observations not sorted` };
    for (let i = 0; i < k; i++) {
      const observer = feed.observers[i];
      if (observer >= n) return { ok: false, reason: `${tag}: observer ${observer} out of range` };
      const signer = observationSigner(ctx, feed.feedIndex, values[i], feed.signatures[i]);
      if (!signer || signer.toLowerCase() !== ctx.signers[observer].toLowerCase()) {
        return { ok: false, reason: `${tag}: observation ${i} not signed by oracle ${observer}` };
      }
    }
    const answer = reportAnswer(values);
    const own = ctx.own.get(feed.feedIndex);
    if (own !== undefined && !withinTolerance(answer, own, ctx.toleranceBps(feed.feedIndex))) {
      return { ok: false, reason: `${tag}: answer ${answer} beyond ${ctx.toleranceBps(feed.feedIndex)} bps of own observation ${own}` };
    }
    answers.set(feed.feedIndex, answer);
  }
  return { ok: true, answers };
}

/** |answer - own| * 10_000 <= tolerance_bps * |own|, exact. */
export function withinTolerance(answer: bigint, own: bigint, toleranceBps: number): boolean {
  const diff = answer > own ? answer - own : own - answer;
  const ref = own < 0n ? -own : own;
  return diff * 10_000n <= BigInt(toleranceBps) * ref;
}
