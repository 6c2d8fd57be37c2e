import type { Quote } from "../quotes/quote";
import type { RoundView } from "./features";
import type { DeepSplitHistory, FeedHistory } from "./state";

/**
 * Deep split: the liquid guard's blind spot. An attacker who walks most thin venues AND one of the
 * two deep venues makes the deep venues disagree, so the liquid guard (which needs two agreeing
 * deep venues) stays out and the median walks away with the attacked side. The evidence is still
 * there: live venues cannot stay apart for long in a real market (arbitrage closes the gap), and
 * of the two deep venues one moved away from where both agreed while the other stayed, with live
 * thin venues staying beside it. A genuine move takes both deep venues along (a deep venue
 * reporting a few rounds late follows a large share of the move within the rounds the rule waits).
 *
 * The rule tracks the two deepest liquid venues (liquid-guard.ts' definition): the gap between them
 * against its usual level (EWMA over calm rounds). It fires when the gap has stood open for
 * PERSIST_ROUNDS rounds beyond max(FIRE_GAP, FIRE_SIGMAS sigma), and since it opened
 *  - one deep venue (the mover) moved and the other (the stayer) followed less than FOLLOW_SHARE of
 *    that move in the same direction,
 *  - the round median sits nearer the mover (the thin majority went with it), and
 *  - at least MIN_SUPPORT live thin venues sit with the stayer.
 * Then it keeps the live quotes within the liquid guard's keep band of the stayer (even if the model
 * dropped them) and drops the rest, refusing below minSources, until the gap has closed to half the
 * firing gap. Its trade-off (models/MODEL_CARD.md): an attacker who also holds the stayer's side
 * (every thin venue) is not caught, and a deep venue stuck away from a real move, with thin venues
 * stuck beside it for PERSIST_ROUNDS rounds, would be followed.
 */

const BP = 1e-4;
const ONSET = 15 * BP;
const ONSET_SIGMAS = 2;
const FIRE_GAP = 50 * BP;
const FIRE_SIGMAS = 6;
const PERSIST_ROUNDS = 5;
const GAP_ALPHA = 0.02;
const GAP_WARMUP = 20;
/** The stayer followed less than this share of the mover's move since the gap opened. */
const FOLLOW_SHARE = 0.25;
/** Live thin venues that must sit with the stayer: one deep venue alone is not a side. */
const MIN_SUPPORT = 1;
/** An open gap that never fired for this many rounds becomes the usual gap (a lasting basis change). */
const GAP_RESYNC_ROUNDS = 360;

/** The two deepest live liquid venues of the round (quote indices, deepest first), or null. */
function deepPair(quotes: readonly Quote[], liquid: readonly boolean[], live: readonly boolean[], hist: FeedHistory): [number, number] | null {
  const idx = quotes.map((_, i) => i).filter((i) => liquid[i] && live[i]);
  if (idx.length < 2) return null;
  idx.sort((i, j) => (hist.sources[quotes[j].source]?.volMean ?? 0) - (hist.sources[quotes[i].source]?.volMean ?? 0));
  // The pair is named in a fixed order so that "a - b" keeps its sign from round to round.
  return quotes[idx[0]].source < quotes[idx[1]].source ? [idx[0], idx[1]] : [idx[1], idx[0]];
}

/** The stayer's log price this round when the rule sides with it, else null. Pure. */
export function deepSplitReference(
  lA: number,
  lB: number,
  medianLog: number,
  supportA: number,
  supportB: number,
  sigma: number,
  d: DeepSplitHistory,
): number | null {
  const gap = lA - lB - d.gapBase;
  const fire = Math.max(FIRE_GAP, FIRE_SIGMAS * sigma);
  if (d.active) return Math.abs(gap) >= fire / 2 ? (d.active === 1 ? lA : lB) : null;
  const open = Math.abs(gap) > Math.max(ONSET, ONSET_SIGMAS * sigma);
  if (!open || d.gapN < GAP_WARMUP || d.openRounds + 1 < PERSIST_ROUNDS || Math.abs(gap) < fire) return null;
  const moveA = lA - d.onsetA;
  const moveB = lB - d.onsetB;
  const aMoved = Math.abs(moveA) > Math.abs(moveB);
  const [mover, stayer, moverMove, stayerMove, support] = aMoved ? [lA, lB, moveA, moveB, supportB] : [lB, lA, moveB, moveA, supportA];
  if (stayerMove * Math.sign(moverMove) >= FOLLOW_SHARE * Math.abs(moverMove)) return null;
  if (!(Math.abs(medianLog - mover) < Math.abs(medianLog - stayer)) || support < MIN_SUPPORT) return null;
  return stayer;
}

/** Folds the round into the rule's state (after the decision: `reference` is what it returned). */
function updateDeepSplit(d: DeepSplitHistory, lA: number, lB: number, sigma: number, reference: number | null): void {
  d.active = reference === null ? 0 : reference === lA ? 1 : 2;
  const raw = lA - lB;
  const open = Math.abs(raw - d.gapBase) > Math.max(ONSET, ONSET_SIGMAS * sigma);
  const resync = !d.active && d.openRounds >= GAP_RESYNC_ROUNDS;
  if (d.gapN < GAP_WARMUP || (!open && !d.active) || resync) {
    d.gapBase = d.gapN === 0 || resync ? raw : d.gapBase + Math.max(GAP_ALPHA, 1 / (d.gapN + 1)) * (raw - d.gapBase);
    d.gapN++;
    d.openRounds = 0;
    d.onsetA = lA;
    d.onsetB = lB;
  } else {
    d.openRounds++;
  }
}

type Dropped = { source: string; reason: string; score?: number }[];

/**
 * Runs the rule on one feed's round (the liquid guard calls it every round, with `mayAct` when it
 * stays out itself): updates its state and, when it fires, keeps the live quotes at the stayer and
 * drops the rest. `dropped` entries from index `from` on are the model's and the guards'.
 */
export function applyDeepSplit(
  valid: readonly Quote[],
  view: RoundView,
  hist: FeedHistory,
  liquid: readonly boolean[],
  live: readonly boolean[],
  sigma: number,
  band: number,
  keptMask: boolean[],
  dropped: Dropped,
  from: number,
  mayAct: boolean,
): void {
  const d = hist.deep;
  const pair = deepPair(valid, liquid, live, hist);
  if (!pair) {
    d.active = 0;
    return;
  }
  const [ia, ib] = pair;
  if (valid[ia].source !== d.a || valid[ib].source !== d.b)
    Object.assign(d, { a: valid[ia].source, b: valid[ib].source, gapBase: 0, gapN: 0, openRounds: 0, active: 0 });
  const lA = view.logs[ia];
  const lB = view.logs[ib];
  const near = (ref: number) => view.logs.filter((l, i) => !liquid[i] && live[i] && Math.abs(l - ref) <= band).length;
  const ref = mayAct ? deepSplitReference(lA, lB, view.medianLog, near(lA), near(lB), sigma, d) : null;
  updateDeepSplit(d, lA, lB, sigma, ref);
  if (ref === null) return;
  for (let i = 0; i < valid.length; i++) {
    const off = view.logs[i] - ref;
    if (Math.abs(off) <= band && live[i] && !keptMask[i]) {
      keptMask[i] = true;
      for (let k = dropped.length - 1; k >= from; k--) if (dropped[k].source === valid[i].source) dropped.splice(k, 1);
    } else if (keptMask[i] && Math.abs(off) > band) {
      keptMask[i] = false;
      dropped.push({
        source: valid[i].source,
        reason: `${(off / BP).toFixed(0)} bps from the deep venue that stayed while the other walked away with the thin majority`,
      });
    }
  }
}
