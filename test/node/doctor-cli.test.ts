import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startLocalChain, type LocalChain } from "../../scripts/demo/chain";
import { startSimulator, type Simulator } from "../../oracle-node/src/simulator/simulator";
import { writeKeystore } from "../../oracle-node/src/keys/keystore";
import { runCli } from "./cli-run";

/**
 * `oracle-node deploy` and `oracle-node doctor` as an operator runs them: separate processes
 * against a real JSON-RPC server (Hardhat's, in this process) and the venue simulator.
 */
const PASSWORD = "doctor-test-password";
let chain: LocalChain;
let sim: Simulator;
let dir: string;
let signers: string[];

async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function writeConfig(name: string, over: { chainId?: number; keystore?: string; krakenUrl?: string; addressesFile?: string }): string {
  const cfg = {
    version: 1,
    node: {
      name,
      keystore: { path: over.keystore ?? join(dir, "node-0.json"), passwordEnv: "DOCTOR_PW" },
      chain: { rpcUrl: chain.url, chainId: over.chainId ?? chain.chainId, addressesFile: over.addressesFile ?? join(dir, "addresses.json") },
      peers: signers.slice(1).map((address, i) => ({ index: i + 1, url: `http://127.0.0.1:${7100 + i}`, address })),
      filter: { kind: "mad" },
    },
    sources: { rateLimits: "off", timeoutMs: 1000, maxRetries: 0 },
    feeds: [
      {
        id: "BTC/USD",
        description: "BTC / USD",
        decimals: 8,
        pair: "BTC/USD",
        sources: [
          { id: "binance", baseUrl: sim.baseUrl("binance") },
          { id: "kraken", baseUrl: over.krakenUrl ?? sim.baseUrl("kraken") },
        ],
        minSources: 1,
        deviationThresholdBps: 50,
        heartbeatSeconds: 600,
        bounds: { min: "1", max: "10000000" },
      },
      {
        id: "ETH/USD",
        description: "ETH / USD",
        decimals: 8,
        pair: "ETH/USD",
        sources: [{ id: "coinbase", baseUrl: sim.baseUrl("coinbase") }],
        minSources: 1,
        deviationThresholdBps: 50,
        heartbeatSeconds: 600,
      },
    ],
  };
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(cfg));
  return path;
}

beforeAll(async () => {
  chain = await startLocalChain();
  sim = await startSimulator({ seed: 3, rateLimits: "off" });
  dir = mkdtempSync(join(tmpdir(), "doctor-cli-"));
  signers = chain.accounts.slice(1, 5).map((k) => new Wallet(k).address);
  await writeKeystore(join(dir, "node-0.json"), chain.accounts[1], PASSWORD, { cost: "light" });
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await chain?.close();
});

describe("oracle-node deploy + doctor", () => {
  it("deploys a config's feeds, writes the addresses file, and the doctor passes on that setup", async () => {
    const cfg = writeConfig("good", {});
    const out = join(dir, "addresses.json");
    const deployed = await runCli(
      ["deploy", "--rpc", chain.url, "--config", cfg, "--out", out, "--signers", signers.join(","), "--private-key-env", "DEPLOYER_KEY"],
      {
        DEPLOYER_KEY: chain.accounts[0],
      },
    );
    expect(deployed.stderr).not.toContain(chain.accounts[0].slice(2));
    expect(deployed.code).toBe(0);
    const file = JSON.parse(readFileSync(out, "utf8"));
    expect(file.chainId).toBe(chain.chainId);
    expect(file.aggregator).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(file.feeds.map((f: { id: string; feedIndex: number }) => [f.id, f.feedIndex])).toEqual([
      ["BTC/USD", 0],
      ["ETH/USD", 1],
    ]);
    expect(file.consumer).toMatch(/^0x/);
    expect(JSON.parse(deployed.stdout.trim())).toEqual(file);

    const doctor = await runCli(["doctor", "--config", cfg, "--json"], { DOCTOR_PW: PASSWORD });
    const report = JSON.parse(doctor.stdout.trim()) as { ok: boolean; findings: Array<{ check: string; status: string; detail: string }> };
    expect(report.findings.filter((f) => f.status !== "ok")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(doctor.code).toBe(0);
    expect(report.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining([
        "key",
        "rpc",
        "chain-id",
        "aggregator",
        "signer",
        "transmitter",
        "balance",
        "config-digest",
        "source:BTC/USD:binance",
        "source:BTC/USD:kraken",
        "source:ETH/USD:coinbase",
      ]),
    );
  });

  it("names a wrong chain id, an unfunded key that is no signer, and a dead source, and exits 1", async () => {
    const stranger = join(dir, "stranger.json");
    const strangerAddress = await writeKeystore(stranger, Wallet.createRandom().privateKey, PASSWORD, { cost: "light" });
    const port = await deadPort();
    const cfg = writeConfig("broken", { chainId: 5, keystore: stranger, krakenUrl: `http://127.0.0.1:${port}` });
    const doctor = await runCli(["doctor", "--config", cfg], { DOCTOR_PW: PASSWORD });
    expect(doctor.code).toBe(1);
    const text = doctor.stdout;
    expect(text).toMatch(/FAIL\s+chain-id\s+chain id mismatch: the RPC serves chain 31337, the config expects 5/);
    expect(text).toMatch(new RegExp(`FAIL\\s+signer\\s+key ${strangerAddress} is not a configured signer`));
    expect(text).toMatch(new RegExp(`FAIL\\s+balance\\s+transmitter ${strangerAddress} holds 0.0 ETH`));
    expect(text).toMatch(/FAIL\s+source:BTC\/USD:kraken\s+kraken does not answer BTC\/USD: (unreachable|timeout)/);
    expect(text).toMatch(/ok\s+source:BTC\/USD:binance/);
    expect(text).toMatch(/doctor: \d+ problem\(s\): .*chain-id.*signer.*balance.*source:BTC\/USD:kraken/);
  });

  it("names a wrong keystore password and a missing addresses file without crashing", async () => {
    const cfg = writeConfig("nokey", { addressesFile: join(dir, "missing.json") });
    const doctor = await runCli(["doctor", "--config", cfg], { DOCTOR_PW: "not the password" });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL\s+key\s+wrong password for keystore/);
    expect(doctor.stdout).toMatch(/FAIL\s+aggregator\s+addresses file .*missing.json does not exist/);
    expect(doctor.stdout + doctor.stderr).not.toContain("not the password");
  });

  it("refuses to deploy when the RPC serves another chain than the config names", async () => {
    const cfg = writeConfig("otherchain", { chainId: 1 });
    const res = await runCli(
      ["deploy", "--rpc", chain.url, "--config", cfg, "--out", join(dir, "x.json"), "--signers", signers.join(","), "--private-key-env", "DEPLOYER_KEY"],
      {
        DEPLOYER_KEY: chain.accounts[0],
      },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("chain id mismatch");
  });
});
