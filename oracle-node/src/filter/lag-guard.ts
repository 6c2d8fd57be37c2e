import type { Quote } from "../quotes/quote";
import { feedSigma, type RoundView } from "./features";
import type { FeedHistory, LagHistory, SourceLag } from "./state";

/**
 * Lag guard: a source that serves the market's own past path minutes late (an aggregator or a
 * venue mirroring others with a delay) sits on the trailing side of every trend and pulls the
 * median back. In one round it looks like a venue with a basis (the lag times the trend is an
 * offset, and the basis EWMA the model sees absorbs it). Over many rounds it does not: its price
 * matches the feed's answer of d rounds ago, whatever the market did in between, much better than
 * the current answer. An honest venue fits the current answer best (or one a few rounds old: a thin
 * venue reporting late); its offset is a basis, not a delay.
 *
 * For each source and each candidate delay d of LAGS the rule keeps the EWMA mean and variance of
 * log price minus the answer of d rounds ago (the mean absorbs the basis). A source is lagging when
 * its best fit at a delay of MIN_LAG rounds or more explains the residual variance at least
 * 1 / FIT_RATIO times better than its best fit at HONEST_LAG rounds or less, and closely (FIT_MAX).
 * A fast genuine move makes the fit sharper (the delay becomes visible), never a venue's basis.
 * Such sources are dropped while they are DROP_BAND away from the others and a minority of the
 * kept quotes, and while the answer they are measured against is undisputed (no split guard, no
 * liquid rule firing) and calm (CALM_SIGMAS); the rule never keeps a quote the model or the other
 * guards dropped. O(sources x LAGS) per round; LAGS.length x 2 numbers per source and
 * the last RING answers per feed.
 *
 * Trade-off (measured by `npm run model:eval`, models/MODEL_CARD.md): a source lagging by fewer
 * than MIN_LAG rounds stays (its pull on the median is at most MIN_LAG rounds of the trend), and a
 * majority of lagging sources makes the answer itself lag, so that the lagging sources fit it
 * best: the rule then stays out.
 */

const BP = 1e-4;
/** Candidate delays, in rounds. */
export const LAGS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 64];
/** Answers kept per feed: the longest delay plus the current round. */
const RING = LAGS[LAGS.length - 1] + 1;
/** An honest venue may report this many rounds late (a thin venue's lag, more during a fast move). */
const HONEST_LAG = 2;
/** A source whose best delay is this many rounds or more is a lagging source. */
const MIN_LAG = 4;
/** ...when its residual variance there is at most this share of the best honest delay's. */
const FIT_RATIO = 0.7;
/** Residual variance floor (log units squared): tick-sized prices must not make a 0 / 0. */
const VAR_FLOOR = (1 * BP) ** 2;
/** ...and its residual sd there is under this (log units): it reproduces that past answer more
 * closely than the offset it is dropped for. An answer pushed around by an attack fits nothing
 * this well, so the honest venues it leaves behind are never taken for late ones. */
const FIT_MAX = 20 * BP;
/** A lagging source is dropped only while its quote is this far (log units) from the median of the
 * other kept quotes: within it the delay costs the answer nothing (the stale rule's 20 bps). */
const DROP_BAND = 20 * BP;
/** The rule stays out while the answer moved more than this many of its own per-round sigmas
 * (scaled by the square root of the rounds) over the last MIN_LAG rounds: honest venues a fast
 * move (a pump walking the answer, or a genuine jump) leaves behind look late against it. */
const CALM_SIGMAS = 10;
/** EWMA weight of the fits (~30 rounds) and the rounds a source needs before the rule judges it. */
const LAG_ALPHA = 0.03;
const LAG_WARMUP = 30;

/** The source's best delay (rounds) when it is a lagging source, else null. */
export function laggingDelay(s: SourceLag | undefined): number | null {
  if (!s || s.n < LAG_WARMUP) return null;
  let honest = Infinity;
  let late = Infinity;
  let delay = 0;
  for (let k = 0; k < LAGS.length; k++) {
    const v = s.var[k] + VAR_FLOOR;
    if (LAGS[k] <= HONEST_LAG) honest = Math.min(honest, v);
    else if (LAGS[k] >= MIN_LAG && v < late) {
      late = v;
      delay = LAGS[k];
    }
  }
  return late < FIT_RATIO * honest && late <= FIT_MAX * FIT_MAX ? delay : null;
}

function medianOf(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Dropped = { source: string; reason: string; score?: number }[];

/**
 * Drops the kept quotes of lagging sources further than DROP_BAND from the median of the other kept
 * quotes, while they are fewer than those and at least `minSources` of those remain. Returns how
 * many it dropped.
 */
export function applyLagGuard(valid: readonly Quote[], view: RoundView, hist: FeedHistory, keptMask: boolean[], dropped: Dropped, minSources: number): number {
  // The answer is the rule's reference: while the split guard or a liquid rule disputes it (a
  // pump walked the median away), or while it moves fast, the honest venues left behind would look
  // like late ones.
  if (hist.splitRounds > 0 || hist.liquid.active === 1 || hist.deep.active !== 0) return 0;
  const lag = hist.lag;
  const a = lag.answers;
  if (a.length <= MIN_LAG || Math.abs(a[a.length - 1] - a[a.length - 1 - MIN_LAG]) > CALM_SIGMAS * feedSigma(hist) * Math.sqrt(MIN_LAG)) return 0;
  const delays = valid.map((q, i) => (keptMask[i] ? laggingDelay(lag.sources[q.source]) : null));
  const others = view.logs.filter((_, i) => keptMask[i] && delays[i] === null);
  if (others.length < Math.max(minSources, 1)) return 0;
  const m = medianOf(others);
  for (let i = 0; i < valid.length; i++) if (delays[i] !== null && Math.abs(view.logs[i] - m) <= DROP_BAND) delays[i] = null;
  const late = delays.filter((d) => d !== null).length;
  if (late === 0 || others.length <= late) return 0;
  for (let i = 0; i < valid.length; i++) {
    const d = delays[i];
    if (d === null) continue;
    keptMask[i] = false;
    dropped.push({ source: valid[i].source, reason: `serves the answer of ~${d} rounds ago (lagging source)` });
  }
  return late;
}

/**
 * Folds the round into the rule's memory after the answer is known: the answer joins the ring (a
 * refused round repeats the last answer), then every quote's residual against the answers of each
 * delay updates its fit, once the ring is full.
 */
export function updateLagHistory(lag: LagHistory, valid: readonly Quote[], view: RoundView, answerLog: number | null): void {
  const a = lag.answers;
  const current = answerLog ?? (a.length ? a[a.length - 1] : null);
  if (current === null || !Number.isFinite(current)) return;
  a.push(current);
  if (a.length > RING) a.shift();
  if (a.length < RING) return;
  for (let i = 0; i < valid.length; i++) {
    const src = valid[i].source;
    let s = lag.sources[src];
    if (!s) {
      s = { mean: new Array<number>(LAGS.length).fill(0), var: new Array<number>(LAGS.length).fill(0), n: 0 };
      lag.sources[src] = s;
    }
    const w = Math.max(LAG_ALPHA, 1 / (s.n + 1));
    const l = view.logs[i];
    for (let k = 0; k < LAGS.length; k++) {
      const e = l - a[RING - 1 - LAGS[k]];
      if (s.n === 0) {
        s.mean[k] = e;
        s.var[k] = 0;
        continue;
      }
      const d = e - s.mean[k];
      s.mean[k] += w * d;
      s.var[k] = (1 - w) * (s.var[k] + w * d * d);
    }
    s.n++;
  }
}
