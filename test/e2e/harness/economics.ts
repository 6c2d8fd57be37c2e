import { JsonRpcProvider, NonceManager, Wallet, parseEther } from "ethers";
import { deployEconomics, type EconomicsDeployment, type RewardParams, type StakingParams } from "../../../oracle-node/src/chain/deploy-economics";
import type { Committee } from "./committee";

/**
 * The economics of an e2e committee (docs/economics.md), through the repo's own
 * `deployEconomics`: token and staking, a minimum stake per signer staked by a separate operator
 * account (Hardhat accounts n+1 .. 2n), the alert heartbeats, an OracleRewards with its budget
 * and reimbursement pot, the aggregator's accounting on, and the aggregator wired so its config
 * is admitted. Deploy before the nodes start: wiring re-sets the config, so the digest changes.
 */
export interface CommitteeEconomics extends EconomicsDeployment {
  rewards: string;
  /** The active config digest after wiring (what the nodes sign under). */
  configDigest: string;
  operators: Wallet[];
  rewardPerObservation: bigint;
  rewardPerTransmission: bigint;
}

export async function deployCommitteeEconomics(
  c: Committee,
  opts: { heartbeats: Record<number, number>; params?: Partial<StakingParams>; rewards?: Partial<RewardParams> },
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
      rewards: { reimbursementPot: parseEther("10"), ...opts.rewards },
    });
    if (!econ.wired || !econ.configDigest) throw new Error("this build's QuorumAggregator has no setStaking: the e2e needs it wired");
    if (!econ.rewards || !econ.rewardParams) throw new Error("deployEconomics deployed no OracleRewards");
    return {
      ...econ,
      configDigest: econ.configDigest,
      rewards: econ.rewards,
      operators,
      rewardPerObservation: econ.rewardParams.rewardPerObservation,
      rewardPerTransmission: econ.rewardParams.rewardPerTransmission,
    };
  } finally {
    provider.destroy();
  }
}
