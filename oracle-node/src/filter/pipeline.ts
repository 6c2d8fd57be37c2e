import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toFloat, type Fixed } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import { median } from "../aggregate/median";
import { madFilter } from "../aggregate/mad-filter";
import { halfIqr } from "../aggregate/confidence";
import { anchorSplit, computeFeatures, FEATURE_NAMES, NUM_FEATURES, SPLIT_GUARD_ROUNDS, updateHistory, viewRound, type RoundView } from "./features";
import { applyLagGuard, updateLagHistory } from "./lag-guard";
import { applyLiquidGuard } from "./liquid-guard";
import { ModelLoadError, OnnxScorer } from "./onnx-scorer";
import { prepareRound } from "./prepare";
import type { FeedHistory, FilterState } from "./state";

export type FilterKind = "onnx" | "mad" | "none";

export interface FilterConfig {
  kind: FilterKind;
  /** ONNX model path; defaults to the committed models/anomaly-detector.onnx. */
  modelPath?: string;
  /** Drop a quote whose score is above this; defaults to the threshold in the model's meta file. */
  threshold?: number;
  /**
   * The liquid guard (liquid-guard.ts) after the model and the split guard; on by default. Off only
   * to measure what it buys (`npm run model:eval -- --no-liquid-guard`).
   */
  liquidGuard?: boolean;
  /** The deep-split rule (deep-split.ts), run by the liquid guard; on by default (`--no-deep-split`). */
  deepSplit?: boolean;
  /** The lag guard (lag-guard.ts), last; on by default. Off only to measure it (`--no-lag-guard`). */
  lagGuard?: boolean;
}

export interface FeedRoundInput {
  feedId: string;
  quotes: Quote[];
  /** Fewer surviving quotes than this and the node refuses to observe the round. */
  minSources: number;
  /** Round time, unix ms (injected so backtests replay history). */
  now: number;
  /**
   * Staleness limit for this feed's quotes, ms. The sources already enforce their own (daily FX
   * rates are days old, weather slots minutes); default MAX_QUOTE_AGE_MS for venue feeds.
   */
  maxAgeMs?: number;
}

export interface DroppedQuote {
  source: string;
  reason: string;
  /** The model's score, for quotes the anomaly model dropped. */
  score?: number;
}

/** The anomaly model's score of one quote it scored, kept or dropped. */
export interface ScoredQuote {
  source: string;
  score: number;
}

export interface FeedRoundResult {
  feedId: string;
  /** Fixed-point median of the surviving quotes; null = the node refuses this round. */
  observation: Fixed | null;
  /** Quotes that went into the median (0 when refused). */
  used: number;
  kept: Quote[];
  dropped: DroppedQuote[];
  /** Half the interquartile range of the kept quotes, fixed-point (0 when refused). */
  confidence: Fixed;
  refusedReason?: string;
  /**
   * The model's score of every quote it scored this round (kept and dropped, in quote order;
   * quotes that failed validation are never scored). Empty for the mad and none filters.
   * createFilter always sets it; optional so results built elsewhere (tests, replays) stay valid.
   */
  scores?: ScoredQuote[];
}

export interface RoundFilter {
  readonly kind: FilterKind;
  readonly threshold: number | null;
  /** Filters every feed of one round; updates `state` (the per-source and per-feed history). */
  run(round: readonly FeedRoundInput[], state: FilterState): Promise<FeedRoundResult[]>;
  close(): Promise<void>;
}

export const DEFAULT_MODEL_PATH = join(__dirname, "..", "..", "..", "models", "anomaly-detector.onnx");

/** The model's companion file: threshold chosen at training time and the feature names it expects. */
export interface ModelMeta {
  threshold: number;
  features: string[];
}

export function metaPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/, "") + ".meta.json";
}

function loadMeta(modelPath: string): ModelMeta {
  const p = metaPathFor(modelPath);
  if (!existsSync(p)) throw new ModelLoadError(`anomaly model meta file not found: ${p} (needed for the threshold and feature list)`);
  let meta: ModelMeta;
  try {
    meta = JSON.parse(readFileSync(p, "utf8")) as ModelMeta;
  } catch (err) {
    throw new ModelLoadError(`anomaly model meta file ${p} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof meta.threshold !== "number" || !(meta.threshold > 0 && meta.threshold < 1)) {
    throw new ModelLoadError(`anomaly model meta file ${p}: threshold must be a number in (0, 1)`);
  }
  if (!Array.isArray(meta.features) || meta.features.join(",") !== FEATURE_NAMES.join(",")) {
    throw new ModelLoadError(
      `anomaly model meta file ${p}: the model was trained on features [${String(meta.features)}], this node computes [${FEATURE_NAMES.join(",")}]; retrain with npm run model:train`,
    );
  }
  return meta;
}

/**
 * Builds the node's round filter: validation -> features -> one batched ONNX inference for every
 * quote of every feed -> drop scores above the threshold (and, under a lasting split between the
 * market and the last answer, the quotes away from it; and, where a thin majority walked away from
 * the agreeing deep venues, the quotes away from those: liquid-guard.ts) -> median. `mad` and `none` are the
 * baselines. A missing or corrupt model is an error here, never a silent fallback.
 */
export async function createFilter(cfg: FilterConfig): Promise<RoundFilter> {
  if (cfg.kind !== "onnx" && cfg.kind !== "mad" && cfg.kind !== "none") {
    throw new Error(`unknown filter kind ${JSON.stringify(cfg.kind)} (expected onnx, mad or none)`);
  }
  if (cfg.threshold !== undefined && !(cfg.threshold > 0 && cfg.threshold < 1)) {
    throw new Error(`filter threshold must be in (0, 1), got ${cfg.threshold}`);
  }
  let scorer: OnnxScorer | null = null;
  let threshold: number | null = null;
  if (cfg.kind === "onnx") {
    const modelPath = cfg.modelPath ?? DEFAULT_MODEL_PATH;
    const meta = loadMeta(modelPath);
    scorer = await OnnxScorer.load(modelPath);
    threshold = cfg.threshold ?? meta.threshold;
  }
  const features = { buffer: new Float32Array(1024 * NUM_FEATURES) };
  const liquidGuard = cfg.liquidGuard ?? true;
  const lagGuard = cfg.kind === "onnx" && (cfg.lagGuard ?? true);
  const deepSplit = cfg.deepSplit ?? true;
  return {
    kind: cfg.kind,
    threshold,
    async close() {
      await scorer?.close();
    },
    async run(round, state) {
      const prepared = round.map((f): PreparedFeed => {
        const { valid, rejected } = prepareRound(f.quotes, f.now, f.maxAgeMs);
        return { input: f, valid, rejected, view: viewRound(valid) };
      });
      const scored = scorer ? await scoreAll(scorer, prepared, state, features) : null;
      return prepared.map((p, k): FeedRoundResult => {
        const dropped: DroppedQuote[] = p.rejected.map((r) => ({ ...r }));
        const keptMask = new Array<boolean>(p.valid.length).fill(true);
        let scores: ScoredQuote[] = [];
        if (scored) {
          scores = dropAboveThreshold(p.valid, scored.scores, scored.offsets[k], threshold!, keptMask, dropped);
          const hist = state.feed(p.input.feedId);
          splitGuard(p, hist, keptMask, dropped);
          if (liquidGuard) applyLiquidGuard(p.valid, p.view, hist, keptMask, dropped, p.rejected.length, deepSplit);
          if (lagGuard) applyLagGuard(p.valid, p.view, hist, keptMask, dropped, Math.max(1, p.input.minSources));
        } else if (cfg.kind === "mad") {
          dropMadOutliers(p.valid, keptMask, dropped);
        }
        const res = finishFeed(p, state, keptMask, dropped, scores);
        if (lagGuard) updateLagHistory(state.feed(p.input.feedId).lag, p.valid, p.view, res.observation === null ? null : Math.log(toFloat(res.observation)));
        return res;
      });
    },
  };
}

/** One feed's quotes after validation, with their round view. */
interface PreparedFeed {
  input: FeedRoundInput;
  valid: Quote[];
  rejected: DroppedQuote[];
  view: RoundView;
}

/** Features of every valid quote of every feed, scored in one batched inference. */
async function scoreAll(
  scorer: OnnxScorer,
  prepared: readonly PreparedFeed[],
  state: FilterState,
  features: { buffer: Float32Array },
): Promise<{ scores: Float32Array; offsets: number[] }> {
  const offsets: number[] = [];
  let rows = 0;
  for (const p of prepared) {
    offsets.push(rows);
    rows += p.valid.length;
  }
  if (features.buffer.length < rows * NUM_FEATURES) features.buffer = new Float32Array(rows * NUM_FEATURES * 2);
  const buffer = features.buffer;
  prepared.forEach((p, k) => computeFeatures(p.valid, p.view, state.feed(p.input.feedId), buffer, offsets[k]));
  const scores = await scorer.score(buffer.subarray(0, rows * NUM_FEATURES), rows);
  return { scores, offsets };
}

/** Drops the quotes scored above the threshold; returns every score, in quote order. */
function dropAboveThreshold(
  valid: readonly Quote[],
  scores: Float32Array,
  offset: number,
  threshold: number,
  keptMask: boolean[],
  dropped: DroppedQuote[],
): ScoredQuote[] {
  const scored: ScoredQuote[] = [];
  for (let i = 0; i < valid.length; i++) {
    const s = scores[offset + i];
    scored.push({ source: valid[i].source, score: s });
    if (!(s <= threshold)) {
      keptMask[i] = false;
      dropped.push({ source: valid[i].source, reason: `anomaly score ${s.toFixed(3)} above ${threshold}`, score: s });
    }
  }
  return scored;
}

/**
 * Split guard: when the market has stood apart from the last answer for SPLIT_GUARD_ROUNDS
 * rounds while live venues still trade at it, a pump on most venues is the likelier story than
 * laggards that never catch up: side with the live venues at the anchor (they are kept even if
 * the model, seeing them far from the pumped median, scored them high), drop the rest, and
 * refuse below minSources.
 */
function splitGuard(p: PreparedFeed, hist: FeedHistory, keptMask: boolean[], dropped: DroppedQuote[]): void {
  const { valid, view } = p;
  const sp = anchorSplit(valid, view, hist);
  const rounds = hist.splitRounds + (sp.split ? 1 : 0);
  if (!(sp.away && sp.support > 0 && rounds >= SPLIT_GUARD_ROUNDS)) return;
  for (let i = 0; i < valid.length; i++) {
    const src = valid[i].source;
    if (sp.near[i] && sp.live[i]) {
      if (!keptMask[i]) {
        keptMask[i] = true;
        const at = dropped.findIndex((d) => d.source === src && d.score !== undefined);
        if (at >= 0) dropped.splice(at, 1);
      }
    } else if (keptMask[i] && !sp.near[i]) {
      keptMask[i] = false;
      dropped.push({ source: src, reason: `away from the last answer while ${sp.support} live venues hold it (${rounds} rounds)` });
    }
  }
}

function dropMadOutliers(valid: readonly Quote[], keptMask: boolean[], dropped: DroppedQuote[]): void {
  const r = madFilter(valid.map((q) => q.price));
  for (const i of r.dropped) {
    keptMask[i] = false;
    dropped.push({ source: valid[i].source, reason: "more than 3 robust sigma from the round median" });
  }
}

/** The median of the kept quotes (or a refusal below minSources); updates the feed's history. */
function finishFeed(p: PreparedFeed, state: FilterState, keptMask: boolean[], dropped: DroppedQuote[], scores: ScoredQuote[]): FeedRoundResult {
  const { input, valid, view } = p;
  const kept = valid.filter((_, i) => keptMask[i]);
  const minSources = Math.max(1, input.minSources);
  let observation: Fixed | null = null;
  let refusedReason: string | undefined;
  if (kept.length < minSources) {
    refusedReason = `only ${kept.length} of ${input.quotes.length} quotes survived the filter (minimum ${minSources})`;
  } else {
    observation = median(kept.map((q) => q.price));
  }
  updateHistory(state.feed(input.feedId), valid, view, keptMask, observation);
  return {
    feedId: input.feedId,
    observation,
    used: observation === null ? 0 : kept.length,
    kept,
    dropped,
    confidence: observation === null ? 0n : halfIqr(kept.map((q) => q.price)),
    refusedReason,
    scores,
  };
}
