import { readFileSync, writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { parseQuotesCsv, formatResultCsv } from "../../backtest/csv";
import { DEFAULT_BACKTEST_MIN_SOURCES, runBacktest } from "../../backtest/run-backtest";
import { createFilter, type FilterKind } from "../../filter/pipeline";
import { positiveInt } from "../option-parsers";

/** `oracle-node backtest`: replays a FORMAT.md quotes file through the live filter, round by round. */
export function register(program: Command): void {
  program
    .command("backtest")
    .description("replay a scenario's quotes through the node's filter and median; write one row per round")
    .requiredOption("--quotes <file>", "scenario quotes CSV (FORMAT.md); its label column is never read")
    .requiredOption("--out <file>", "result CSV to write: timestamp,price,used,dropped")
    .addOption(new Option("--filter <kind>", "onnx (the trained model), mad or none (baselines)").choices(["onnx", "mad", "none"]).default("onnx"))
    .option("--model <file>", "ONNX model (default: models/anomaly-detector.onnx)")
    .option("--threshold <p>", "score threshold (default: the model's meta file)", Number)
    .option("--min-sources <n>", "refuse a round with fewer surviving quotes", positiveInt, DEFAULT_BACKTEST_MIN_SOURCES)
    .action(async (o: { quotes: string; out: string; filter: FilterKind; model?: string; threshold?: number; minSources: number }) => {
      const rounds = parseQuotesCsv(readFileSync(o.quotes, "utf8"));
      const filter = await createFilter({ kind: o.filter, modelPath: o.model, threshold: o.threshold });
      const t0 = performance.now();
      try {
        const rows = await runBacktest(rounds, filter, { minSources: o.minSources });
        writeFileSync(o.out, formatResultCsv(rows));
        const refused = rows.filter((r) => r.price === null).length;
        const secs = (performance.now() - t0) / 1000;
        process.stdout.write(`backtest (${o.filter}): ${rows.length} rounds, ${refused} refused, ${(rows.length / secs).toFixed(0)} rounds/s -> ${o.out}\n`);
      } finally {
        await filter.close();
      }
    });
}
