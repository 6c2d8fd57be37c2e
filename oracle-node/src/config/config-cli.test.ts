import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `oracle-node config check FILE` as a user runs it. */
function check(file: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("node_modules/.bin/tsx", ["oracle-node/src/cli/main.ts", "config", "check", file], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "config-check-")), "node.yaml");
  writeFileSync(path, text);
  return path;
}

describe("oracle-node config check", () => {
  it("prints ok with the feed and source counts and exits 0 on a valid file", () => {
    const r = check("config/local.yaml");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok: 6 feeds, 19 sources\n");
  });

  it("warns (exit 0) about files the node will read that do not exist yet, resolved against the config's directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "config-check-"));
    writeFileSync(join(dir, "key.json"), "{}");
    const file = join(dir, "node.yaml");
    writeFileSync(
      file,
      [
        "node:",
        "  keystore: { path: key.json, passwordFile: pw.txt }",
        "  chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 1, addressesFile: deployed.json }",
        "  filter: { kind: mad }",
        "feeds:",
        "  - { id: A, description: a, decimals: 8, pair: BTC/USD, sources: [{ id: okx }], minSources: 1, deviationThresholdBps: 10, heartbeatSeconds: 60 }",
      ].join("\n"),
    );
    const r = check(file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok: 1 feeds, 1 sources\n");
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
    expect(warnings).toEqual([
      `warning: node.keystore.passwordFile: ${join(dir, "pw.txt")} does not exist (yet)`,
      `warning: node.chain.addressesFile: ${join(dir, "deployed.json")} does not exist (yet)`,
    ]);
  });

  it("prints every problem with its path and exits 1 on an invalid file", () => {
    const file = tempFile(
      [
        "node:",
        "  keystore: { path: k.json, passwordEnv: PW, password: hunter2 }",
        "  chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 1, aggregator: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }",
        "feeds:",
        "  - { id: A, description: a, decimals: 8, pair: BTC/USD, sources: [{ id: binanse }], minSources: 1, deviationThresholdBps: 10, heartbeatSeconds: 60, extra: 1 }",
      ].join("\n"),
    );
    const r = check(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("invalid config, 3 problem(s)");
    expect(r.stderr).toContain(`feeds[0].sources[0].id: unknown source "binanse"`);
    expect(r.stderr).toContain("node.keystore.password: never put a password in the config");
    expect(r.stderr).toContain("feeds[0].extra: unknown key");
    expect(r.stderr).not.toContain("hunter2");
  });

  it("names an unset environment variable and exits 1", () => {
    const r = check("config/mainnet.yaml", { RPC_URL: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("node.chain.rpcUrl: environment variable RPC_URL is not set");
  });

  it("exits 1 on a file that does not exist", () => {
    const r = check("/nonexistent/node.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read the file: ENOENT");
  });
});
