import { Contract, JsonRpcProvider, NonceManager, Wallet, parseEther } from "ethers";
import { attach, deployContract, send } from "../../../oracle-node/src/chain/deploy";
import { deployEconomics, type EconomicsDeployment, type StakingParams } from "../../../oracle-node/src/chain/deploy-economics";
import type { Committee } from "./committee";

/**
 * The economics of an e2e committee (docs/economics.md): token and staking through the repo's
 * own `deployEconomics` (a minimum stake per signer, staked by a separate operator account, the
 * alert heartbeats, the aggregator wired so its config is admitted), then an OracleRewards over
 * the aggregator, accounting switched on (`setSlaParams(2, ...)`) and both budgets funded, with
 * the same calls `test/node/economics-cli.test.ts` makes. Deploy before the nodes start: wiring
 * re-sets the config, so the digest changes.
 *
 * OracleRewards is deployed here, not by deployEconomics, until that function deploys it
 * (branch econdeploy); then this helper should use its result instead.
 */
export interface CommitteeEconomics extends EconomicsDeployment {
  rewards: string;
  /** The active config digest after wiring (what the nodes sign under). */
  configDigest: string;
  /** Operator wallet of each committee signer (Hardhat accounts n+1 .. 2n). */
  operators: Wallet[];
  rewardPerObservation: bigint;
  rewardPerTransmission: bigint;
}

const E18 = 10n ** 18n;
/** Wei per gas the aggregator reimburses at most (a multiple of its 1 gwei unit), and the calibrated overhead: docs/economics.md. */
const GAS_PRICE_CAP = 10n ** 12n;
const GAS_OVERHEAD = 10_000;

export async function deployCommitteeEconomics(
  c: Committee,
  opts: { heartbeats: Record<number, number>; params?: Partial<StakingParams>; rewardPerObservation?: bigint; rewardPerTransmission?: bigint },
): Promise<CommitteeEconomics> {
  const provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = new NonceManager(new Wallet(c.chain.accounts[0], provider));
    const n = c.addresses.length;
    const operators = c.chain.accounts.slice(1 + n, 1 + 2 * n).map((k) => new Wallet(k));
    if (operators.length < n) throw new Error(`not enough funded accounts for ${n} operators`);
    const econ = await deployEconomics(deployer, {
      aggregator: c.deployment.aggregator,
      stakers: c.addresses.map((signer, i) => ({ signer, operator: operators[i].connect(provider) })),
      params: opts.params,
      heartbeats: opts.heartbeats,
    });
    if (!econ.wired || !econ.configDigest) throw new Error("this build's QuorumAggregator has no setStaking: the e2e needs it wired");
    const perObs = opts.rewardPerObservation ?? E18;
    const perTx = opts.rewardPerTransmission ?? 2n * E18;
    const rewards = await deployContract("OracleRewards", deployer, [c.deployment.aggregator, econ.token, perObs, perTx]);
    const rewardsAddress = await rewards.getAddress();
    await send(attach("QuorumAggregator", c.deployment.aggregator, deployer), "setSlaParams", [2, GAS_PRICE_CAP, GAS_OVERHEAD]);
    const budget = 100_000n * E18;
    const token = attach("OracleToken", econ.token, deployer);
    await send(token, "mint", [await deployer.getAddress(), budget]);
    await send(token, "approve", [rewardsAddress, budget]);
    await send(rewards.connect(deployer) as Contract, "fund", [budget]);
    await (await deployer.sendTransaction({ to: rewardsAddress, value: parseEther("10") })).wait();
    return { ...econ, configDigest: econ.configDigest, rewards: rewardsAddress, operators, rewardPerObservation: perObs, rewardPerTransmission: perTx };
  } finally {
    provider.destroy();
  }
}
