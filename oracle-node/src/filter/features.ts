import { toFloat, type Fixed } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import type { FeedHistory, SourceHistory } from "./state";

/**
 * The feature vector of the anomaly model: the one definition used by training (models/), the
 * backtest and the live node. For each valid quote of a round it describes
 *  - the round's cross-section: deviation from the median (log, robust units), from the median
 *    weighted by each venue's normal volume, from the venue's usual basis; rank, dispersion, count;
 *  - the source's own history: its return since its last quote, alone and against the market's,
 *    how long its price (and whole quote) has not changed, volume and spread against its own
 *    EWMA normal and against the round;
 *  - the feed's accepted answers: deviation from the last one, in bps and in units of the feed's
 *    recent volatility, how far the whole round's median moved from it, and how many live venues
 *    still sit at it (a pump on most venues leaves the honest minority there; a real move does not).
 * A genuine move every venue shows moves the median with it, so the cross-section features stay
 * small; the anchor features alone never decide (the model sees both, trained on genuine crashes).
 *
 * Every value goes through slog (sign * log1p |x|) or a clip, so exponent errors and garbage give
 * large but bounded inputs. Floats are used here only as model inputs, never as prices.
 */
export const FEATURE_NAMES = [
  "dev_bps",
  "dev_robust_z",
  "dev_wmedian_bps",
  "dev_basis_bps",
  "rank",
  "n_sources",
  "dispersion_bps",
  "own_return_bps",
  "own_return_vs_market_bps",
  "rounds_since_last",
  "has_history",
  "price_unchanged_rounds",
  "row_unchanged_rounds",
  "volume_z",
  "volume_share",
  "has_volume",
  "spread_bps",
  "spread_z",
  "spread_vs_round",
  "has_book",
  "dev_anchor_bps",
  "dev_anchor_z",
  "median_vs_anchor_bps",
  "feed_vol_bps",
  "has_anchor",
  "round_range_bps",
  "anchor_support",
  "near_anchor",
  "anchor_age",
] as const;
export const NUM_FEATURES = FEATURE_NAMES.length;

const BP = 1e-4;
/** Robust sigma floor of a round (log units): venues agreeing to the tick must not make 1 bp look huge. */
const MIN_ROUND_SIGMA = 1 * BP;
/** Per-round volatility floor of a feed (log units), same reason for a calm stablecoin. */
const MIN_FEED_SIGMA = 1 * BP;
/** A zero spread (bid = ask) is treated as this relative spread, so its log stays finite. */
const MIN_REL_SPREAD = 0.1 * BP;
/** EWMA weight of volume and spread normals: ~20 rounds of memory. */
const NORMAL_ALPHA = 0.05;
/** Normals update on every quote during warm-up, then only on quotes the filter kept. */
const NORMAL_WARMUP = 10;
/** sd floors (log units): 24 h volume is smooth, so without a floor a 1 % change would be 10 sigma. */
const VOLUME_SD_FLOOR = 0.05;
const SPREAD_SD_FLOOR = 0.25;
/** EWMA weight of a venue's basis to the median: ~50 rounds, slower than drifts we want to see. */
const BASIS_ALPHA = 0.02;
/** EWMA weight of the feed's per-round variance of accepted answers. */
const VAR_ALPHA = 0.05;
/** After this many rounds without an accepted answer the anchor resyncs to the raw median, so a
 * feed that refused through a real regime change cannot lock itself out forever (never while live
 * venues still trade at the anchor: two live markets disagreeing is for an operator to settle). */
export const ANCHOR_RESYNC_ROUNDS = 120;
/** Accepted answers in a row needed to move the anchor past its band (a real jump's laggards catch up in ~3). */
export const ANCHOR_CONFIRM_ROUNDS = 3;
/** A quote is "near the anchor" within this many per-round sigmas (scaled by sqrt of the anchor's age)... */
const ANCHOR_BAND_SIGMAS = 6;
/** ...or within this band (log units), whichever is wider: basis and noise of honest venues. */
const ANCHOR_BAND_MIN = 20 * BP;
/** A split needs this many live venues at the anchor, and this share of the round: one laggard is not a split. */
const SPLIT_MIN_VENUES = 2;
const SPLIT_MIN_SHARE = 0.15;
/** A venue repeating its whole quote this many rounds in a row is not live (honest lag repeats 1-2). */
const LIVE_MAX_REPEATS = 3;
/** Rounds a split may last before the pipeline's guard sides with the anchor (real laggards catch up in ~3). */
export const SPLIT_GUARD_ROUNDS = 4;
/** Bound of z-scores before slog. */
const Z_CLIP = 1e4;

function slog(x: number): number {
  return x >= 0 ? Math.log1p(x) : -Math.log1p(-x);
}
function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
function medianOf(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function weightedMedian(values: number[], weights: number[]): number {
  const idx = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (const w of weights) total += w;
  let acc = 0;
  for (const i of idx) {
    acc += weights[i];
    if (acc >= total / 2) return values[i];
  }
  return values[idx[idx.length - 1]];
}

/** Per-quote floats derived once per round and reused by the history update. */
export interface RoundView {
  logs: number[];
  /** Relative spread, NaN when the quote has no book. */
  spreads: number[];
  /** log volume, NaN when the quote has no volume. */
  logVolumes: number[];
  keys: string[];
  /** log median of the round's quotes. */
  medianLog: number;
}

function quoteKey(q: Quote): string {
  return `${q.price}|${q.bid ?? ""}|${q.ask ?? ""}|${q.volume ?? ""}`;
}

/** Reads the floats the features need from validated quotes (every price > 0). */
export function viewRound(quotes: readonly Quote[]): RoundView {
  const n = quotes.length;
  const logs = new Array<number>(n);
  const spreads = new Array<number>(n);
  const logVolumes = new Array<number>(n);
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const q = quotes[i];
    const p = toFloat(q.price);
    logs[i] = Math.log(p);
    spreads[i] = q.bid !== undefined && q.ask !== undefined ? Math.max((toFloat(q.ask) - toFloat(q.bid)) / p, MIN_REL_SPREAD) : NaN;
    logVolumes[i] = q.volume !== undefined && q.volume > 0n ? Math.log(toFloat(q.volume)) : NaN;
    keys[i] = quoteKey(q);
  }
  return { logs, spreads, logVolumes, keys, medianLog: n > 0 ? medianOf(logs) : NaN };
}

export function feedSigma(h: FeedHistory): number {
  return Math.max(Math.sqrt(h.varN > 0 ? h.varPerRound : 0), MIN_FEED_SIGMA);
}

/** How far (log units) an answer or quote may sit from the anchor and still be "at" it. */
function anchorBand(hist: FeedHistory): number {
  return Math.max(ANCHOR_BAND_SIGMAS * feedSigma(hist) * Math.sqrt(hist.anchorAge + 1), ANCHOR_BAND_MIN);
}

export interface AnchorSplit {
  /** Quote i is within the anchor's band. */
  near: boolean[];
  /** Quote i is live: its venue's quote changed within the last LIVE_MAX_REPEATS rounds. */
  live: boolean[];
  /** Live quotes within the band. */
  support: number;
  /** The round median is outside the band. */
  away: boolean;
  /** The round median left the band while at least SPLIT_MIN_VENUES live venues stayed at the anchor. */
  split: boolean;
}

/**
 * The cross-section against the last accepted answer. A real move takes every venue with it
 * (laggards catch up in a few rounds); a pump on most venues leaves the honest minority, still
 * trading, at the old level. Used by the features and by the pipeline's split guard.
 */
export function anchorSplit(quotes: readonly Quote[], view: RoundView, hist: FeedHistory): AnchorSplit {
  const anchor = hist.anchorLog;
  const n = quotes.length;
  const live = quotes.map((q, i) => {
    const h = hist.sources[q.source];
    return !h || view.keys[i] !== h.lastKey || h.rowUnchanged + 1 < LIVE_MAX_REPEATS;
  });
  if (anchor === null || n === 0) return { near: new Array<boolean>(n).fill(false), live, support: 0, away: false, split: false };
  const band = anchorBand(hist);
  const near = view.logs.map((l) => Math.abs(l - anchor) <= band);
  let support = 0;
  for (let i = 0; i < n; i++) if (near[i] && live[i]) support++;
  const away = Math.abs(view.medianLog - anchor) > band;
  const split = away && support >= Math.max(SPLIT_MIN_VENUES, Math.ceil(SPLIT_MIN_SHARE * n));
  return { near, live, support, away, split };
}

/** What every quote's features of one round are measured against. */
interface RoundContext {
  n: number;
  /** Round median (log). */
  m: number;
  /** Robust spread of the round's prices (1.4826 MAD, log units), raw and floored. */
  rawSigma: number;
  sigma: number;
  /** The feed's per-round volatility from its accepted answers. */
  fSigma: number;
  anchor: number | null;
  /** Each venue's normal log volume (its EWMA when known, else its current one) and their median. */
  normVol: number[];
  medVol: number;
  /** Volume-weighted median (log). */
  wm: number;
  medSpreadLog: number;
  /** Quote i is at the anchor; live quotes at the anchor. */
  near: boolean[];
  support: number;
  /** Rank of quote i in the round, -0.5 (lowest) .. 0.5 (highest). */
  rank: number[];
  /** Highest minus lowest log price. */
  range: number;
}

function roundContext(quotes: readonly Quote[], view: RoundView, hist: FeedHistory): RoundContext {
  const n = quotes.length;
  const { logs, spreads, logVolumes } = view;
  const m = view.medianLog;
  const absDev = logs.map((l) => Math.abs(l - m));
  const rawSigma = 1.4826 * medianOf(absDev);

  // Normal volume: the venue's EWMA when known, else its current volume; weights sqrt of it so a
  // single giant venue cannot carry the weighted median alone.
  const normVol = new Array<number>(n);
  const knownVols: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = hist.sources[quotes[i].source];
    const lv = h && h.volN >= 3 ? h.volMean : logVolumes[i];
    normVol[i] = lv;
    if (!Number.isNaN(lv)) knownVols.push(lv);
  }
  const medVol = knownVols.length ? medianOf(knownVols) : NaN;
  const weights = normVol.map((lv) => (Number.isNaN(lv) || Number.isNaN(medVol) ? 1 : Math.exp(0.5 * clip(lv - medVol, -20, 20))));
  const knownSpreads = spreads.filter((s) => !Number.isNaN(s));

  // How much of the round, among venues whose quote is live (not a repeat), still sits at the last
  // accepted answer: a genuine move leaves none there after the laggards catch up; a pump on most
  // venues leaves the honest minority there, round after round.
  const { near, support } = anchorSplit(quotes, view, hist);
  const order = logs.map((_, i) => i).sort((a, b) => logs[a] - logs[b]);
  const rank = new Array<number>(n);
  order.forEach((i, r) => (rank[i] = n > 1 ? r / (n - 1) - 0.5 : 0));
  return {
    n,
    m,
    rawSigma,
    sigma: Math.max(rawSigma, MIN_ROUND_SIGMA),
    fSigma: feedSigma(hist),
    anchor: hist.anchorLog,
    normVol,
    medVol,
    wm: weightedMedian(logs, weights),
    medSpreadLog: knownSpreads.length ? Math.log(medianOf(knownSpreads)) : NaN,
    near,
    support,
    rank,
    range: logs[order[n - 1]] - logs[order[0]],
  };
}

/**
 * Writes the features of every quote of one feed's round into `out` (row-major, NUM_FEATURES per
 * row) starting at row `row0`. `quotes` must already be validated and deduplicated by source.
 * The column order is FEATURE_NAMES'.
 */
export function computeFeatures(quotes: readonly Quote[], view: RoundView, hist: FeedHistory, out: Float32Array, row0 = 0): void {
  if (quotes.length === 0) return;
  const c = roundContext(quotes, view, hist);
  for (let i = 0; i < c.n; i++) {
    const h: SourceHistory | undefined = hist.sources[quotes[i].source];
    const o = (row0 + i) * NUM_FEATURES;
    writePriceFeatures(out, o, view.logs[i], i, h, c);
    writeHistoryFeatures(out, o, view, i, h, hist, c.m);
    writeVolumeFeatures(out, o, view.logVolumes[i], i, h, c);
    writeSpreadFeatures(out, o, view.spreads[i], h, c.medSpreadLog);
    writeAnchorFeatures(out, o, view.logs[i], i, c, hist.anchorAge);
  }
}

/** Columns 0-6: where the quote sits in the round's cross-section. */
function writePriceFeatures(out: Float32Array, o: number, l: number, i: number, h: SourceHistory | undefined, c: RoundContext): void {
  const m = c.m;
  out[o + 0] = slog((l - m) / BP);
  out[o + 1] = slog(clip((l - m) / c.sigma, -Z_CLIP, Z_CLIP));
  out[o + 2] = slog((l - c.wm) / BP);
  out[o + 3] = slog((l - m - (h && h.basisN > 0 ? h.basis : 0)) / BP);
  out[o + 4] = c.rank[i];
  out[o + 5] = c.n / 10;
  out[o + 6] = slog(c.rawSigma / BP);
}

/** Columns 7-12: the quote against its venue's own previous quotes (0 for a venue never seen). */
function writeHistoryFeatures(out: Float32Array, o: number, view: RoundView, i: number, h: SourceHistory | undefined, hist: FeedHistory, m: number): void {
  if (!h) {
    out.fill(0, o + 7, o + 13);
    return;
  }
  const ret = view.logs[i] - h.lastLog;
  out[o + 7] = slog(ret / BP);
  out[o + 8] = slog((ret - (m - h.lastMarketLog)) / BP);
  out[o + 9] = Math.log1p(Math.max(hist.rounds - h.lastRound, 0));
  out[o + 10] = 1;
  const samePrice = Math.abs(ret) === 0;
  out[o + 11] = Math.log1p(samePrice ? h.priceUnchanged + 1 : 0);
  out[o + 12] = Math.log1p(view.keys[i] === h.lastKey ? h.rowUnchanged + 1 : 0);
}

/** Columns 13-15: the quote's 24 h volume against its venue's normal and the round's (0 when absent). */
function writeVolumeFeatures(out: Float32Array, o: number, lv: number, i: number, h: SourceHistory | undefined, c: RoundContext): void {
  if (Number.isNaN(lv)) {
    out.fill(0, o + 13, o + 16);
    return;
  }
  out[o + 13] = h && h.volN >= 3 ? slog(clip((lv - h.volMean) / Math.max(Math.sqrt(h.volVar), VOLUME_SD_FLOOR), -Z_CLIP, Z_CLIP)) : 0;
  out[o + 14] = Number.isNaN(c.medVol) ? 0 : clip(c.normVol[i] - c.medVol, -10, 10);
  out[o + 15] = 1;
}

/** Columns 16-19: the quote's bid/ask spread against its venue's normal and the round's (0 when absent). */
function writeSpreadFeatures(out: Float32Array, o: number, sp: number, h: SourceHistory | undefined, medSpreadLog: number): void {
  if (Number.isNaN(sp)) {
    out.fill(0, o + 16, o + 20);
    return;
  }
  const ls = Math.log(sp);
  out[o + 16] = slog(sp / BP);
  out[o + 17] = h && h.sprN >= 3 ? slog(clip((ls - h.sprMean) / Math.max(Math.sqrt(h.sprVar), SPREAD_SD_FLOOR), -Z_CLIP, Z_CLIP)) : 0;
  out[o + 18] = clip(ls - medSpreadLog, -10, 10);
  out[o + 19] = 1;
}

/** Columns 20-28: the quote and the round against the last accepted answer (the anchor). */
function writeAnchorFeatures(out: Float32Array, o: number, l: number, i: number, c: RoundContext, anchorAge: number): void {
  const anchor = c.anchor;
  if (anchor !== null) {
    out[o + 20] = slog((l - anchor) / BP);
    out[o + 21] = slog(clip((l - anchor) / c.fSigma, -Z_CLIP, Z_CLIP));
    out[o + 22] = slog((c.m - anchor) / BP);
    out[o + 24] = 1;
  } else {
    out[o + 20] = 0;
    out[o + 21] = 0;
    out[o + 22] = 0;
    out[o + 24] = 0;
  }
  out[o + 23] = slog(c.fSigma / BP);
  out[o + 25] = slog(c.range / BP);
  out[o + 26] = anchor !== null ? c.support / c.n : 0;
  out[o + 27] = c.near[i] ? 1 : 0;
  out[o + 28] = anchor !== null ? Math.log1p(anchorAge) : 0;
}

function moveAnchor(hist: FeedHistory, a: number): void {
  if (hist.anchorLog !== null) {
    const gap = Math.max(hist.anchorAge + 1, 1);
    const r2 = ((a - hist.anchorLog) * (a - hist.anchorLog)) / gap;
    hist.varPerRound = hist.varN === 0 ? r2 : hist.varPerRound + Math.max(VAR_ALPHA, 1 / (hist.varN + 1)) * (r2 - hist.varPerRound);
    hist.varN++;
  }
  hist.anchorLog = a;
  hist.anchorAge = 0;
  hist.pendingLog = null;
  hist.pendingCount = 0;
}

function ewma(mean: number, variance: number, n: number, x: number, alpha: number): [number, number] {
  if (n === 0) return [x, 0];
  const a = Math.max(alpha, 1 / (n + 1));
  const d = x - mean;
  const m = mean + a * d;
  return [m, (1 - a) * (variance + a * d * d)];
}

/**
 * Folds one round into the history, after the filter decided. `kept[i]` says whether quote i
 * survived; `answer` is the accepted observation (null when the node refused).
 */
export function updateHistory(hist: FeedHistory, quotes: readonly Quote[], view: RoundView, kept: readonly boolean[], answer: Fixed | null): void {
  const round = hist.rounds + 1;
  // Before the per-source update below: "live" compares against each venue's previous quote.
  // A split counts up; a round where a venue of the minority is missing holds the count; it ends
  // when the median is back at the anchor or nobody live is left there.
  const sp = anchorSplit(quotes, view, hist);
  if (sp.split) hist.splitRounds++;
  else if (!(sp.away && sp.support > 0)) hist.splitRounds = 0;
  const m = view.medianLog;
  for (let i = 0; i < quotes.length; i++) {
    const src = quotes[i].source;
    const l = view.logs[i];
    let h = hist.sources[src];
    if (!h) {
      h = {
        lastLog: l,
        lastRound: round,
        lastMarketLog: m,
        priceUnchanged: 0,
        rowUnchanged: 0,
        lastKey: view.keys[i],
        volMean: 0,
        volVar: 0,
        volN: 0,
        sprMean: 0,
        sprVar: 0,
        sprN: 0,
        basis: 0,
        basisN: 0,
      };
      hist.sources[src] = h;
    } else {
      h.priceUnchanged = l === h.lastLog ? h.priceUnchanged + 1 : 0;
      h.rowUnchanged = view.keys[i] === h.lastKey ? h.rowUnchanged + 1 : 0;
      h.lastLog = l;
      h.lastRound = round;
      h.lastMarketLog = m;
      h.lastKey = view.keys[i];
    }
    const trusted = kept[i];
    const lv = view.logVolumes[i];
    if (!Number.isNaN(lv) && (trusted || h.volN < NORMAL_WARMUP)) {
      [h.volMean, h.volVar] = ewma(h.volMean, h.volVar, h.volN, lv, NORMAL_ALPHA);
      h.volN++;
    }
    const sp = view.spreads[i];
    if (!Number.isNaN(sp) && (trusted || h.sprN < NORMAL_WARMUP)) {
      [h.sprMean, h.sprVar] = ewma(h.sprMean, h.sprVar, h.sprN, Math.log(sp), NORMAL_ALPHA);
      h.sprN++;
    }
    if (trusted) {
      h.basis = h.basisN === 0 ? l - m : h.basis + BASIS_ALPHA * (l - m - h.basis);
      h.basisN++;
    }
  }
  updateAnchor(hist, answer, m, quotes.length);
  hist.rounds = round;
}

/** The anchor follows the round's answer within its band; a jump beyond moves it only once confirmed. */
function updateAnchor(hist: FeedHistory, answer: Fixed | null, m: number, quoteCount: number): void {
  if (answer !== null && answer > 0n) {
    const a = Math.log(toFloat(answer));
    const band = anchorBand(hist);
    if (hist.anchorLog === null || Math.abs(a - hist.anchorLog) <= band) {
      moveAnchor(hist, a);
    } else if (hist.splitRounds > 0) {
      // Live venues still trade at the anchor: a new level is not agreed while they do.
      hist.pendingLog = null;
      hist.pendingCount = 0;
      hist.anchorAge++;
    } else {
      // A jump beyond the band moves the anchor only once ANCHOR_CONFIRM_ROUNDS answers in a row
      // agree on the new level with no live venue left at the old one: a few rounds a pump slipped
      // through cannot re-anchor the feed.
      if (hist.pendingLog !== null && Math.abs(a - hist.pendingLog) <= band) hist.pendingCount++;
      else hist.pendingCount = 1;
      hist.pendingLog = a;
      if (hist.pendingCount >= ANCHOR_CONFIRM_ROUNDS) moveAnchor(hist, a);
      else hist.anchorAge++;
    }
  } else {
    hist.anchorAge++;
    hist.pendingLog = null;
    hist.pendingCount = 0;
    if (hist.anchorAge >= ANCHOR_RESYNC_ROUNDS && quoteCount > 0 && hist.splitRounds === 0) {
      hist.anchorLog = m;
      hist.anchorAge = 0;
    }
  }
}
