import { parseDecimal } from "../oracle-node/src/quotes/decimal";
import type { Quote } from "../oracle-node/src/quotes/quote";
import { computeFeatures, NUM_FEATURES, viewRound } from "../oracle-node/src/filter/features";
import { OnnxScorer } from "../oracle-node/src/filter/onnx-scorer";
import { createFilter, DEFAULT_MODEL_PATH, type FeedRoundInput } from "../oracle-node/src/filter/pipeline";
import { FilterState } from "../oracle-node/src/filter/state";
import { parseQuotesCsv } from "../oracle-node/src/backtest/csv";
import { runBacktest } from "../oracle-node/src/backtest/run-backtest";
import { simulateScenario } from "../models/generator/market";
import { scenarioToCsv } from "../models/generator/to-csv";
import { Rng } from "../oracle-node/src/simulator/rng";
import { writeCardSection } from "../models/card";
import os from "node:os";

/**
 * `npm run bench:model`: the filter's cost in the node. One round of FEEDS feeds x SOURCES
 * sources: features + one batched inference + median (the whole RoundFilter.run), features alone
 * and inference alone; then the backtest's rounds per second per filter. Prints a table and
 * writes it into models/MODEL_CARD.md (skip with --no-card).
 */
const FEEDS = 100;
const SOURCES = 10;
/** Rounds of history before timing, so every source has warm EWMA normals. */
const WARM_ROUNDS = 30;
const TIMED_ROUNDS = 300;
const BACKTEST_ROUNDS = 2000;

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function makeRound(rng: Rng, t: number, levels: number[]): FeedRoundInput[] {
  return levels.map((level, f) => {
    const quotes: Quote[] = [];
    for (let s = 0; s < SOURCES; s++) {
      const p = level * (1 + 0.0003 * rng.normal());
      quotes.push({
        source: `venue${s}`,
        pair: `F${f}/USD`,
        price: parseDecimal(p.toFixed(4)),
        bid: parseDecimal((p * 0.9999).toFixed(4)),
        ask: parseDecimal((p * 1.0001).toFixed(4)),
        volume: parseDecimal((1000 * (s + 1) * (1 + 0.001 * t)).toFixed(3)),
        receivedAt: t,
      });
    }
    return { feedId: `F${f}/USD`, quotes, minSources: 3, now: 1_700_000_000_000 + t * 10_000 };
  });
}

async function main(): Promise<void> {
  const rng = new Rng(1);
  const levels = Array.from({ length: FEEDS }, () => rng.logUniform(0.01, 50_000));
  const filter = await createFilter({ kind: "onnx" });
  const scorer = await OnnxScorer.load(DEFAULT_MODEL_PATH);
  const state = new FilterState();
  for (let t = 0; t < WARM_ROUNDS; t++) await filter.run(makeRound(rng, t, levels), state);

  const full: number[] = [];
  const feats: number[] = [];
  const infer: number[] = [];
  const x = new Float32Array(FEEDS * SOURCES * NUM_FEATURES);
  for (let t = WARM_ROUNDS; t < WARM_ROUNDS + TIMED_ROUNDS; t++) {
    const round = makeRound(rng, t, levels);
    const a = performance.now();
    let row = 0;
    for (const f of round) {
      computeFeatures(f.quotes, viewRound(f.quotes), state.feed(f.feedId), x, row);
      row += f.quotes.length;
    }
    const b = performance.now();
    await scorer.score(x, row);
    const c = performance.now();
    await filter.run(round, state);
    const d = performance.now();
    feats.push(b - a);
    infer.push(c - b);
    full.push(d - c);
  }
  await scorer.close();
  const rows: [string, number[]][] = [
    [`full round: validation + features + inference + median (${FEEDS} feeds x ${SOURCES} sources)`, full],
    ["features alone", feats],
    [`inference alone (one batch of ${FEEDS * SOURCES} rows)`, infer],
  ];
  const out = ["| stage | p50 ms | p99 ms |", "|---|---:|---:|"];
  for (const [name, v] of rows) {
    const s = v.slice().sort((p, q) => p - q);
    out.push(`| ${name} | ${pct(s, 0.5).toFixed(3)} | ${pct(s, 0.99).toFixed(3)} |`);
  }

  const sc = simulateScenario(5150, { rounds: BACKTEST_ROUNDS });
  const rounds = parseQuotesCsv(scenarioToCsv(sc).quotes);
  const sources = rounds.reduce((a, r) => a + r.rows.length, 0) / rounds.length;
  out.push("", `| backtest (${rounds.length} rounds, ${sources.toFixed(1)} sources/round) | rounds/s |`, "|---|---:|");
  for (const kind of ["onnx", "mad", "none"] as const) {
    const f = kind === "onnx" ? filter : await createFilter({ kind });
    const a = performance.now();
    await runBacktest(rounds, f);
    const secs = (performance.now() - a) / 1000;
    out.push(`| ${kind} | ${(rounds.length / secs).toFixed(0)} |`);
  }
  await filter.close();
  const text = out.join("\n");
  process.stdout.write(text + "\n");
  if (!process.argv.includes("--no-card")) {
    writeCardSection(
      "bench",
      `\`npm run bench:model\` on this machine (${os.cpus().length} cores, shared), ${TIMED_ROUNDS} timed rounds after ${WARM_ROUNDS} warm-up rounds:\n\n${text}`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:model failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
