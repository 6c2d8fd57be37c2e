import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { simulateScenario } from "../../../models/generator/market";
import { scenarioToCsv } from "../../../models/generator/to-csv";
import { parseQuotesCsv, parseResultCsv } from "./csv";

const BIN = join(__dirname, "..", "..", "bin", "oracle-node.js");

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("oracle-node backtest / score", () => {
  let dir: string;
  let quotes: string;
  let truth: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "backtest-cli-"));
    // A small generated scenario with a single-venue spike (seeded, so the test is deterministic).
    const sc = simulateScenario(99, { rounds: 120, kind: "random" });
    const csv = scenarioToCsv(sc);
    quotes = join(dir, "s.quotes.csv");
    truth = join(dir, "s.truth.csv");
    writeFileSync(quotes, csv.quotes);
    writeFileSync(truth, csv.truth);
  });

  it("writes one FORMAT.md row per round for each filter", () => {
    const rounds = parseQuotesCsv(readFileSync(quotes, "utf8"));
    for (const filter of ["onnx", "mad", "none"]) {
      const out = join(dir, `r-${filter}.csv`);
      const r = cli("backtest", "--quotes", quotes, "--out", out, "--filter", filter);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`backtest \\(${filter}\\): ${rounds.length} rounds`));
      const text = readFileSync(out, "utf8");
      expect(text.split("\n")[0]).toBe("timestamp,price,used,dropped");
      const rows = parseResultCsv(text);
      expect(rows.map((x) => x.timestamp)).toEqual(rounds.map((x) => x.timestamp));
      for (const row of rows) {
        if (row.price !== null) expect(row.used).toBeGreaterThanOrEqual(3);
        expect(row.dropped).toEqual([...row.dropped].sort());
      }
      if (filter === "none") expect(rows.every((x) => x.dropped.length === 0 || x.price !== null)).toBe(true);
    }
  });

  it("never reads the label column: flipping every label changes nothing", () => {
    const flipped = join(dir, "flipped.quotes.csv");
    writeFileSync(
      flipped,
      readFileSync(quotes, "utf8").replace(/,([01])$/gm, (_, l: string) => `,${l === "1" ? "0" : "1"}`),
    );
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    expect(cli("backtest", "--quotes", quotes, "--out", a).code).toBe(0);
    expect(cli("backtest", "--quotes", flipped, "--out", b).code).toBe(0);
    expect(readFileSync(b, "utf8")).toBe(readFileSync(a, "utf8"));
  });

  it("scores a result next to the mad and none baselines", () => {
    const out = join(dir, "r-onnx.csv");
    const r = cli("score", "--quotes", quotes, "--truth", truth, "--result", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\| metric \| result \| mad \| none \|/);
    expect(r.out).toMatch(/false-positive rate %/);
  });

  it("exits 2 on a usage error and 1 on an unreadable file", () => {
    expect(cli("backtest", "--quotes", quotes, "--out", join(dir, "x.csv"), "--filter", "magic").code).toBe(2);
    const r = cli("backtest", "--quotes", join(dir, "nope.csv"), "--out", join(dir, "x.csv"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.csv/);
  });
});
