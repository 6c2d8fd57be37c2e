import type { Fixed } from "../../oracle-node/src/quotes/decimal";
import type { Quote } from "../../oracle-node/src/quotes/quote";
import { median } from "../../oracle-node/src/aggregate/median";
import { computeFeatures, NUM_FEATURES, updateHistory, viewRound } from "../../oracle-node/src/filter/features";
import { prepareRound } from "../../oracle-node/src/filter/prepare";
import { FilterState } from "../../oracle-node/src/filter/state";
import type { Scenario, SimRow } from "./market";
import { Rng } from "../../oracle-node/src/simulator/rng";
import { toQuote } from "../../oracle-node/src/backtest/run-backtest";

/** The node refuses with fewer trusted quotes than this (the backtest default); training mirrors it. */
export const TRAINING_MIN_SOURCES = 3;
/** Share of scenarios that get a window where the node refused (anchor goes stale), and its length. */
const BLACKOUT_PROB = 0.3;
const BLACKOUT_ROUNDS: readonly [number, number] = [5, 100];

/** Feature rows with labels and weights, ready for the trainer. */
export interface Dataset {
  x: Float32Array;
  y: Uint8Array;
  w: Float32Array;
  /** Attack family (or "honest") of each row, for per-family reports. */
  family: string[];
  rows: number;
}

export function rowToQuote(r: Pick<SimRow, "source" | "price" | "bid" | "ask" | "volume">, pair: string, at: number): Quote {
  const q = toQuote(r, pair, at);
  if (typeof q === "string") throw new Error(`generator produced an unparsable row for ${r.source}: ${q}`);
  return q;
}

/**
 * Turns simulated scenarios into feature rows with the exact code the node runs (prepareRound,
 * computeFeatures, updateHistory). History is built as an ideal filter would: the labelled-honest
 * quotes are the ones kept and their median is the accepted answer, refused (null) when fewer than
 * TRAINING_MIN_SOURCES are honest or inside a simulated refusal window.
 */
export function buildDataset(scenarios: readonly Scenario[], seed = 1): Dataset {
  const rng = new Rng(seed);
  let cap = 1 << 16;
  let x = new Float32Array(cap * NUM_FEATURES);
  let y = new Uint8Array(cap);
  let w = new Float32Array(cap);
  const family: string[] = [];
  let rows = 0;
  for (const sc of scenarios) {
    const state = new FilterState();
    const hist = state.feed(sc.name);
    // A stretch where the node refused: the anchor ages, as it does live after a long attack.
    const blackout = rng.chance(BLACKOUT_PROB);
    const bLen = rng.int(BLACKOUT_ROUNDS[0], BLACKOUT_ROUNDS[1]);
    const bStart = rng.int(0, Math.max(0, sc.rounds.length - bLen));
    for (let t = 0; t < sc.rounds.length; t++) {
      const round = sc.rounds[t];
      const now = round.ts * 1000;
      const bySource = new Map(round.rows.map((r) => [r.source, r]));
      const { valid } = prepareRound(
        round.rows.map((r) => rowToQuote(r, sc.name, now)),
        now,
      );
      if (valid.length === 0) continue;
      if (rows + valid.length > cap) {
        cap *= 2;
        const nx = new Float32Array(cap * NUM_FEATURES);
        nx.set(x);
        x = nx;
        const ny = new Uint8Array(cap);
        ny.set(y);
        y = ny;
        const nw = new Float32Array(cap);
        nw.set(w);
        w = nw;
      }
      const view = viewRound(valid);
      computeFeatures(valid, view, hist, x, rows);
      const kept: boolean[] = [];
      const keptPrices: Fixed[] = [];
      valid.forEach((q, i) => {
        const r = bySource.get(q.source)!;
        y[rows + i] = r.label;
        w[rows + i] = r.weight;
        family.push(r.family);
        kept.push(r.label === 0);
        if (r.label === 0) keptPrices.push(q.price);
      });
      rows += valid.length;
      const refused = keptPrices.length < TRAINING_MIN_SOURCES || (blackout && t >= bStart && t < bStart + bLen);
      updateHistory(hist, valid, view, kept, refused ? null : median(keptPrices));
    }
  }
  return { x: x.subarray(0, rows * NUM_FEATURES), y: y.subarray(0, rows), w: w.subarray(0, rows), family, rows };
}
