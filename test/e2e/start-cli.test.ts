import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { setupCommittee, writeNodeConfig, PASSWORD_ENV, TEST_PASSWORD, type Committee } from "./harness/committee";

/** `oracle-node start` refuses to run on a bad config or a key the committee does not know. */
const REPO = join(__dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "oracle-start-"));
let c: Committee;

/** Runs `oracle-node start` to its exit (asynchronously: the test's in-process chain must keep answering). */
function start(config: string, extra: string[] = []): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "oracle-node/src/cli/main.ts"), "start", "--config", config, ...extra], {
      cwd: REPO,
      env: { ...process.env, [PASSWORD_ENV]: TEST_PASSWORD, LOG_LEVEL: "silent" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

beforeAll(async () => {
  c = await setupCommittee({
    n: 4,
    f: 1,
    feeds: [{ id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: ["binance", "kraken", "coinbase"], deviationBps: 50, heartbeatSec: 3600 }],
  });
}, 120_000);

afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("oracle-node start", () => {
  it("has no fault switch: a test fault can only be installed by test/support/faulty-node.ts", async () => {
    const path = await writeNodeConfig(c, 0, join(dir, "faults"));
    const r = await start(path, ["--test-fault", "byzantine"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option");
  }, 60_000);

  it("exits 1 and names the bad key path on an invalid config", async () => {
    const path = await writeNodeConfig(c, 0, dir);
    const cfg = parse(readFileSync(path, "utf8")) as { feeds: Array<{ minSources: number }> };
    cfg.feeds[0].minSources = 9;
    writeFileSync(path, stringify(cfg));
    const r = await start(path);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("feeds[0].minSources");
  }, 60_000);

  it("exits 1 when its key is not a signer of the aggregator's committee", async () => {
    const outsider = { ...c, keys: [...c.keys, c.chain.accounts[15]], ports: [...c.ports, c.ports[0]] };
    const path = await writeNodeConfig(outsider, 4, join(dir, "outsider"));
    const r = await start(path);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not a signer/);
  }, 60_000);
});
