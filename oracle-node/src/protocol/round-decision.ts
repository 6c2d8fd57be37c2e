/**
 * The round-start decision, a pure function: report a feed when the new value deviates from the
 * on-chain answer by at least the feed's threshold, or when its heartbeat has elapsed since the
 * last on-chain update, or when the feed has no answer yet. The heartbeat is measured on this
 * node's clock only (`sinceMs`, when the node learned of the update), never as wall clock minus
 * the block timestamp: a chain whose timestamps lead the wall clock (Hardhat/EDR pushes each
 * block a second past the last, so a burst of blocks runs it tens of seconds ahead) would
 * otherwise add its lead to every heartbeat, and one that lags would make every tick due. Deviation is compared exactly in
 * integer feed units: |new - old| * 10_000 >= threshold_bps * |old| (no float, no rounding).
 */
export type RoundReason = "first" | "deviation" | "heartbeat";

export interface FeedSchedule {
  /** Deviation threshold in basis points of the on-chain answer. */
  deviationBps: number;
  /** Seconds after the last on-chain update when a round is due anyway. */
  heartbeatSec: number;
}

export interface OnchainView {
  /** The on-chain answer in feed units, or null before the first round. */
  answer: bigint | null;
  /** Block timestamp of that answer, unix seconds (the chain's clock: shown, not compared). */
  updatedAt: number;
  /** This node's clock, unix ms, at that update: the heartbeat counts from here. */
  sinceMs: number;
}

/**
 * `sinceMs` for an answer read at startup, when the node did not see it land: the block
 * timestamp, but never later than now (a chain clock that runs ahead must not postpone the
 * first heartbeat past one heartbeat from now). Answers seen landing use the moment they were seen.
 */
export function startupSinceMs(updatedAtSec: number, nowMs: number): number {
  return Math.min(updatedAtSec * 1000, nowMs);
}

export function deviates(value: bigint, reference: bigint, thresholdBps: number): boolean {
  if (!Number.isInteger(thresholdBps) || thresholdBps < 0) throw new RangeError(`threshold must be whole bps, got ${thresholdBps}`);
  const diff = value > reference ? value - reference : reference - value;
  const ref = reference < 0n ? -reference : reference;
  if (ref === 0n) return diff > 0n;
  return diff * 10_000n >= BigInt(thresholdBps) * ref;
}

/** Why a round is due for this feed now, or null when it is not. */
export function roundDue(value: bigint, onchain: OnchainView, schedule: FeedSchedule, nowMs: number): RoundReason | null {
  if (onchain.answer === null) return "first";
  if (deviates(value, onchain.answer, schedule.deviationBps)) return "deviation";
  if (nowMs >= onchain.sinceMs + schedule.heartbeatSec * 1000) return "heartbeat";
  return null;
}

/**
 * The follower's alarm: a feed is overdue when this node's own value deviates from the on-chain
 * answer by the alarm threshold (the feed's threshold plus a margin: honest nodes' values differ
 * by a few bps, so a median this far off must have been reported) or its heartbeat is past by the
 * grace. Used by the pacemaker: an overdue feed that stays overdue for the progress timeout means
 * the leader is failing. The margin is what a faulty leader can hold a feed back by without being
 * voted out, so it is kept small: a quarter of the threshold, at least ALARM_MARGIN_MIN_BPS.
 */
export const ALARM_MARGIN_MIN_BPS = 10;

export function alarmThresholdBps(thresholdBps: number): number {
  return thresholdBps + Math.max(ALARM_MARGIN_MIN_BPS, Math.ceil(thresholdBps / 4));
}

export function overdue(value: bigint | null, onchain: OnchainView, schedule: FeedSchedule, nowMs: number, graceMs: number): boolean {
  if (onchain.answer === null) return value !== null;
  if (value !== null && deviates(value, onchain.answer, alarmThresholdBps(schedule.deviationBps))) return true;
  return nowMs >= onchain.sinceMs + schedule.heartbeatSec * 1000 + graceMs;
}
