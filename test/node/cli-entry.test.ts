import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The `oracle-node` bin runs whatever path npm starts it through. npm never runs
 * `oracle-node/bin/oracle-node.js` by that name: `npx`, `npm run`, a global install all go through a
 * symlink `node_modules/.bin/oracle-node`, so `process.argv[1]` ends in `oracle-node`.
 * Offline: the scratch install links the repository instead of fetching anything.
 */
const REPO = join(__dirname, "..", "..");
const BIN = join(REPO, "oracle-node", "bin", "oracle-node.js");
const USAGE = "Usage: oracle-node [options] [command]";

let scratch: string;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      // Offline and quiet: npx must find the local bin, never ask the registry.
      env: { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false", npm_config_cache: join(scratch, ".npm") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "oracle-cli-entry-"));
  // A scratch project that depends on the package, laid out as `npm install` lays it out.
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({ name: "scratch", version: "1.0.0", private: true, dependencies: { "ai-oracle-network": "*" } }),
  );
  mkdirSync(join(scratch, "node_modules", ".bin"), { recursive: true });
  symlinkSync(REPO, join(scratch, "node_modules", "ai-oracle-network"), "dir");
  symlinkSync(join("..", "ai-oracle-network", "oracle-node", "bin", "oracle-node.js"), join(scratch, "node_modules", ".bin", "oracle-node"));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("oracle-node bin entry", () => {
  it("prints the usage when started through a symlink named oracle-node", async () => {
    const link = join(scratch, "oracle-node");
    symlinkSync(BIN, link);
    const r = await run(link, ["--help"], scratch);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toContain(USAGE);
    expect(r.stdout).toContain("start");
    expect(r.code).toBe(0);
  }, 60_000);

  it("prints the usage through `npx oracle-node --help` in a project that installed the package", async () => {
    const r = await run("npx", ["--no-install", "oracle-node", "--help"], scratch);
    expect(r.stdout).toContain(USAGE);
    expect(r.code).toBe(0);
  }, 60_000);

  it("exits 2 with the usage on an unknown command through the symlink", async () => {
    const r = await run(join(scratch, "node_modules", ".bin", "oracle-node"), ["no-such-command"], scratch);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command");
  }, 60_000);
});
