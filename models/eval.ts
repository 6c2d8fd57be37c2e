import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseLabels, parseQuotesCsv, parseTruthCsv } from "../oracle-node/src/backtest/csv";
import { runBacktest } from "../oracle-node/src/backtest/run-backtest";
import { collectScore, summarize, type Metrics, type ScoreSamples } from "../oracle-node/src/backtest/score";
import { createFilter, type FilterKind, type RoundFilter } from "../oracle-node/src/filter/pipeline";
import { HELDOUT_PROFILE, simulateScenario, TRAIN_PROFILE, type ScenarioOptions } from "./generator/market";
import { HELDOUT_SLOW_PROFILE, TRAIN_SLOW_PROFILE } from "./generator/families";
import { scenarioToCsv } from "./generator/to-csv";
import { injectPump, type PumpInjection } from "./generator/inject";
import { writeCardSection } from "./card";

/**
 * `npm run model:eval`: backtests the five public scenarios and a held-out generated set with
 * onnx, mad and none through the live pipeline, scores them as FORMAT.md says, checks the targets
 * of the issue, prints the tables and writes them into MODEL_CARD.md between markers.
 * Options: `--write-heldout DIR` also writes the held-out scenarios as CSV files; `--model FILE`
 * evaluates another model; `--no-card` leaves MODEL_CARD.md alone; `--only REGEX` runs only the
 * held-out groups whose name matches (no public or injected tables, card untouched);
 * `--no-liquid-guard` / `--no-deep-split` / `--no-lag-guard` run the model without that guard (to measure it; card
 * untouched); `--design` runs the held-out groups on training seeds (DESIGN_SEED+) with the training
 * profiles instead, where the guards' constants are checked (card untouched).
 */

const PUBLIC_DIR = join(__dirname, "..", "..", "shared", "scenarios");
const PUBLIC = ["calm-btc", "genuine-crash", "one-venue-flash-crash", "single-venue-spike", "stale-venues"];
const FILTERS: FilterKind[] = ["onnx", "mad", "none"];
/** Held-out seeds: far from the training (20,261,129+) and validation (+1,000,000) ranges. */
const HELDOUT_SEED = 7_000_000;
/** `--design`: training seeds (the generator's training range, past the 280 training scenarios' own). */
const DESIGN_SEED = 30_261_129;
/**
 * `goal`: what the group must show beyond FPR < 1 %. "attack": attacked-round mean error below
 * both baselines' (and at most `maxAttackedMeanBps`); "genuine": no more refused rounds than the
 * plain median and all-round error within the tolerance of the median's (no lag).
 */
interface HeldoutGroup {
  name: string;
  count: number;
  opts: ScenarioOptions;
  goal?: "attack" | "genuine";
  maxAttackedMeanBps?: number;
}
const SLOW = { rounds: 500, profile: HELDOUT_PROFILE, slowProfile: HELDOUT_SLOW_PROFILE } as const;
const HELDOUT_GROUPS: HeldoutGroup[] = [
  { name: "thin-token pump on most venues", count: 6, opts: { kind: "thin-pump", rounds: 500, profile: HELDOUT_PROFILE } },
  { name: "genuine crash / rally", count: 4, opts: { kind: "genuine-crash", rounds: 500, profile: HELDOUT_PROFILE } },
  { name: "mixed attacks and market moves", count: 14, opts: { kind: "random", rounds: 500, profile: HELDOUT_PROFILE } },
  { name: "slow ramp +25 % / 100 min on most thin venues", count: 6, opts: { kind: "slow-ramp", ...SLOW }, goal: "attack", maxAttackedMeanBps: 100 },
  { name: "sources mirroring the market 2-5 min late in a trend", count: 6, opts: { kind: "late-mirror", ...SLOW }, goal: "attack" },
  { name: "genuine rally +35 % in 15 min, thin venues lagging", count: 6, opts: { kind: "fast-rally", ...SLOW }, goal: "genuine" },
  { name: "genuine stablecoin depeg to 0.87, partial recovery", count: 6, opts: { kind: "depeg", ...SLOW }, goal: "genuine" },
  { name: "slow ramp on most thin venues and one of the two liquid ones", count: 6, opts: { kind: "slow-ramp-one-deep", ...SLOW } },
  { name: "slow ramp on the two liquid venues only", count: 6, opts: { kind: "deep-ramp", ...SLOW } },
];
/** Evaluation-only stress: coordinated pumps injected into public scenarios (rounds 40-55 %). */
const INJECTED_SCENARIOS = ["calm-btc", "stale-venues", "genuine-crash"];
const INJECTIONS: { name: string; inj: PumpInjection }[] = [
  { name: "5 venues x2, spread x5, volume x5", inj: { venues: 5, factor: 2, spreadX: 5, volumeX: 5, ramp: 0, from: 0.4, to: 0.55 } },
  { name: "5 venues x2 ramped over 60 rounds, spread x5, volume x5", inj: { venues: 5, factor: 2, spreadX: 5, volumeX: 5, ramp: 60, from: 0.4, to: 0.55 } },
  { name: "4 venues x2, spread x3, volume x3", inj: { venues: 4, factor: 2, spreadX: 3, volumeX: 3, ramp: 0, from: 0.4, to: 0.55 } },
  { name: "5 venues x0.5, spread x5, volume x5", inj: { venues: 5, factor: 0.5, spreadX: 5, volumeX: 5, ramp: 0, from: 0.4, to: 0.55 } },
  { name: "5 venues x2, price only (book and volume untouched)", inj: { venues: 5, factor: 2, spreadX: 1, volumeX: 1, ramp: 0, from: 0.4, to: 0.55 } },
  { name: "3 venues x1.5, spread x3, volume x3", inj: { venues: 3, factor: 1.5, spreadX: 3, volumeX: 3, ramp: 0, from: 0.4, to: 0.55 } },
];
/** Issue 4's target: attacked-round error within 10 % (or 1 bp) of the better baseline. */
const ERROR_TOLERANCE = 0.1;
const ERROR_TOLERANCE_BPS = 1;
const MAX_FPR = 0.01;

interface Loaded {
  name: string;
  quotes: string;
  truth: string;
}

async function scoreScenario(sc: Loaded, filters: Record<FilterKind, RoundFilter>): Promise<Record<FilterKind, ScoreSamples>> {
  const rounds = parseQuotesCsv(sc.quotes);
  const labels = parseLabels(sc.quotes);
  const truth = parseTruthCsv(sc.truth);
  const out = {} as Record<FilterKind, ScoreSamples>;
  for (const k of FILTERS) out[k] = collectScore(labels, truth, await runBacktest(rounds, filters[k]));
  return out;
}

function n(x: number, d = 2): string {
  return Number.isNaN(x) ? "-" : x.toFixed(d);
}

function table(rows: { scenario: string; m: Record<FilterKind, Metrics> }[]): string {
  const out = [
    "| scenario | filter | attacked rounds (refused) | attacked err mean / p99 / max bps | all err mean / p99 / max bps | refused | > 100 bps | precision | recall | FPR % |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    for (const k of FILTERS) {
      const m = r.m[k];
      out.push(
        `| ${r.scenario} | ${k} | ${m.attacked.rounds + m.attacked.refused} (${m.attacked.refused}) | ${n(m.attacked.mean)} / ${n(m.attacked.p99)} / ${n(m.attacked.max)} | ${n(m.all.mean)} / ${n(m.all.p99)} / ${n(m.all.max)} | ${m.refused} | ${m.roundsOver100Bps} | ${n(m.precision, 3)} | ${n(m.recall, 3)} | ${n(m.falsePositiveRate * 100, 3)} |`,
      );
    }
  }
  return out.join("\n");
}

function within(model: number, best: number): boolean {
  if (Number.isNaN(best)) return Number.isNaN(model) || model <= ERROR_TOLERANCE_BPS;
  return model <= best * (1 + ERROR_TOLERANCE) || model <= best + ERROR_TOLERANCE_BPS;
}

function checks(scenario: string, m: Record<FilterKind, Metrics>): string[] {
  const fails: string[] = [];
  for (const key of ["mean", "p99", "max"] as const) {
    const best = Math.min(m.mad.attacked[key], m.none.attacked[key]);
    if (m.onnx.attacked.rounds > 0 && !within(m.onnx.attacked[key], best)) {
      fails.push(`${scenario}: attacked ${key} ${n(m.onnx.attacked[key])} bps vs best baseline ${n(best)}`);
    }
  }
  if (!(m.onnx.falsePositiveRate < MAX_FPR)) fails.push(`${scenario}: FPR ${n(m.onnx.falsePositiveRate * 100, 3)} %`);
  if (scenario === "genuine-crash") {
    for (const key of ["mean", "p99", "max"] as const) {
      if (!within(m.onnx.all[key], m.none.all[key])) fails.push(`${scenario}: all-round ${key} ${n(m.onnx.all[key])} bps vs median ${n(m.none.all[key])}`);
    }
    if (m.onnx.refused > m.none.refused) fails.push(`${scenario}: ${m.onnx.refused} refused rounds vs ${m.none.refused} for the median`);
  }
  return fails;
}

/** The issue-16 targets of a held-out group with a goal. */
function heldoutChecks(g: HeldoutGroup, m: Record<FilterKind, Metrics>): string[] {
  const fails: string[] = [];
  if (!g.goal) return fails;
  if (!(m.onnx.falsePositiveRate < MAX_FPR)) fails.push(`${g.name}: FPR ${n(m.onnx.falsePositiveRate * 100, 3)} %`);
  if (g.goal === "attack") {
    const best = Math.min(m.mad.attacked.mean, m.none.attacked.mean);
    if (!(m.onnx.attacked.mean < best)) fails.push(`${g.name}: attacked mean ${n(m.onnx.attacked.mean)} bps, not below the best baseline's ${n(best)}`);
    if (g.maxAttackedMeanBps !== undefined && !(m.onnx.attacked.mean <= g.maxAttackedMeanBps)) {
      fails.push(`${g.name}: attacked mean ${n(m.onnx.attacked.mean)} bps above ${g.maxAttackedMeanBps}`);
    }
  } else {
    if (m.onnx.refused > m.none.refused) fails.push(`${g.name}: ${m.onnx.refused} refused rounds vs ${m.none.refused} for the median`);
    for (const key of ["mean", "p99", "max"] as const) {
      if (!within(m.onnx.all[key], m.none.all[key])) fails.push(`${g.name}: all-round ${key} ${n(m.onnx.all[key])} bps vs median ${n(m.none.all[key])}`);
    }
  }
  return fails;
}

type Filters = Record<FilterKind, RoundFilter>;
type Row = { scenario: string; m: Record<FilterKind, Metrics> };

async function evalPublic(filters: Filters): Promise<{ text: string; fails: string[] }> {
  const rows: Row[] = [];
  const fails: string[] = [];
  for (const name of PUBLIC) {
    const sc = {
      name,
      quotes: readFileSync(join(PUBLIC_DIR, `${name}.quotes.csv`), "utf8"),
      truth: readFileSync(join(PUBLIC_DIR, `${name}.truth.csv`), "utf8"),
    };
    const s = await scoreScenario(sc, filters);
    const m = { onnx: summarize([s.onnx]), mad: summarize([s.mad]), none: summarize([s.none]) };
    rows.push({ scenario: name, m });
    fails.push(...checks(name, m));
  }
  const verdict = fails.length
    ? `Targets missed:\n${fails.map((f) => `- ${f}`).join("\n")}`
    : "All targets met (attacked-round error within 10 % or 1 bp of the better baseline, FPR < 1 %, genuine crash followed no worse than the median).";
  return { text: `Threshold ${filters.onnx.threshold}, min sources 3.\n\n${table(rows)}\n\n${verdict}`, fails };
}

/** The held-out groups (only those whose name matches `only`; seeds stay those of the full run). */
async function evalHeldout(filters: Filters, writeDir: string | null, only: RegExp | null, design: boolean): Promise<{ text: string; fails: string[] }> {
  if (writeDir) mkdirSync(writeDir, { recursive: true });
  const rows: Row[] = [];
  const fails: string[] = [];
  const seed0 = design ? DESIGN_SEED : HELDOUT_SEED;
  let seed = seed0;
  for (const g of HELDOUT_GROUPS) {
    if (only && !only.test(g.name)) {
      seed += g.count;
      continue;
    }
    const pooled: Record<FilterKind, ScoreSamples[]> = { onnx: [], mad: [], none: [] };
    for (let i = 0; i < g.count; i++) {
      const sim = simulateScenario(seed++, design ? { ...g.opts, profile: TRAIN_PROFILE, slowProfile: TRAIN_SLOW_PROFILE } : g.opts);
      const csv = scenarioToCsv(sim);
      if (writeDir) {
        writeFileSync(join(writeDir, `${sim.name}.quotes.csv`), csv.quotes);
        writeFileSync(join(writeDir, `${sim.name}.truth.csv`), csv.truth);
      }
      const s = await scoreScenario({ name: sim.name, ...csv }, filters);
      for (const k of FILTERS) pooled[k].push(s[k]);
    }
    const m = { onnx: summarize(pooled.onnx), mad: summarize(pooled.mad), none: summarize(pooled.none) };
    rows.push({ scenario: `${g.name} (${g.count} scenarios)`, m });
    fails.push(...heldoutChecks(g, m));
  }
  const verdict = fails.length
    ? `Targets missed:\n${fails.map((f) => `- ${f}`).join("\n")}`
    : "Issue 16 targets met: on the slow ramp and the late mirrors attacked mean error below both baselines (at most 100 bps on the ramp), FPR < 1 % in every slow group, the genuine rally and depeg answered with no more refusals than the median and no lag (all-round error within 10 % or 1 bp of the median's).";
  const profiles = design ? "TRAIN_PROFILE and TRAIN_SLOW_PROFILE (design check, not the held-out set)" : "HELDOUT_PROFILE and HELDOUT_SLOW_PROFILE";
  const text = `Generated by models/generator with ${profiles}, seeds ${seed0}-${seed - 1} (training uses 20261129+, validation 21261129+), 500 rounds each; metrics pooled per group.\n\n${table(rows)}\n\n${verdict}`;
  return { text, fails };
}

async function evalInjected(filters: Filters): Promise<string> {
  const rows: Row[] = [];
  for (const { name, inj } of INJECTIONS) {
    const pooled: Record<FilterKind, ScoreSamples[]> = { onnx: [], mad: [], none: [] };
    for (const sc of INJECTED_SCENARIOS) {
      const quotes = injectPump(readFileSync(join(PUBLIC_DIR, `${sc}.quotes.csv`), "utf8"), inj);
      const s = await scoreScenario({ name: sc, quotes, truth: readFileSync(join(PUBLIC_DIR, `${sc}.truth.csv`), "utf8") }, filters);
      for (const k of FILTERS) pooled[k].push(s[k]);
    }
    rows.push({ scenario: name, m: { onnx: summarize(pooled.onnx), mad: summarize(pooled.mad), none: summarize(pooled.none) } });
  }
  return `Each row pools ${INJECTED_SCENARIOS.join(", ")} with the pump injected into the first venues of the file for rounds 40-55 % (models/generator/inject.ts). Evaluation only.\n\n${table(rows)}`;
}

function argValue(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : null;
}

async function main(): Promise<void> {
  const modelPath = argValue("--model") ?? undefined;
  const onlyArg = argValue("--only");
  const only = onlyArg ? new RegExp(onlyArg, "i") : null;
  const filters = {} as Filters;
  const liquidGuard = !process.argv.includes("--no-liquid-guard");
  const lagGuard = !process.argv.includes("--no-lag-guard");
  const deepSplit = !process.argv.includes("--no-deep-split");
  const design = process.argv.includes("--design");
  for (const k of FILTERS) filters[k] = await createFilter({ kind: k, modelPath: k === "onnx" ? modelPath : undefined, liquidGuard, lagGuard, deepSplit });
  // A design check never looks at the public scenarios (evaluation data).
  const pub = only || design ? null : await evalPublic(filters);
  const held = await evalHeldout(filters, argValue("--write-heldout"), only, design);
  const injected = only || design ? null : await evalInjected(filters);
  for (const f of Object.values(filters)) await f.close();
  if (pub && injected && liquidGuard && lagGuard && deepSplit && !design && !process.argv.includes("--no-card")) {
    writeCardSection("eval-public", pub.text);
    writeCardSection("eval-heldout", held.text);
    writeCardSection("eval-injected", injected);
  }
  const parts = [
    pub && `## Public scenarios\n\n${pub.text}`,
    `## Held-out generated scenarios\n\n${held.text}`,
    injected && `## Public scenarios with injected pumps\n\n${injected}`,
  ];
  process.stdout.write(parts.filter(Boolean).join("\n\n") + "\n");
  if ((pub?.fails.length ?? 0) + held.fails.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`model:eval failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
