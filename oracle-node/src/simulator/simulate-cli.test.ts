import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

/** `oracle-node simulate` as a process: prints its URLs as one JSON line, serves, exits 0 on SIGTERM. */
const MAIN = "oracle-node/src/cli/main.ts";
/** tsx start-up plus module loading on a busy 2-core machine. */
const START_TIMEOUT_MS = 30_000;

function run(args: string[]): ChildProcessWithoutNullStreams {
  // The tsx binary itself (not npx): it relays SIGINT/SIGTERM to the node process it runs.
  return spawn("node_modules/.bin/tsx", [MAIN, ...args], { cwd: process.cwd(), env: { ...process.env, LOG_LEVEL: "silent" } });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error("no output from simulate")), START_TIMEOUT_MS);
    rl.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`simulate exited early with ${code}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("oracle-node simulate", () => {
  it("--model prints one JSON line with the base URLs, serves them, and exits 0 on SIGTERM", async () => {
    const child = run(["simulate", "--model", "--port", "0", "--seed", "4", "--rate-limits", "off"]);
    const info = JSON.parse(await firstLine(child)) as { url: string; mode: string; baseUrls: Record<string, string> };
    expect(info.mode).toBe("model");
    expect(info.baseUrls.binance).toBe(`${info.url}/binance`);
    const res = await fetch(`${info.baseUrls.binance}/api/v3/ticker/price?symbol=BTCUSDT`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { symbol: string }).symbol).toBe("BTCUSDT");
    const done = exitCode(child);
    child.kill("SIGTERM");
    expect(await done).toBe(0);
  });

  it("--scenario replays a quotes file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simulate-cli-"));
    const file = join(dir, "x.quotes.csv");
    writeFileSync(
      file,
      "timestamp,source,price,bid,ask,volume,label\n1709251200,coinbase,62355.74,62352.79,62359.68,6015.3872,0\n1709251210,coinbase,62331.70,62327.44,62337.31,6016.4624,0\n",
    );
    const child = run(["simulate", "--scenario", file, "--pair", "BTC/USD", "--speed", "0.001"]);
    const info = JSON.parse(await firstLine(child)) as { url: string; mode: string };
    expect(info.mode).toBe("scenario");
    const res = await fetch(`${info.url}/coinbase/products/BTC-USD/ticker`);
    expect(((await res.json()) as { price: string }).price).toBe("62355.74");
    const done = exitCode(child);
    child.kill("SIGINT");
    expect(await done).toBe(0);
  });

  it("exits 2 without exactly one of --model / --scenario", async () => {
    const child = run(["simulate", "--port", "0"]);
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err).toContain("exactly one of --model or --scenario");
  });

  it("exits 1 with the reason when the scenario file cannot be read", async () => {
    const child = run(["simulate", "--scenario", "/nonexistent/x.quotes.csv"]);
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    expect(await exitCode(child)).toBe(1);
    expect(err).toContain("cannot read scenario");
  });
});
