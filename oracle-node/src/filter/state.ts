/**
 * The filter's memory: what the features need from earlier rounds, per feed and per source.
 * Small, plain and serializable (toJSON / fromJSON) so the node can persist it between restarts
 * and a backtest can replay it round by round exactly as a live node would have built it.
 */

/** One source's history within one feed. Prices in natural-log units, times in unix ms. */
export interface SourceHistory {
  /** log price of its last valid quote. */
  lastLog: number;
  /** The feed's round counter at its last valid quote. */
  lastRound: number;
  /** log of the round median at its last valid quote (the market it saw then). */
  lastMarketLog: number;
  /** Consecutive rounds its price has been exactly equal to the previous one. */
  priceUnchanged: number;
  /** Consecutive rounds its whole quote (price, bid, ask, volume) has repeated exactly. */
  rowUnchanged: number;
  /** Raw text key of its last quote, to detect exact repeats. */
  lastKey: string;
  /** EWMA mean and variance of log 24 h volume, and how many updates went in. */
  volMean: number;
  volVar: number;
  volN: number;
  /** EWMA mean and variance of log relative spread ((ask - bid) / price). */
  sprMean: number;
  sprVar: number;
  sprN: number;
  /** EWMA of its log deviation from the round median while trusted: its usual basis. */
  basis: number;
  basisN: number;
}

/** The liquid guard's memory (liquid-guard.ts): the usual gap between the round median and the
 * deep venues' consensus, and where both stood when it last opened. Log units; flags are 0 / 1. */
export interface LiquidHistory {
  /** EWMA of (round median - liquid consensus) over calm rounds, and how many went in. */
  gapBase: number;
  gapN: number;
  /** Consecutive rounds the gap has stood open (away from gapBase). */
  openRounds: number;
  /** Round median and liquid consensus at the last calm round (the gap's onset). */
  onsetMedian: number;
  onsetLiquid: number;
  /** The rule fired last round; its last liquid consensus; rounds it has held on without one. */
  active: number;
  lastLiquid: number;
  holdRounds: number;
  /** EWMA of the squared per-round change of the liquid consensus, and how many went in. */
  liquidVar: number;
  liquidN: number;
}

/** The lag guard's memory (lag-guard.ts) of one source: how well its log price matches the feed's
 * answer of d rounds ago, for each d of LAGS: EWMA mean and variance of the residual, and how many
 * rounds went in. */
export interface SourceLag {
  mean: number[];
  var: number[];
  n: number;
}

/** The lag guard's memory of one feed: its last answers (log, oldest first) and each source's fit. */
export interface LagHistory {
  answers: number[];
  sources: Record<string, SourceLag>;
}

/** The deep-split rule's memory (deep-split.ts): the two deepest venues it tracks (by source), the
 * usual log gap between them (EWMA over calm rounds), how long it has stood open, both venues' logs
 * at its onset, and which one the rule sides with (0 none, 1 a, 2 b). */
export interface DeepSplitHistory {
  a: string;
  b: string;
  gapBase: number;
  gapN: number;
  openRounds: number;
  onsetA: number;
  onsetB: number;
  active: number;
}

/** One feed's history. */
export interface FeedHistory {
  /** log of the last accepted (signed) answer, null before the first one. */
  anchorLog: number | null;
  /** Rounds since the anchor was last set by an accepted answer. */
  anchorAge: number;
  /** An accepted answer beyond the anchor's band waiting for confirmation, and how many in a row. */
  pendingLog: number | null;
  pendingCount: number;
  /** Consecutive rounds the market has stood apart from the anchor while live venues held it. */
  splitRounds: number;
  /** EWMA of the squared per-round log change of the accepted answer. */
  varPerRound: number;
  varN: number;
  /** Rounds seen so far (a counter, so history does not depend on the round interval). */
  rounds: number;
  liquid: LiquidHistory;
  deep: DeepSplitHistory;
  lag: LagHistory;
  sources: Record<string, SourceHistory>;
}

const STATE_VERSION = 2;

export function newLiquidHistory(): LiquidHistory {
  return { gapBase: 0, gapN: 0, openRounds: 0, onsetMedian: 0, onsetLiquid: 0, active: 0, lastLiquid: 0, holdRounds: 0, liquidVar: 0, liquidN: 0 };
}
const LIQUID_NUMBERS = ["gapBase", "gapN", "openRounds", "onsetMedian", "onsetLiquid", "active", "lastLiquid", "holdRounds", "liquidVar", "liquidN"] as const;

/** A state saved before the liquid guard existed has no `liquid`: it starts fresh (it learns in 20 rounds). */
function checkLiquid(id: string, raw: unknown): LiquidHistory {
  if (raw === undefined) return newLiquidHistory();
  const l = raw as LiquidHistory;
  if (typeof l !== "object" || l === null) throw new Error(`filter state: feed ${id}.liquid is not an object`);
  for (const k of LIQUID_NUMBERS) {
    if (typeof l[k] !== "number" || !Number.isFinite(l[k])) throw new Error(`filter state: feed ${id}.liquid.${k} is not a number`);
  }
  return { ...l };
}

export function newDeepSplitHistory(): DeepSplitHistory {
  return { a: "", b: "", gapBase: 0, gapN: 0, openRounds: 0, onsetA: 0, onsetB: 0, active: 0 };
}
const DEEP_NUMBERS = ["gapBase", "gapN", "openRounds", "onsetA", "onsetB", "active"] as const;

/** A state saved before the deep-split rule existed has no `deep`: it starts fresh. */
function checkDeep(id: string, raw: unknown): DeepSplitHistory {
  if (raw === undefined) return newDeepSplitHistory();
  const d = raw as DeepSplitHistory;
  if (typeof d !== "object" || d === null || typeof d.a !== "string" || typeof d.b !== "string")
    throw new Error(`filter state: feed ${id}.deep is not a deep-split state`);
  for (const k of DEEP_NUMBERS) {
    if (typeof d[k] !== "number" || !Number.isFinite(d[k])) throw new Error(`filter state: feed ${id}.deep.${k} is not a number`);
  }
  return { ...d };
}

export function newLagHistory(): LagHistory {
  return { answers: [], sources: {} };
}

function finiteArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === "number" && Number.isFinite(v));
}

/** A state saved before the lag guard existed has no `lag`: it starts fresh (it learns in ~100 rounds). */
function checkLag(id: string, raw: unknown): LagHistory {
  if (raw === undefined) return newLagHistory();
  const l = raw as LagHistory;
  if (typeof l !== "object" || l === null || !finiteArray(l.answers)) throw new Error(`filter state: feed ${id}.lag.answers is not a list of numbers`);
  if (typeof l.sources !== "object" || l.sources === null) throw new Error(`filter state: feed ${id}.lag.sources missing`);
  const sources: Record<string, SourceLag> = {};
  for (const [src, s] of Object.entries(l.sources)) {
    if (!finiteArray(s?.mean) || !finiteArray(s.var) || s.mean.length !== s.var.length || typeof s.n !== "number" || !Number.isFinite(s.n)) {
      throw new Error(`filter state: feed ${id}.lag.sources.${src} is not a lag fit`);
    }
    sources[src] = { mean: [...s.mean], var: [...s.var], n: s.n };
  }
  return { answers: [...l.answers], sources };
}

export class FilterState {
  readonly feeds = new Map<string, FeedHistory>();

  feed(feedId: string): FeedHistory {
    let f = this.feeds.get(feedId);
    if (!f) {
      f = {
        anchorLog: null,
        anchorAge: 0,
        pendingLog: null,
        pendingCount: 0,
        splitRounds: 0,
        varPerRound: 0,
        varN: 0,
        rounds: 0,
        liquid: newLiquidHistory(),
        deep: newDeepSplitHistory(),
        lag: newLagHistory(),
        sources: {},
      };
      this.feeds.set(feedId, f);
    }
    return f;
  }

  toJSON(): { version: number; feeds: Record<string, FeedHistory> } {
    return { version: STATE_VERSION, feeds: Object.fromEntries(this.feeds) };
  }

  /** Restores a persisted state; throws a clear error on anything that is not one. */
  static fromJSON(json: unknown): FilterState {
    const s = new FilterState();
    if (typeof json !== "object" || json === null) throw new Error("filter state: not an object");
    const o = json as { version?: unknown; feeds?: unknown };
    if (o.version !== STATE_VERSION) throw new Error(`filter state: unsupported version ${String(o.version)}`);
    if (typeof o.feeds !== "object" || o.feeds === null) throw new Error("filter state: feeds missing");
    for (const [id, raw] of Object.entries(o.feeds as Record<string, unknown>)) {
      s.feeds.set(id, checkFeed(id, raw));
    }
    return s;
  }
}

const FEED_NUMBERS = ["anchorAge", "pendingCount", "splitRounds", "varPerRound", "varN", "rounds"] as const;
const SOURCE_NUMBERS = [
  "lastLog",
  "lastRound",
  "lastMarketLog",
  "priceUnchanged",
  "rowUnchanged",
  "volMean",
  "volVar",
  "volN",
  "sprMean",
  "sprVar",
  "sprN",
  "basis",
  "basisN",
] as const;

function checkFeed(id: string, raw: unknown): FeedHistory {
  const f = raw as FeedHistory;
  if (typeof f !== "object" || f === null) throw new Error(`filter state: feed ${id} is not an object`);
  for (const k of FEED_NUMBERS) {
    if (typeof f[k] !== "number" || !Number.isFinite(f[k])) throw new Error(`filter state: feed ${id}.${k} is not a number`);
  }
  if (f.anchorLog !== null && (typeof f.anchorLog !== "number" || !Number.isFinite(f.anchorLog))) {
    throw new Error(`filter state: feed ${id}.anchorLog is not a number or null`);
  }
  if (f.pendingLog !== null && (typeof f.pendingLog !== "number" || !Number.isFinite(f.pendingLog))) {
    throw new Error(`filter state: feed ${id}.pendingLog is not a number or null`);
  }
  if (typeof f.sources !== "object" || f.sources === null) throw new Error(`filter state: feed ${id}.sources missing`);
  const sources: Record<string, SourceHistory> = {};
  for (const [src, sraw] of Object.entries(f.sources)) {
    const h = sraw;
    for (const k of SOURCE_NUMBERS) {
      if (typeof h?.[k] !== "number" || !Number.isFinite(h[k])) {
        throw new Error(`filter state: feed ${id}.sources.${src}.${k} is not a number`);
      }
    }
    if (typeof h.lastKey !== "string") throw new Error(`filter state: feed ${id}.sources.${src}.lastKey is not a string`);
    sources[src] = { ...h };
  }
  return {
    anchorLog: f.anchorLog,
    anchorAge: f.anchorAge,
    pendingLog: f.pendingLog,
    pendingCount: f.pendingCount,
    splitRounds: f.splitRounds,
    varPerRound: f.varPerRound,
    varN: f.varN,
    rounds: f.rounds,
    liquid: checkLiquid(id, (f as { liquid?: unknown }).liquid),
    deep: checkDeep(id, (f as { deep?: unknown }).deep),
    lag: checkLag(id, (f as { lag?: unknown }).lag),
    sources,
  };
}
