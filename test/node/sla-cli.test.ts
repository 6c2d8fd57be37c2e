import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Wallet, type JsonRpcProvider } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalChain, type LocalChain } from "../../scripts/demo/chain";
import { deployFeeds, type Deployment } from "../../oracle-node/src/chain/deploy";
import { encodeTransmit } from "../../oracle-node/src/chain/aggregator";
import { makeProvider } from "../../oracle-node/src/chain/provider";
import { addressesJson, writeAddressesFile } from "../../oracle-node/src/deploy/from-config";
import { encodeReport, packSignatures, reportDigest, signReport } from "../../oracle-node/src/protocol/report";
import { computeSla } from "../../oracle-node/src/economics/sla";
import { fetchSlaInput } from "../../oracle-node/src/economics/sla-fetch";
import type { SlaJson } from "../../oracle-node/src/economics/sla-format";
import { runCli } from "./cli-run";

let chain: LocalChain;
let provider: JsonRpcProvider;
let d: Deployment;
let keys: Wallet[];
let dir: string;
let addressesFile: string;
let firstBlock: number;

async function transmit(epoch: number, round: number, observers: number[], observations: bigint[], signers: number[], from = 0): Promise<void> {
  const report = encodeReport({
    configDigest: d.configDigest,
    epoch,
    round,
    observationsTimestamp: Math.floor(Date.now() / 1000),
    feeds: [{ feedIndex: 0, observers, observations }],
  });
  const digest = reportDigest(report, { chainId: BigInt(chain.chainId), verifyingContract: d.aggregator });
  const sigs = packSignatures(signers.map((i) => ({ signerIndex: i, signature: signReport(keys[i], digest) })));
  // A fixed gas limit: a reverting transmit is sent instead of refused by estimation; Hardhat mines
  // it and answers the send with the revert.
  try {
    await (await keys[from].sendTransaction({ to: d.aggregator, data: encodeTransmit(report, sigs), gasLimit: 300_000 })).wait();
  } catch {
    // the revert: checked through the SLA's reverted count
  }
}

beforeAll(async () => {
  chain = await startLocalChain();
  provider = makeProvider(chain.url, chain.chainId);
  keys = chain.accounts.slice(1, 5).map((k) => new Wallet(k, provider));
  d = await deployFeeds(new Wallet(chain.accounts[0], provider), {
    feeds: [{ description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD" }],
    signers: keys.map((k) => k.address),
    transmitters: keys.map((k) => k.address),
    f: 1,
  });
  dir = mkdtempSync(join(tmpdir(), "sla-cli-"));
  addressesFile = join(dir, "addresses.json");
  writeAddressesFile(addressesFile, addressesJson(d, ["BTC/USD"]));
  firstBlock = (await provider.getBlockNumber()) + 1;
  // Oracle 3 is "down": never observes, never signs. Oracle 2 is 1 % off the median once.
  await transmit(1, 1, [0, 1, 2], [10_000n, 10_000n, 10_100n], [0, 1]);
  await transmit(1, 2, [0, 1, 2], [10_000n, 10_010n, 10_020n], [1, 2], 1);
  await transmit(1, 2, [0, 1, 2], [10_000n, 10_010n, 10_020n], [1, 2], 2); // the same round again: reverts on chain
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("SLA from the chain", () => {
  it("reads inclusion, signatures, landed and reverted transmissions, gas and deviation from a real chain", async () => {
    const input = await fetchSlaInput({ provider, aggregator: d.aggregator, fromBlock: firstBlock, toBlock: await provider.getBlockNumber() });
    const sla = computeSla(input);
    expect(sla.reports).toBe(2);
    const [o0, o1, o2, o3] = sla.oracles;
    expect([o0.inclusionRate, o1.inclusionRate, o2.inclusionRate, o3.inclusionRate]).toEqual([1, 1, 1, 0]);
    expect([o0.signed, o1.signed, o2.signed, o3.signed]).toEqual([1, 2, 1, 0]);
    expect([o0.transmissionsLanded, o1.transmissionsLanded, o2.transmissionsLanded]).toEqual([1, 1, 0]);
    expect(o2.transmissionsReverted).toBe(1);
    expect(o2.transmissionSuccess).toBe(0);
    expect(o2.gasSpentWei > 0n).toBe(true);
    expect(o3.gasSpentWei).toBe(0n);
    // 10,020 against 10,010 is 9.99 bps (rounded down to 0.01), 10,100 against 10,000 is 100 bps.
    expect(o2.deviationBps).toEqual({ p50: 9.99, p95: 100, max: 100 });
  });

  it("prints the same as JSON and as a table through `oracle-node sla`; refuses a wrong range and a missing contract by name", async () => {
    const json = await runCli(["sla", "--rpc", chain.url, "--addresses", addressesFile, "--from", String(firstBlock), "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as SlaJson;
    expect(parsed.reports).toBe(2);
    expect(parsed.oracles.map((o) => o.inclusionRate)).toEqual([1, 1, 1, 0]);
    expect(parsed.oracles[2].transmissions).toEqual({ landed: 0, reverted: 1, success: 0 });
    const table = await runCli(["sla", "--rpc", chain.url, "--aggregator", d.aggregator, "--from", String(firstBlock)]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/2 report\(s\)/);
    expect(table.stdout).toMatch(/0\.0% \(0\/2\)/);
    const empty = await runCli(["sla", "--rpc", chain.url, "--aggregator", d.aggregator, "--from", "999999", "--to", "1000000"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/empty range: from block 999999/);
    const none = await runCli(["sla", "--rpc", chain.url, "--aggregator", keys[0].address]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no contract at aggregator/);
    const bad = await runCli(["sla", "--rpc", chain.url, "--aggregator", d.aggregator, "--from", "-3"]);
    expect(bad.code).toBe(2);
  }, 60_000);
});
