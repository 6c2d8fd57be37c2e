import type { Quote } from "../quotes/quote";
import { applyDeepSplit } from "./deep-split";
import { anchorSplit, type RoundView } from "./features";
import type { FeedHistory, LiquidHistory } from "./state";

/**
 * Liquid guard: a slow pump on most thin venues, ramped so that no round looks like a jump, walks
 * the round median (and the anchor with it) away while the deep venues stay with the market. The
 * split guard never fires (the anchor follows) and the model, trained to compare a venue with the
 * round, drops the honest deep venues. This rule sides with the deep venues instead, and only when
 * the thin side is the one that moved:
 *
 *  - liquid venues: exchanges with a book (aggregators have none) whose normal 24 h volume (the
 *    EWMA the filter learns from kept quotes only) is at least LIQUID_VOLUME_RATIO times the round's
 *    median venue's; at least two of them, live, agreeing within LIQUID_AGREE, and outnumbered by the
 *    others (a thin majority);
 *  - the gap between the round median and their consensus has left its usual level (learnt while
 *    calm) by FIRE_GAP, for PERSIST_ROUNDS rounds in a row;
 *  - since the gap opened, the round median moved further (in the gap's direction) than the liquid
 *    consensus did: the thin majority walked away. A genuine rally moves the deep venues first, and
 *    a pump on the deep venues moves them, so in both the liquid side moved more and this side of
 *    the rule stays out.
 *
 * While it fires, the quotes within KEEP_BAND of the liquid consensus that are live are kept (even if
 * the model dropped them) and the others dropped; it stops once the gap has stayed under half of
 * FIRE_GAP for HOLD_ROUNDS rounds. The other side (liquidLedPath): the deep venues led a move and the
 * median trails it; the live thin quotes on the move's path are kept whatever the model scored, the
 * deep ones once the median has followed FOLLOW_SHARE of the way, so a genuine rally is neither
 * refused nor lagged. One incremental pass per round, O(sources); a dozen numbers of state per feed.
 * Its trade-off (measured by `npm run model:eval`, models/MODEL_CARD.md): an attacker who moves both
 * deep venues against a market that moves the other way by more than half the pump is followed; an
 * attacker who also moves one deep venue makes the deep venues disagree, and the rule stays out.
 */

const BP = 1e-4;
const MIN_SIGMA = 1 * BP;
/** EWMA weight of the liquid consensus' per-round variance (~20 rounds). */
const VAR_ALPHA = 0.05;
/** A liquid venue's normal volume is at least this multiple of the round's median venue's. */
const LIQUID_VOLUME_RATIO_LOG = Math.log(10);
/** Volume updates a venue needs before its normal volume counts (the filter's own warm-up). */
const LIQUID_MIN_VOLUME_UPDATES = 10;
const LIQUID_MIN_VENUES = 2;
/** The liquid venues agree when their highest and lowest quotes are this close (log units)... */
const LIQUID_AGREE = 30 * BP;
/** ...or within this many per-round sigmas of the feed. */
const LIQUID_AGREE_SIGMAS = 4;
/** The gap has "opened" beyond max(ONSET, ONSET_SIGMAS sigma) from its usual level. */
const ONSET = 15 * BP;
const ONSET_SIGMAS = 2;
/** The rule fires beyond max(FIRE_GAP, FIRE_SIGMAS sigma) after PERSIST_ROUNDS open rounds in a row. */
const FIRE_GAP = 50 * BP;
const FIRE_SIGMAS = 6;
const PERSIST_ROUNDS = 5;
/** Quotes kept while it fires: within max(KEEP_BAND, KEEP_SIGMAS sigma) of the liquid consensus. */
const KEEP_BAND = 40 * BP;
const KEEP_SIGMAS = 6;
/** EWMA weight of the usual gap (~50 rounds) and the calm rounds it needs before the rule may fire. */
const GAP_ALPHA = 0.02;
const GAP_WARMUP = 20;
/** An open gap that never fired for this many rounds becomes the usual gap (a lasting basis change). */
const GAP_RESYNC_ROUNDS = 360;
/** Once firing, rounds it holds on without evidence (no two agreeing liquid venues: at their last consensus). */
const HOLD_ROUNDS = 6;
/** A move the deep venues lead is followed when the round median has come this share of the way. */
const FOLLOW_SHARE = 0.25;

/** This round's liquid venues and the gap between the round median and their consensus. */
export interface LiquidRound {
  /** Quote i is a liquid venue's. */
  liquid: boolean[];
  /** Two or more live liquid venues agree, and the others outnumber them. */
  agree: boolean;
  /** Their consensus (log), NaN when they do not agree. */
  consensus: number;
  /** Round median minus consensus, minus the usual gap (log units); NaN when they do not agree. */
  gap: number;
  sigma: number;
}

export function liquidRound(quotes: readonly Quote[], view: RoundView, live: readonly boolean[], hist: FeedHistory): LiquidRound {
  const n = quotes.length;
  const liquid = new Array<boolean>(n).fill(false);
  const sigma = liquidSigma(hist.liquid);
  const vols: number[] = [];
  for (const q of quotes) {
    const h = hist.sources[q.source];
    if (h && h.volN >= 3) vols.push(h.volMean);
  }
  const none: LiquidRound = { liquid, agree: false, consensus: NaN, gap: NaN, sigma };
  if (vols.length < 3) return none;
  vols.sort((a, b) => a - b);
  const medVol = vols.length % 2 ? vols[vols.length >> 1] : (vols[(vols.length >> 1) - 1] + vols[vols.length >> 1]) / 2;
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const h = hist.sources[quotes[i].source];
    if (!h || h.volN < LIQUID_MIN_VOLUME_UPDATES || Number.isNaN(view.spreads[i]) || h.volMean - medVol < LIQUID_VOLUME_RATIO_LOG) continue;
    liquid[i] = true;
    if (!live[i]) continue;
    const l = view.logs[i];
    count++;
    sum += l;
    if (l < lo) lo = l;
    if (l > hi) hi = l;
  }
  if (count < LIQUID_MIN_VENUES || n - count <= count || hi - lo > Math.max(LIQUID_AGREE, LIQUID_AGREE_SIGMAS * sigma)) return none;
  const consensus = count === 2 ? sum / 2 : (lo + hi) / 2;
  return { liquid, agree: true, consensus, gap: view.medianLog - consensus - hist.liquid.gapBase, sigma };
}

/**
 * The deep venues' own per-round volatility (EWMA of their consensus' squared changes), floor 1 bp.
 * Not the feed's answers' volatility: an attack that makes the answer jump would widen the bands.
 */
function liquidSigma(lh: LiquidHistory): number {
  return Math.max(Math.sqrt(lh.liquidVar), MIN_SIGMA);
}

/** The level the rule holds the round to this round, or null when it stays out. */
export function liquidReference(lr: LiquidRound, medianLog: number, lh: LiquidHistory): number | null {
  const holding = lh.active === 1 && lh.holdRounds < HOLD_ROUNDS;
  if (!lr.agree) return holding ? lh.lastLiquid : null;
  const fire = Math.max(FIRE_GAP, FIRE_SIGMAS * lr.sigma);
  const gap = lr.gap;
  // Once firing it holds while the gap stays open, and for HOLD_ROUNDS rounds after (a round where
  // the attacked venues happen to be missing closes the gap for that round only).
  if (lh.active) return Math.abs(gap) >= fire / 2 || holding ? lr.consensus : null;
  const open = Math.abs(gap) > Math.max(ONSET, ONSET_SIGMAS * lr.sigma);
  if (!open || lh.gapN < GAP_WARMUP || lh.openRounds + 1 < PERSIST_ROUNDS || Math.abs(gap) < fire) return null;
  // Who walked away: the median's move since the gap opened, in the gap's direction, against the
  // liquid consensus' own move over the same rounds.
  const medianMove = (medianLog - lh.onsetMedian) * Math.sign(gap);
  const liquidMove = Math.abs(lr.consensus - lh.onsetLiquid);
  return medianMove > liquidMove ? lr.consensus : null;
}

/**
 * The other side of the same evidence: the deep venues led a move and the round median trails it
 * (a genuine rally or depeg, thin venues lagging). The model, comparing each venue with the round,
 * may drop the leaders or the laggards; both are the market. Returns the move's path (from the
 * median at the gap's onset to the liquid consensus, log units), or null.
 */
export interface LedPath {
  lo: number;
  hi: number;
  /** The round median has come at least FOLLOW_SHARE of the way: the thin venues follow the move. */
  followed: boolean;
}

export function liquidLedPath(lr: LiquidRound, medianLog: number, lh: LiquidHistory): LedPath | null {
  if (!lr.agree || lh.gapN < GAP_WARMUP) return null;
  const open = Math.max(ONSET, ONSET_SIGMAS * lr.sigma);
  if (!(Math.abs(lr.gap) > open)) return null;
  const dir = -Math.sign(lr.gap);
  const liquidMove = (lr.consensus - lh.onsetLiquid) * dir;
  const medianMove = (medianLog - lh.onsetMedian) * dir;
  if (!(liquidMove > open && liquidMove > medianMove)) return null;
  return { lo: Math.min(lh.onsetMedian, lr.consensus), hi: Math.max(lh.onsetMedian, lr.consensus), followed: medianMove >= FOLLOW_SHARE * liquidMove };
}

/** Folds the round into the rule's state (after the decision: `reference` is what it returned). */
export function updateLiquidHistory(lh: LiquidHistory, lr: LiquidRound, medianLog: number, reference: number | null): void {
  const wasActive = lh.active === 1;
  lh.active = reference !== null ? 1 : 0;
  const fire = Math.max(FIRE_GAP, FIRE_SIGMAS * lr.sigma);
  // Rounds in a row the rule fired without evidence (no agreeing liquid venues, or the gap closed).
  lh.holdRounds = lh.active && wasActive && (!lr.agree || Math.abs(lr.gap) < fire / 2) ? lh.holdRounds + 1 : 0;
  if (!lr.agree) return;
  if (lh.liquidN > 0) {
    const d = lr.consensus - lh.lastLiquid;
    lh.liquidVar += Math.max(VAR_ALPHA, 1 / (lh.liquidN + 1)) * (d * d - lh.liquidVar);
  }
  lh.liquidN++;
  lh.lastLiquid = lr.consensus;
  const raw = lr.gap + lh.gapBase;
  const open = Math.abs(lr.gap) > Math.max(ONSET, ONSET_SIGMAS * lr.sigma);
  const resync = !lh.active && lh.openRounds >= GAP_RESYNC_ROUNDS;
  if (lh.gapN < GAP_WARMUP || (!open && !lh.active) || resync) {
    lh.gapBase = lh.gapN === 0 || resync ? raw : lh.gapBase + Math.max(GAP_ALPHA, 1 / (lh.gapN + 1)) * (raw - lh.gapBase);
    lh.gapN++;
    lh.openRounds = 0;
    lh.onsetMedian = medianLog;
    lh.onsetLiquid = lr.consensus;
  } else {
    lh.openRounds++;
  }
}

/** How far (log units) from the liquid consensus a quote is kept while the rule fires. */
export function keepBand(lr: LiquidRound): number {
  return Math.max(KEEP_BAND, KEEP_SIGMAS * lr.sigma);
}

type Dropped = { source: string; reason: string; score?: number }[];

/** Takes back the model's and the guards' drops of quote i (entries from `from` on). */
function undrop(dropped: Dropped, from: number, source: string): void {
  for (let k = dropped.length - 1; k >= from; k--) if (dropped[k].source === source) dropped.splice(k, 1);
}

/**
 * Runs the rule on one feed's round after the model and the split guard: updates its state and,
 * when it fires, keeps the live quotes at the liquid consensus and drops the rest; on a move the
 * deep venues lead, keeps the live quotes on its path. `dropped` entries from index `from` on are
 * the model's and the guards' (earlier ones are validation's). With `deepSplit` (default), the
 * deep-split rule (deep-split.ts) takes the rounds where the deep venues disagree and this rule stays
 * out. Returns the round's liquid view.
 */
export function applyLiquidGuard(
  valid: readonly Quote[],
  view: RoundView,
  hist: FeedHistory,
  keptMask: boolean[],
  dropped: Dropped,
  from: number,
  deepSplit = true,
): LiquidRound {
  const { live } = anchorSplit(valid, view, hist);
  const lr = liquidRound(valid, view, live, hist);
  const ref = liquidReference(lr, view.medianLog, hist.liquid);
  const path = ref === null ? liquidLedPath(lr, view.medianLog, hist.liquid) : null;
  updateLiquidHistory(hist.liquid, lr, view.medianLog, ref);
  const band = keepBand(lr);
  // The deep venues disagree: one of them may have been walked along with the thin majority.
  applyDeepSplit(valid, view, hist, lr.liquid, live, lr.sigma, band, keptMask, dropped, from, !lr.agree && ref === null && deepSplit);
  for (let i = 0; i < valid.length; i++) {
    const src = valid[i].source;
    const l = view.logs[i];
    if (path) {
      // A move the deep venues lead: live quotes on its path are the market, whatever the model
      // thought; the deep venues themselves only once the thin ones follow (a pump on the deep
      // venues alone, the thin majority staying, must not get them back into the median).
      if (!keptMask[i] && live[i] && (path.followed || !lr.liquid[i]) && l >= path.lo - band && l <= path.hi + band) {
        keptMask[i] = true;
        undrop(dropped, from, src);
      }
    } else if (ref !== null) {
      const off = l - ref;
      if (Math.abs(off) <= band && live[i] && !keptMask[i]) {
        keptMask[i] = true;
        undrop(dropped, from, src);
      } else if (keptMask[i] && Math.abs(off) > band) {
        keptMask[i] = false;
        dropped.push({ source: src, reason: `${(off / BP).toFixed(0)} bps from the liquid venues' consensus while a thin majority walked away from it` });
      }
    }
  }
  return lr;
}
