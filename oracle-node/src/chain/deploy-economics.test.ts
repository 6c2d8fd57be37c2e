import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, JsonRpcSigner, Wallet, keccak256, parseEther, toUtf8Bytes, type TransactionReceipt } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { attach, deployFeeds, DeployError, type Deployment } from "./deploy";
import { encodeTransmit } from "./aggregator";
import { encodeReport, packSignatures, reportDigest, signReport } from "../protocol/report";
import {
  aggregatorSupportsStaking,
  deployEconomics,
  DEFAULT_REWARD_PARAMS,
  DEFAULT_STAKING_PARAMS,
  SLA_GAS_OVERHEAD,
  type EconomicsDeployment,
} from "./deploy-economics";
import { resolveRewardParams } from "./deploy-rewards";

// deployEconomics against a real JSON-RPC endpoint (Hardhat's node on 127.0.0.1, port 0).
let chain: LocalChain;
let provider: JsonRpcProvider;
let deployer: Wallet;
let operators: Wallet[];
let feeds: Deployment;
let econ: EconomicsDeployment;
const signers = Array.from({ length: 4 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`deploy-economics/${i}`))));
const POT = parseEther("1");
const GWEI = 10n ** 9n;

beforeAll(async () => {
  chain = await startLocalChain({ compile: false });
  provider = new JsonRpcProvider(chain.url, chain.chainId, { cacheTimeout: -1 });
  deployer = new Wallet(chain.accounts[0], provider);
  operators = [1, 2, 3, 4].map((i) => new Wallet(chain.accounts[i], provider));
  feeds = await deployFeeds(deployer, {
    feeds: [{ description: "ETH / USD", decimals: 8, base: "ETH", quote: "USD" }],
    signers: signers.map((s) => s.address),
    transmitters: operators.map((o) => o.address),
    f: 1,
  });
  econ = await deployEconomics(deployer, {
    aggregator: feeds.aggregator,
    stakers: signers.map((s, i) => ({ signer: s.address, operator: operators[i] })),
    heartbeats: { 0: 600 },
    rewards: { reimbursementPot: POT },
  });
}, 120_000);

afterAll(async () => {
  await chain?.close();
});

/** Sends a raw JSON-RPC request to the chain. */
function rpc(method: string, params: unknown[]): Promise<unknown> {
  return provider.send(method, params);
}

/** One report under the deployment's config with `observers` (committee indices), signed by 0 and 1, sent by transmitter `from`. */
async function transmit(epoch: number, observers: number[], from: Wallet): Promise<TransactionReceipt> {
  const report = encodeReport({
    configDigest: econ.configDigest ?? feeds.configDigest,
    epoch,
    round: 1,
    observationsTimestamp: (await provider.getBlock("latest"))!.timestamp,
    feeds: [{ feedIndex: 0, observers, observations: observers.map((i) => 200_000_000_000n + BigInt(i)) }],
  });
  const digest = reportDigest(report, { chainId: BigInt(chain.chainId), verifyingContract: feeds.aggregator });
  const sigs = packSignatures([0, 1].map((i) => ({ signerIndex: i, signature: signReport(signers[i], digest) })));
  const receipt = await (await from.sendTransaction({ to: feeds.aggregator, data: encodeTransmit(report, sigs), gasPrice: 2n * GWEI, type: 0 })).wait();
  if (!receipt || receipt.status !== 1) throw new Error("transmit reverted");
  return receipt;
}

describe("deployEconomics", () => {
  it("deploys token and staking for the aggregator and stakes the minimum for every signer, from its operator", async () => {
    const staking = attach("OracleStaking", econ.staking, deployer);
    const token = attach("OracleToken", econ.token, deployer);
    expect(await staking.getFunction("aggregator")()).toBe(feeds.aggregator);
    expect(await staking.getFunction("token")()).toBe(econ.token);
    expect(await staking.getFunction("treasury")()).toBe(deployer.address);
    expect(await staking.getFunction("minimumStake")()).toBe(DEFAULT_STAKING_PARAMS.minimumStake);
    expect(await staking.getFunction("feedHeartbeat")(0)).toBe(600n);
    for (let i = 0; i < signers.length; i++) {
      const st = await staking.getFunction("stakeOf")(signers[i].address);
      expect([st.operator, st.active, st.unbonding]).toEqual([operators[i].address, DEFAULT_STAKING_PARAMS.minimumStake, 0n]);
    }
    expect(await token.getFunction("balanceOf")(econ.staking)).toBe(4n * DEFAULT_STAKING_PARAMS.minimumStake);
  });

  it("wires the aggregator when it has setStaking; otherwise the staking stands alone and admits what the aggregator's address sends", async () => {
    const staking = attach("OracleStaking", econ.staking, deployer);
    expect(econ.wired).toBe(aggregatorSupportsStaking());
    if (econ.wired) {
      expect(await staking.getFunction("activeConfigDigest")()).toBe(econ.configDigest);
      return;
    }
    // This branch's QuorumAggregator has no setStaking: play its setConfig call from its address.
    expect(econ.configDigest).toBeNull();
    await expect(
      staking.getFunction("admitConfig")(
        feeds.configDigest,
        signers.map((s) => s.address),
      ),
    ).rejects.toThrow();
    await rpc("hardhat_impersonateAccount", [feeds.aggregator]);
    await rpc("hardhat_setBalance", [feeds.aggregator, "0xde0b6b3a7640000"]);
    // An impersonated account is not in eth_accounts: build its JSON-RPC signer directly.
    const asAggregator = new JsonRpcSigner(provider, feeds.aggregator);
    const tx = await (staking.connect(asAggregator) as Contract).getFunction("admitConfig")(
      feeds.configDigest,
      signers.map((s) => s.address),
    );
    await tx.wait();
    await rpc("hardhat_stopImpersonatingAccount", [feeds.aggregator]);
    expect(await staking.getFunction("activeConfigDigest")()).toBe(feeds.configDigest);
    expect(await staking.getFunction("memberIndex")(feeds.configDigest, signers[3].address)).toBe(4n);
  });

  it("deploys OracleRewards on the aggregator and token, funds the budget and the pot, and turns the accounting on (mode 2, the chain's cap, the calibrated overhead)", async () => {
    const rewards = attach("OracleRewards", econ.rewards!, deployer);
    const aggregator = attach("QuorumAggregator", feeds.aggregator, deployer);
    expect(await rewards.getFunction("aggregator")()).toBe(feeds.aggregator);
    expect(await rewards.getFunction("token")()).toBe(econ.token);
    expect(await rewards.getFunction("rewardPerObservation")()).toBe(DEFAULT_REWARD_PARAMS.rewardPerObservation);
    expect(await rewards.getFunction("rewardPerTransmission")()).toBe(DEFAULT_REWARD_PARAMS.rewardPerTransmission);
    expect(await rewards.getFunction("totalFunded")()).toBe(DEFAULT_REWARD_PARAMS.budget);
    expect(await attach("OracleToken", econ.token, deployer).getFunction("balanceOf")(econ.rewards)).toBe(DEFAULT_REWARD_PARAMS.budget);
    expect([...(await rewards.getFunction("reimbursementTotals")())]).toEqual([POT, 0n]);
    expect([...(await aggregator.getFunction("slaParams")())]).toEqual([2n, 100n * GWEI, BigInt(SLA_GAS_OVERHEAD)]);
    expect(econ.rewardParams).toMatchObject({ mode: 2, gasPriceCap: 100n * GWEI, gasOverhead: SLA_GAS_OVERHEAD, reimbursementPot: POT });
  });

  it("after deployEconomics a transmit accrues observations and a transmission; the claims pay them and the gas, never more than the receipt", async () => {
    const rewards = attach("OracleRewards", econ.rewards!, deployer);
    // Signers pay gas for their own claims.
    for (const s of signers) await (await deployer.sendTransaction({ to: s.address, value: parseEther("0.1") })).wait();
    const r1 = await transmit(1, [0, 1, 2], operators[0]);
    const r2 = await transmit(2, [0, 1, 3], operators[0]);
    const [obs0] = await rewards.getFunction("oracleTotals")(signers[0].address);
    const [obs2] = await rewards.getFunction("oracleTotals")(signers[2].address);
    const [, tx0, wei0] = await rewards.getFunction("oracleTotals")(operators[0].address);
    expect([obs0, obs2, tx0]).toEqual([2n, 1n, 2n]);
    const perObs = DEFAULT_REWARD_PARAMS.rewardPerObservation;
    for (const [i, count] of [
      [0, 2n],
      [2, 1n],
    ] as const) {
      const s = signers[i].connect(provider);
      const receipt = await (await (rewards.connect(s) as Contract).getFunction("claim")()).wait();
      expect(receipt.status).toBe(1);
      expect(await attach("OracleToken", econ.token, deployer).getFunction("balanceOf")(s.address)).toBe(count * perObs);
      // A second claim has nothing left.
      await expect((rewards.connect(s) as Contract).getFunction("claim").staticCall()).rejects.toThrow();
    }
    // The transmitter's transmission rewards and its gas, in the native coin.
    expect(await rewards.getFunction("claimable")(operators[0].address)).toBe(2n * DEFAULT_REWARD_PARAMS.rewardPerTransmission);
    const paidGas = r1.gasUsed * r1.gasPrice + r2.gasUsed * r2.gasPrice;
    expect(wei0).toBeLessThanOrEqual(paidGas);
    // The calibrated overhead makes the transmitter nearly whole: within 1,000 gas per transmit at n = 4.
    expect(paidGas - wei0).toBeLessThan(2n * 1_000n * 2n * GWEI);
    const before = await provider.getBalance(operators[0].address);
    const w = await (await (rewards.connect(operators[0]) as Contract).getFunction("withdrawReimbursement")()).wait();
    expect(await provider.getBalance(operators[0].address)).toBe(before + wei0 - w.gasUsed * w.gasPrice);
    expect([...(await rewards.getFunction("reimbursementTotals")())]).toEqual([POT, wei0]);
  });

  it("the deployment is live: after heartbeat + grace an outside account alerts, slashes every signer and is paid", async () => {
    const staking = attach("OracleStaking", econ.staking, deployer);
    const outsider = new Wallet(chain.accounts[9], provider);
    await rpc("evm_increaseTime", [600 + DEFAULT_STAKING_PARAMS.alertGracePeriod + 1]);
    await rpc("evm_mine", []);
    const [, , alertable] = await staking.getFunction("alertState")(0);
    expect(alertable).toBe(true);
    await (await (staking.connect(outsider) as Contract).getFunction("raiseAlert")(0)).wait();
    const slashed = 4n * DEFAULT_STAKING_PARAMS.alertSlashAmount;
    const reward = (slashed * BigInt(DEFAULT_STAKING_PARAMS.alertRewardBps)) / 10_000n;
    expect(await staking.getFunction("payoutOf")(outsider.address)).toBe(
      reward < DEFAULT_STAKING_PARAMS.alertRewardCap ? reward : DEFAULT_STAKING_PARAMS.alertRewardCap,
    );
    expect((await staking.getFunction("stakeOf")(signers[0].address)).active).toBe(
      DEFAULT_STAKING_PARAMS.minimumStake - DEFAULT_STAKING_PARAMS.alertSlashAmount,
    );
  });

  it("refuses options that break the rules before sending anything", async () => {
    const base = { aggregator: feeds.aggregator, stakers: [{ signer: signers[0].address, operator: operators[0] }] };
    await expect(deployEconomics(deployer, { ...base, params: { unbondingPeriod: 100, proofWindow: 100 } })).rejects.toThrow(DeployError);
    await expect(deployEconomics(deployer, { ...base, params: { alertRewardCap: DEFAULT_STAKING_PARAMS.alertSlashAmount + 1n } })).rejects.toThrow(
      /alertRewardCap/,
    );
    await expect(deployEconomics(deployer, { ...base, stakers: [] })).rejects.toThrow(/no committee signers/);
    const nonce = await provider.getTransactionCount(deployer.address);
    await expect(deployEconomics(deployer, { ...base, stakeEach: 1n })).rejects.toThrow(/below minimumStake/);
    // stakeEach is checked after the two deployments: the other refusals send nothing.
    expect(await provider.getTransactionCount(deployer.address)).toBe(nonce + 2);
    // Reward parameters are checked before anything is sent: a cap off the 10^6-wei grid, a negative budget.
    const again = await provider.getTransactionCount(deployer.address);
    await expect(deployEconomics(deployer, { ...base, rewards: { gasPriceCap: 1n } })).rejects.toThrow(/gasPriceCap 1 wei/);
    await expect(deployEconomics(deployer, { ...base, rewards: { budget: -1n } })).rejects.toThrow(/budget -1 is negative/);
    await expect(deployEconomics(deployer, { ...base, rewards: { gasOverhead: 2 ** 24 } })).rejects.toThrow(/gasOverhead/);
    expect(await provider.getTransactionCount(deployer.address)).toBe(again);
  });

  it("has a gas price cap default only for the chains it documents; elsewhere the cap must be given", () => {
    expect(resolveRewardParams(undefined, 1).gasPriceCap).toBe(200n * GWEI);
    expect(resolveRewardParams(undefined, 31337).gasPriceCap).toBe(100n * GWEI);
    expect(() => resolveRewardParams(undefined, 8453)).toThrow(/no default gasPriceCap for chain 8453/);
    expect(resolveRewardParams({ gasPriceCap: 5n * GWEI }, 8453).gasPriceCap).toBe(5n * GWEI);
    expect(() => resolveRewardParams({ gasPriceCap: 2n ** 32n * 1_000_000n }, 1)).toThrow(/at most/);
    expect(() => resolveRewardParams({ mode: 3 as never }, 1)).toThrow(/mode 3/);
  });

  it("a local deploy can stake on behalf: the deployer as every signer's operator shares its nonces; rewards: false leaves the accounting off", async () => {
    const other = await deployFeeds(deployer, {
      feeds: [{ description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD" }],
      signers: signers.map((s) => s.address),
      transmitters: operators.map((o) => o.address),
      f: 1,
    });
    const e = await deployEconomics(deployer, {
      aggregator: other.aggregator,
      stakers: signers.map((s) => ({ signer: s.address, operator: deployer })),
      rewards: false,
    });
    expect(e.rewards).toBeNull();
    expect(e.rewardParams).toBeNull();
    const staking = attach("OracleStaking", e.staking, deployer);
    for (const s of signers) expect((await staking.getFunction("stakeOf")(s.address)).operator).toBe(deployer.address);
    expect((await attach("QuorumAggregator", other.aggregator, deployer).getFunction("slaParams")())[0]).toBe(0n);
    if (e.wired) expect(await staking.getFunction("activeConfigDigest")()).toBe(e.configDigest);
  });
});
