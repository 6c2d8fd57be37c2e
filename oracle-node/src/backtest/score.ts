import type { Fixed } from "../quotes/decimal";
import { deviationBps } from "../quotes/decimal";
import type { ResultRow } from "./csv";

/** Price error above this counts as a bad round (FORMAT.md). */
export const BAD_ROUND_BPS = 100;

export interface ErrorStats {
  rounds: number;
  mean: number;
  p99: number;
  max: number;
}

export interface Metrics {
  rounds: number;
  refused: number;
  roundsOver100Bps: number;
  all: ErrorStats;
  /** Rounds where any quote is labelled 1. */
  attacked: ErrorStats & { refused: number };
  precision: number;
  recall: number;
  falsePositiveRate: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function stats(errors: number[]): ErrorStats {
  const s = errors.slice().sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN;
  return { rounds: s.length, mean, p99: percentile(s, 0.99), max: s.length ? s[s.length - 1] : Number.NaN };
}

/** The raw per-round errors and per-quote counts of one scored result (poolable across scenarios). */
export interface ScoreSamples {
  all: number[];
  attacked: number[];
  rounds: number;
  refused: number;
  attackedRefused: number;
  over: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/**
 * FORMAT.md's metrics: price error in bps against the truth (all rounds, attacked rounds), refused
 * rounds, rounds over 100 bps, and per quote precision / recall / false-positive rate of `dropped`
 * as a prediction of the label. Refused rounds carry no price, so they count as refused, not as error.
 */
export function scoreResult(labels: Map<string, 0 | 1>, truth: Map<number, Fixed>, result: readonly ResultRow[]): Metrics {
  return summarize([collectScore(labels, truth, result)]);
}

export function collectScore(labels: Map<string, 0 | 1>, truth: Map<number, Fixed>, result: readonly ResultRow[]): ScoreSamples {
  const byRound = new Map<number, { source: string; label: 0 | 1 }[]>();
  for (const [key, label] of labels) {
    const cut = key.indexOf("|");
    const ts = Number(key.slice(0, cut));
    let list = byRound.get(ts);
    if (!list) byRound.set(ts, (list = []));
    list.push({ source: key.slice(cut + 1), label });
  }
  const s: ScoreSamples = { all: [], attacked: [], rounds: result.length, refused: 0, attackedRefused: 0, over: 0, tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const r of result) {
    const t = truth.get(r.timestamp);
    if (t === undefined) throw new Error(`no true_price for round ${r.timestamp}`);
    const quotes = byRound.get(r.timestamp) ?? [];
    const isAttacked = quotes.some((q) => q.label === 1);
    const dropped = new Set(r.dropped);
    for (const q of quotes) {
      const pred = dropped.has(q.source);
      if (q.label === 1) pred ? s.tp++ : s.fn++;
      else pred ? s.fp++ : s.tn++;
    }
    if (r.price === null) {
      s.refused++;
      if (isAttacked) s.attackedRefused++;
      continue;
    }
    const e = deviationBps(r.price, t);
    s.all.push(e);
    if (isAttacked) s.attacked.push(e);
    if (e > BAD_ROUND_BPS) s.over++;
  }
  return s;
}

/** Metrics of one or several (pooled) scored results. */
export function summarize(list: readonly ScoreSamples[]): Metrics {
  const sum = (k: "rounds" | "refused" | "attackedRefused" | "over" | "tp" | "fp" | "fn" | "tn") => list.reduce((a, s) => a + s[k], 0);
  const [tp, fp, fn, tn] = [sum("tp"), sum("fp"), sum("fn"), sum("tn")];
  return {
    rounds: sum("rounds"),
    refused: sum("refused"),
    roundsOver100Bps: sum("over"),
    all: stats(list.flatMap((s) => s.all)),
    attacked: { ...stats(list.flatMap((s) => s.attacked)), refused: sum("attackedRefused") },
    precision: tp + fp ? tp / (tp + fp) : Number.NaN,
    recall: tp + fn ? tp / (tp + fn) : Number.NaN,
    falsePositiveRate: fp + tn ? fp / (fp + tn) : Number.NaN,
    tp,
    fp,
    fn,
    tn,
  };
}

function f(x: number, digits = 2): string {
  return Number.isNaN(x) ? "-" : x.toFixed(digits);
}

/** The metrics of several filters side by side, as a markdown table. */
export function formatMetricsTable(columns: { name: string; m: Metrics }[]): string {
  const rows: [string, (m: Metrics) => string][] = [
    ["rounds", (m) => String(m.rounds)],
    ["refused", (m) => String(m.refused)],
    ["rounds > 100 bps", (m) => String(m.roundsOver100Bps)],
    ["error all: mean bps", (m) => f(m.all.mean)],
    ["error all: p99 bps", (m) => f(m.all.p99)],
    ["error all: max bps", (m) => f(m.all.max)],
    ["attacked rounds (refused)", (m) => `${m.attacked.rounds + m.attacked.refused} (${m.attacked.refused})`],
    ["error attacked: mean bps", (m) => f(m.attacked.mean)],
    ["error attacked: p99 bps", (m) => f(m.attacked.p99)],
    ["error attacked: max bps", (m) => f(m.attacked.max)],
    ["precision", (m) => f(m.precision, 3)],
    ["recall", (m) => f(m.recall, 3)],
    ["false-positive rate %", (m) => f(m.falsePositiveRate * 100, 3)],
  ];
  const head = `| metric | ${columns.map((c) => c.name).join(" | ")} |`;
  const sep = `|---|${columns.map(() => "---:").join("|")}|`;
  return [head, sep, ...rows.map(([name, get]) => `| ${name} | ${columns.map((c) => get(c.m)).join(" | ")} |`)].join("\n");
}
