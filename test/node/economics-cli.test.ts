import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, Wallet, parseEther } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalChain, type LocalChain } from "../../scripts/demo/chain";
import { attach, deployContract, deployFeeds, send, type Deployment } from "../../oracle-node/src/chain/deploy";
import { deployEconomics, DEFAULT_STAKING_PARAMS, type EconomicsDeployment } from "../../oracle-node/src/chain/deploy-economics";
import { encodeTransmit } from "../../oracle-node/src/chain/aggregator";
import { addressesJson, writeAddressesFile } from "../../oracle-node/src/deploy/from-config";
import { encodeReport, packSignatures, reportDigest, signReport } from "../../oracle-node/src/protocol/report";
import type { SlaJson } from "../../oracle-node/src/economics/sla-format";
import { runCli } from "./cli-run";

// `oracle-node stake|unbond|withdraw|claim|alert` against the real OracleStaking and OracleRewards
// on an in-process Hardhat node: every refusal names the contract's rule and sends nothing.
let chain: LocalChain;
let provider: JsonRpcProvider;
let d: Deployment;
let econ: EconomicsDeployment;
let rewards: Contract;
let keys: Wallet[];
let operators: Wallet[];
let outsider: Wallet;
let dir: string;
let file: string;
const E18 = 10n ** 18n;
const HEARTBEAT = 600;

/** Runs the CLI as the account whose key is `key` (read from an environment variable, never argv). */
function cli(args: string[], key?: string): ReturnType<typeof runCli> {
  const keyArgs = key ? ["--private-key-env", "ECON_TEST_KEY"] : [];
  return runCli([...args, "--rpc", chain.url, "--addresses", file, ...keyArgs], key ? { ECON_TEST_KEY: key } : {});
}

beforeAll(async () => {
  chain = await startLocalChain({ compile: false });
  provider = new JsonRpcProvider(chain.url, chain.chainId, { cacheTimeout: -1 });
  const deployer = new Wallet(chain.accounts[0], provider);
  keys = [1, 2, 3, 4].map((i) => new Wallet(chain.accounts[i], provider));
  operators = [5, 6, 7, 8].map((i) => new Wallet(chain.accounts[i], provider));
  outsider = new Wallet(chain.accounts[9], provider);
  d = await deployFeeds(deployer, {
    feeds: [{ description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD" }],
    signers: keys.map((k) => k.address),
    transmitters: keys.map((k) => k.address),
    f: 1,
  });
  econ = await deployEconomics(deployer, {
    aggregator: d.aggregator,
    stakers: keys.map((k, i) => ({ signer: k.address, operator: operators[i] })),
    heartbeats: { 0: HEARTBEAT },
  });
  rewards = await deployContract("OracleRewards", deployer, [d.aggregator, econ.token, E18, 2n * E18]);
  const aggregator = attach("QuorumAggregator", d.aggregator, deployer);
  await send(aggregator, "setSlaParams", [2, 10n ** 12n, 10_000]);
  const token = attach("OracleToken", econ.token, deployer);
  await send(token, "mint", [deployer.address, 100n * E18]);
  await send(token, "approve", [await rewards.getAddress(), 100n * E18]);
  await send(rewards.connect(deployer) as Contract, "fund", [100n * E18]);
  await (await deployer.sendTransaction({ to: await rewards.getAddress(), value: parseEther("1") })).wait();
  dir = mkdtempSync(join(tmpdir(), "econ-cli-"));
  file = join(dir, "addresses.json");
  writeAddressesFile(file, { ...addressesJson(d, ["BTC/USD"]), economics: { staking: econ.staking, rewards: await rewards.getAddress() } } as never);
  // One report under the wired config: oracles 0-2 observed, 0 and 1 signed, 0 transmitted.
  const report = encodeReport({
    configDigest: econ.configDigest ?? d.configDigest,
    epoch: 1,
    round: 1,
    observationsTimestamp: (await provider.getBlock("latest"))!.timestamp,
    feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: [10_000n, 10_000n, 10_010n] }],
  });
  const digest = reportDigest(report, { chainId: BigInt(chain.chainId), verifyingContract: d.aggregator });
  const sigs = packSignatures([0, 1].map((i) => ({ signerIndex: i, signature: signReport(keys[i], digest) })));
  await (await keys[0].sendTransaction({ to: d.aggregator, data: encodeTransmit(report, sigs) })).wait();
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("oracle-node economics commands", () => {
  it("refuses wrong input as usage errors and a missing account by name, sending nothing", async () => {
    const nonce = await provider.getTransactionCount(outsider.address);
    const [neg, zero, addr, feed, nokey, both] = await Promise.all([
      cli(["stake", "--signer", keys[0].address, "--amount", "-1"], outsider.privateKey),
      cli(["stake", "--signer", keys[0].address, "--amount", "0"], outsider.privateKey),
      cli(["unbond", "--signer", "0x1234", "--amount", "1"], outsider.privateKey),
      cli(["alert", "--feed", "1e3"], outsider.privateKey),
      cli(["alert", "--feed", "0"]),
      cli(["withdraw", "--signer", keys[0].address, "--payout"], outsider.privateKey),
    ]);
    for (const r of [neg, zero, addr, feed]) expect(r.code, r.stderr).toBe(2);
    expect(addr.stderr).toMatch(/must be an address/);
    expect(nokey.code).toBe(1);
    expect(nokey.stderr).toMatch(/no account: give --keystore/);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/exactly one of --signer <address> or --payout/);
    expect(await provider.getTransactionCount(outsider.address)).toBe(nonce);
  }, 60_000);

  it("alert: refused while the feed is fresh, naming the deadline; nothing is slashed", async () => {
    const r = await cli(["alert", "--feed", "0"], outsider.privateKey);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/alert for feed 0 refused: feed 0 is fresh: no alert before block time \d+/);
    const staking = attach("OracleStaking", econ.staking, outsider);
    expect((await staking.getFunction("stakeOf")(keys[0].address)).active).toBe(DEFAULT_STAKING_PARAMS.minimumStake);
  }, 60_000);

  it("stake, unbond and withdraw: the operator adds stake; unbonding a member is refused; a non-member's stake unbonds and withdraws after the period", async () => {
    const op = operators[0];
    const token = attach("OracleToken", econ.token, new Wallet(chain.accounts[0], provider));
    await send(token, "mint", [op.address, 1_010n * E18]);
    const [poor, inConfig, notOperator] = await Promise.all([
      cli(["stake", "--signer", keys[0].address, "--amount", "5"], outsider.privateKey),
      cli(["unbond", "--signer", keys[0].address, "--amount", "1"], op.privateKey),
      cli(["unbond", "--signer", keys[1].address, "--amount", "1"], op.privateKey),
    ]);
    expect(poor.stderr).toMatch(/holds 0\.0 tokens, less than the 5\.0 to stake/);
    expect(inConfig.stderr).toMatch(/is in the aggregator's active config: it cannot start unbonding/);
    expect(notOperator.stderr).toMatch(new RegExp(`${op.address} is not the operator of signer ${keys[1].address}`));
    const added = await cli(["stake", "--signer", keys[0].address, "--amount", "1.5"], op.privateKey);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/active 1001\.5 /);
    const spare = Wallet.createRandom().address;
    const small = await cli(["stake", "--signer", spare, "--amount", "3"], op.privateKey);
    expect(small.stderr).toMatch(/stake refused: signer 0x[0-9a-fA-F]{40} would hold 3\.0, below the minimum stake 1000\.0/);
    const fresh = await cli(["stake", "--signer", spare, "--amount", "1000"], op.privateKey);
    expect(fresh.code, fresh.stderr).toBe(0);
    const unbonding = await cli(["unbond", "--signer", spare, "--amount", "1000"], op.privateKey);
    expect(unbonding.code, unbonding.stderr).toBe(0);
    const early = await cli(["withdraw", "--signer", spare], op.privateKey);
    expect(early.stderr).toMatch(/unbonding ends at block time \d+ \(now \d+\): nothing to withdraw yet/);
    await provider.send("evm_increaseTime", [DEFAULT_STAKING_PARAMS.unbondingPeriod + 1]);
    await provider.send("evm_mine", []);
    const before = (await token.getFunction("balanceOf")(op.address)) as bigint;
    const done = await cli(["withdraw", "--signer", spare], op.privateKey);
    expect(done.code, done.stderr).toBe(0);
    expect((await token.getFunction("balanceOf")(op.address)) - before).toBe(1_000n * E18);
  }, 90_000);

  it("claim: pays an included observer and transmitter its rewards and reimbursement once; a second claim is refused", async () => {
    const first = await cli(["claim"], keys[0].privateKey);
    expect(first.code, first.stderr).toBe(0);
    // keys[0] observed once (1 token) and transmitted once (2 tokens).
    expect(first.stdout).toMatch(/claimed for .*: 3\.0 reward tokens, 0\.0\d+ native reimbursement/);
    expect(await rewards.getFunction("claimed")(keys[0].address)).toBe(3n * E18);
    const [again, never] = await Promise.all([cli(["claim"], keys[0].privateKey), cli(["claim"], keys[3].privateKey)]);
    expect(again.stderr).toMatch(/claim refused: nothing to claim/);
    expect(never.stderr).toMatch(new RegExp(`nothing to claim for ${keys[3].address}`));
  }, 60_000);

  it("alert: after heartbeat + grace an outsider alerts, slashes every signer and withdraws its reward; a second alert in the window is refused", async () => {
    // The previous test moved the clock past the unbonding period: the feed is long stale.
    const r = await cli(["alert", "--feed", "0"], outsider.privateKey);
    expect(r.code, r.stderr).toBe(0);
    const slashed = 4n * DEFAULT_STAKING_PARAMS.alertSlashAmount;
    const share = (slashed * BigInt(DEFAULT_STAKING_PARAMS.alertRewardBps)) / 10_000n;
    const reward = share < DEFAULT_STAKING_PARAMS.alertRewardCap ? share : DEFAULT_STAKING_PARAMS.alertRewardCap;
    expect(r.stdout).toMatch(new RegExp(`slashed ${Number(slashed / E18)}\\.0, alerter reward ${Number(reward / E18)}\\.0`));
    const second = await cli(["alert", "--feed", "0"], outsider.privateKey);
    expect(second.stderr).toMatch(/an alert was already raised for feed 0 in this heartbeat window/);
    const token = attach("OracleToken", econ.token, outsider);
    const payout = await cli(["withdraw", "--payout"], outsider.privateKey);
    expect(payout.code, payout.stderr).toBe(0);
    expect(await token.getFunction("balanceOf")(outsider.address)).toBe(reward);
  }, 60_000);

  it("sla reads the economics events: rewards accrued and claimed, gas reimbursed, stake slashed per oracle", async () => {
    const r = await cli(["sla", "--json", "--no-scan"]);
    expect(r.code, r.stderr).toBe(0);
    const sla = JSON.parse(r.stdout) as SlaJson;
    const [o0, o1, o2, o3] = sla.oracles;
    // Oracle 0 observed and transmitted (1 + 2 tokens, claimed); 1 and 2 observed once; 3 never.
    expect([o0, o1, o2, o3].map((o) => o.rewards.accrued)).toEqual([String(3n * E18), String(E18), String(E18), "0"]);
    expect([o0.rewards.claimed, o1.rewards.claimed]).toEqual([String(3n * E18), "0"]);
    expect(BigInt(o0.gas.reimbursedWei ?? "0") > 0n).toBe(true);
    expect(o1.gas.reimbursedWei).toBe("0");
    // One alert slashed every signer alertSlashAmount.
    for (const o of sla.oracles) expect(o.rewards.slashed).toBe(String(DEFAULT_STAKING_PARAMS.alertSlashAmount));
  }, 60_000);
});
