import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parseLabels, parseQuotesCsv, parseResultCsv, parseTruthCsv } from "../../backtest/csv";
import { DEFAULT_BACKTEST_MIN_SOURCES, runBacktest } from "../../backtest/run-backtest";
import { formatMetricsTable, scoreResult, type Metrics } from "../../backtest/score";
import { createFilter } from "../../filter/pipeline";
import { positiveInt } from "../option-parsers";

/** `oracle-node score`: FORMAT.md's metrics for a backtest result and for the mad / none baselines. */
export function register(program: Command): void {
  program
    .command("score")
    .description("score a backtest result against the truth, next to the mad and none baselines")
    .requiredOption("--quotes <file>", "scenario quotes CSV with its label column")
    .requiredOption("--truth <file>", "scenario truth CSV")
    .requiredOption("--result <file>", "backtest result CSV")
    .option("--min-sources <n>", "min sources for the baseline backtests", positiveInt, DEFAULT_BACKTEST_MIN_SOURCES)
    .option("--json", "print the metrics as JSON instead of a table")
    .action(async (o: { quotes: string; truth: string; result: string; minSources: number; json?: boolean }) => {
      const quotesText = readFileSync(o.quotes, "utf8");
      const labels = parseLabels(quotesText);
      const truth = parseTruthCsv(readFileSync(o.truth, "utf8"));
      const result = parseResultCsv(readFileSync(o.result, "utf8"));
      const rounds = parseQuotesCsv(quotesText);
      if (result.length !== rounds.length) {
        throw new Error(`result has ${result.length} rows but the quotes file has ${rounds.length} rounds`);
      }
      const columns: { name: string; m: Metrics }[] = [{ name: "result", m: scoreResult(labels, truth, result) }];
      for (const kind of ["mad", "none"] as const) {
        const filter = await createFilter({ kind });
        const rows = await runBacktest(rounds, filter, { minSources: o.minSources });
        columns.push({ name: kind, m: scoreResult(labels, truth, rows) });
      }
      if (o.json) process.stdout.write(JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, c.m])), null, 2) + "\n");
      else process.stdout.write(formatMetricsTable(columns) + "\n");
    });
}
