import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, JsonRpcSigner, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { attach, deployFeeds, DeployError, type Deployment } from "./deploy";
import { aggregatorSupportsStaking, deployEconomics, DEFAULT_STAKING_PARAMS, type EconomicsDeployment } from "./deploy-economics";

// deployEconomics against a real JSON-RPC endpoint (Hardhat's node on 127.0.0.1, port 0).
let chain: LocalChain;
let provider: JsonRpcProvider;
let deployer: Wallet;
let operators: Wallet[];
let feeds: Deployment;
let econ: EconomicsDeployment;
const signers = Array.from({ length: 4 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`deploy-economics/${i}`))));

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
  });
}, 120_000);

afterAll(async () => {
  await chain?.close();
});

/** Sends a raw JSON-RPC request to the chain. */
function rpc(method: string, params: unknown[]): Promise<unknown> {
  return provider.send(method, params);
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
  });
});
