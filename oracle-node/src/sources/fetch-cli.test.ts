import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixtureServer, type FixtureServer } from "../../../test/support/sources/fixture-server";
import { loadFixture } from "../../../test/support/sources/fixtures";

/** `oracle-node fetch` end to end: a real process against a local server. */
const ROOT = join(__dirname, "..", "..", "..");
/** Seven `npx tsx` processes start in parallel: seconds each on a busy machine. */
const CLI_TIMEOUT_MS = 180_000;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["tsx", "oracle-node/src/cli/main.ts", "fetch", ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "silent", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // npx may warn about the project's .npmrc; that is npm talking, not the command.
    child.on("close", (code) => resolve({ code, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, "") }));
  });
}

let server: FixtureServer;
beforeAll(async () => {
  const gemini = loadFixture("gemini");
  const body = structuredClone(gemini.ok.body) as { volume: { timestamp: number } };
  body.volume.timestamp = Date.now() - 1_000; // fresh for the CLI's real clock
  const today = new Date().toISOString().slice(0, 10);
  server = await startFixtureServer((path) => {
    if (path === "/v1/pubticker/btcusd") return { status: 200, body };
    if (path === "/frankfurter/v1/latest?from=EUR&to=USD") return { status: 200, text: `{"amount":1.0,"base":"EUR","date":"${today}","rates":{"USD":1.0823}}` };
    if (path === "/v1/pubticker/hang") return { hang: true };
    if (path === "/v1/pubticker/limited")
      return { status: 429, headers: { "Retry-After": "30" }, body: { result: "error", reason: "RateLimited", message: "Requests were made too frequently." } };
    return { status: 400, body: { result: "error", reason: "InvalidSymbol", message: "Received unsupported symbol 'foousd'" } };
  });
});
afterAll(() => server.close());

describe("oracle-node fetch", () => {
  it(
    "prints one normalized JSON line and exits 0; classifies failures on stderr with exit 1; usage errors exit 2",
    async () => {
      const port = new URL(server.baseUrl).port;
      const [ok, unknown, timeout, usage, badPair, generic, limited] = await Promise.all([
        run(["--source", "gemini", "--pair", "BTC/USD", "--base-url", server.baseUrl]),
        run(["--source", "gemini", "--pair", "FOO/USD", "--base-url", server.baseUrl]),
        run(["--source", "gemini", "--pair", "BTC/USD", "--symbol", "hang", "--base-url", server.baseUrl, "--timeout-ms", "200", "--retries", "0"]),
        run(["--source", "nasdaq", "--pair", "BTC/USD"]),
        run(["--source", "gemini", "--pair", "BTCUSD"]),
        // A generic source from a node config, its base URL from the config's template.
        run(["--config", "config/local.yaml", "--source", "frankfurter", "--pair", "EUR/USD"], { SIM_PORT: port }),
        run(["--source", "gemini", "--pair", "BTC/USD", "--symbol", "limited", "--base-url", server.baseUrl]),
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      const lines = ok.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const q = JSON.parse(lines[0]) as Record<string, unknown>;
      expect(Object.keys(q)).toEqual(["source", "pair", "price", "bid", "ask", "volume", "timestamp"]);
      expect(q).toMatchObject({ source: "gemini", pair: "BTC/USD", price: "67124", bid: "67123.4", ask: "67125.1", volume: "2210.505328803" });
      expect(typeof q.timestamp).toBe("number");

      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe("");
      expect(unknown.stderr).toMatch(/^unknown-symbol: .*InvalidSymbol/m);

      expect(timeout.code).toBe(1);
      expect(timeout.stderr).toMatch(/^timeout: no answer within 200 ms/m);

      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/unknown source "nasdaq".*binance/);
      expect(badPair.code).toBe(2);
      expect(badPair.stderr).toMatch(/BASE\/QUOTE/);

      expect(limited.code).toBe(1);
      expect(limited.stderr.trim()).toMatch(/^rate-limited: rate limited \(429\)/);
      expect(limited.stderr.trim().split("\n")).toHaveLength(1);

      expect(generic.code, generic.stderr).toBe(0);
      expect(JSON.parse(generic.stdout)).toMatchObject({ source: "frankfurter", pair: "EUR/USD", price: "1.0823", bid: null, ask: null, volume: null });
    },
    CLI_TIMEOUT_MS,
  );
});
