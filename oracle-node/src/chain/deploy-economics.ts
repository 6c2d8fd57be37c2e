import { Contract, NonceManager, getAddress, type Signer } from "ethers";
import { DeployError, attach, deployContract, readConfig, send, setConfig } from "./deploy";
import { aggregatorHas, deployRewards, resolveRewardParams, type RewardParams, type ResolvedRewardParams } from "./deploy-rewards";

export { DEFAULT_REWARD_PARAMS, DEFAULT_GAS_PRICE_CAP_GWEI, SLA_GAS_OVERHEAD, type RewardParams, type ResolvedRewardParams } from "./deploy-rewards";

/**
 * Deploys the economics of one aggregator's committee (docs/economics.md): the OracleToken, an
 * OracleStaking bound to the aggregator, a minimum stake for every committee signer (minted to
 * and staked by its operator), the alert heartbeats, an OracleRewards with its funded budget and
 * the aggregator's accounting on (deploy-rewards.ts), and, when the aggregator has setStaking,
 * the wiring so that setConfig admits only staked signers.
 */

/** OracleStaking's constructor parameters (contracts/economics/OracleStaking.sol `Params`). */
export interface StakingParams {
  /** Active stake a signer needs to be admitted by setConfig (token units, 18 decimals). */
  minimumStake: bigint;
  /** Seconds from requestUnbond to withdraw; must exceed proofWindow. */
  unbondingPeriod: number;
  /** Seconds a replaced config's reports stay provable. */
  proofWindow: number;
  /** Seconds past updatedAt + heartbeat before a feed may be alerted. */
  alertGracePeriod: number;
  /** Taken from every signer of the active config per alert (at most its stake). */
  alertSlashAmount: bigint;
  /** The alerter's share of an alert's slash, in bps, capped at alertRewardCap (<= alertSlashAmount). */
  alertRewardBps: number;
  alertRewardCap: bigint;
  /** Alerts per outage (one per heartbeat-sized window). */
  maxAlertsPerOutage: number;
  /** Share of an equivocating signer's active + unbonding stake a proof takes, in bps. */
  equivocationSlashBps: number;
  /** The prover's share of that slash, in bps (< 10,000), capped at proverRewardCap. */
  proverRewardBps: number;
  proverRewardCap: bigint;
}

const E18 = 10n ** 18n;

const DAY = 86_400;

/**
 * The defaults, in one place (docs/economics.md "Parameters"): one week to prove an
 * equivocation, two weeks to unbond; an alert costs each signer 1 % of the minimum stake.
 */
export const DEFAULT_STAKING_PARAMS: StakingParams = {
  minimumStake: 1_000n * E18,
  unbondingPeriod: 14 * DAY,
  proofWindow: 7 * DAY,
  alertGracePeriod: 300,
  alertSlashAmount: 10n * E18,
  alertRewardBps: 1_000,
  alertRewardCap: 5n * E18,
  maxAlertsPerOutage: 10,
  equivocationSlashBps: 5_000,
  proverRewardBps: 1_000,
  proverRewardCap: 50n * E18,
};

export interface CommitteeStaker {
  /** The committee signer address stake is kept under. */
  signer: string;
  /** Its operator: stakes (and alone unbonds and withdraws) for it. Needs native coin for gas. */
  operator: Signer;
}

export interface EconomicsOptions {
  /** The QuorumAggregator whose committee is staked; the deployer must own it to wire it. */
  aggregator: string;
  stakers: CommitteeStaker[];
  params?: Partial<StakingParams>;
  /** Tokens minted to and staked by each operator (default: params.minimumStake). */
  stakeEach?: bigint;
  /** Receives what a slash does not pay the alerter or prover (default: the deployer). */
  treasury?: string;
  /** Alert heartbeat per feed index, seconds (feeds not listed: no alerts). */
  heartbeats?: Record<number, number>;
  /**
   * OracleRewards and the aggregator's accounting (DEFAULT_REWARD_PARAMS, overridden key by
   * key); false: neither (stake only, accounting left as it is).
   */
  rewards?: Partial<RewardParams> | false;
}

export interface EconomicsDeployment {
  token: string;
  staking: string;
  /** The OracleRewards contract, or null with `rewards: false`. */
  rewards: string | null;
  params: StakingParams;
  /** What the rewards were deployed with (the gas price cap resolved for the chain), or null. */
  rewardParams: ResolvedRewardParams | null;
  /**
   * True when the aggregator has setStaking and was wired (its config re-set, so the active
   * config is admitted); false for an aggregator without it: the staking contract then stands
   * alone and nothing calls admitConfig.
   */
  wired: boolean;
  /** The active config digest after wiring (the aggregator's, re-set) or null. */
  configDigest: string | null;
}

/** Whether this build's QuorumAggregator can call a staking contract from setConfig. */
export function aggregatorSupportsStaking(): boolean {
  return aggregatorHas("setStaking");
}

function resolveParams(over: Partial<StakingParams> | undefined): StakingParams {
  const p = { ...DEFAULT_STAKING_PARAMS, ...over };
  if (p.unbondingPeriod <= p.proofWindow) throw new DeployError(`unbondingPeriod ${p.unbondingPeriod} must exceed proofWindow ${p.proofWindow}`);
  if (p.alertRewardCap > p.alertSlashAmount) throw new DeployError(`alertRewardCap ${p.alertRewardCap} exceeds alertSlashAmount ${p.alertSlashAmount}`);
  return p;
}

/**
 * One NonceManager per account: an operator that is the deployer (a local deploy staking on
 * behalf) or operates several signers must share one nonce sequence, or its next transaction
 * reuses a nonce.
 */
function nonceManagers(deployer: NonceManager, admin: string): (s: Signer) => Promise<NonceManager> {
  const byAddress = new Map<string, NonceManager>([[admin, deployer]]);
  return async (s) => {
    const a = getAddress(await s.getAddress());
    let m = byAddress.get(a);
    if (!m) byAddress.set(a, (m = s instanceof NonceManager ? s : new NonceManager(s)));
    return m;
  };
}

/** Mints `amount` to the operator, which approves and stakes it for its signer. */
async function stakeFor(token: Contract, staking: Contract, signer: string, operator: NonceManager, amount: bigint): Promise<void> {
  await send(token, "mint", [await operator.getAddress(), amount]);
  await send(token.connect(operator) as Contract, "approve", [await staking.getAddress(), amount]);
  await send(staking.connect(operator) as Contract, "stake", [signer, amount]);
}

/**
 * setStaking, then setConfig again with the current committee (same signers, transmitters, f and
 * offchainConfig, read from the last ConfigSet event), so the staking contract admits the
 * active config. The digest changes: start the nodes after this.
 */
async function wire(aggregator: Contract, staking: string): Promise<string> {
  await send(aggregator, "setStaking", [staking]);
  const { blockNumber } = await readConfig(aggregator);
  const logs = await aggregator.queryFilter(aggregator.filters.ConfigSet(), blockNumber, blockNumber);
  const last = logs.at(-1);
  if (!last || !("args" in last)) throw new DeployError("no ConfigSet event at the aggregator's latest config block");
  const { signers, transmitters, f, offchainConfig } = last.args as unknown as { signers: string[]; transmitters: string[]; f: bigint; offchainConfig: string };
  return (await setConfig(aggregator, [...signers], [...transmitters], Number(f), offchainConfig)).configDigest;
}

/**
 * Deploys token + staking for `opts.aggregator`, stakes for every committee signer, sets the
 * alert heartbeats, deploys and funds OracleRewards and sets the aggregator's accounting (unless
 * `rewards: false`), and last wires the aggregator when it supports staking: setStaking, then
 * the config re-set, so the returned configDigest is final (start the nodes after this). The
 * deployer owns the token and the staking contract and must own the aggregator.
 */
export async function deployEconomics(signer: Signer, opts: EconomicsOptions): Promise<EconomicsDeployment> {
  const params = resolveParams(opts.params);
  if (opts.stakers.length === 0) throw new DeployError("no committee signers to stake for");
  const deployer = signer instanceof NonceManager ? signer : new NonceManager(signer);
  const admin = getAddress(await deployer.getAddress());
  const aggregatorAddress = getAddress(opts.aggregator);
  const chainId = Number((await deployer.provider!.getNetwork()).chainId);
  const rewardParams = opts.rewards === false ? null : resolveRewardParams(opts.rewards, chainId);
  if (rewardParams && !aggregatorHas("setSlaParams")) throw new DeployError("this build's QuorumAggregator has no setSlaParams: deploy with rewards: false");
  const token = await deployContract("OracleToken", deployer, [admin]);
  const tokenAddress = await token.getAddress();
  const tuple = [
    params.minimumStake,
    params.unbondingPeriod,
    params.proofWindow,
    params.alertGracePeriod,
    params.alertSlashAmount,
    params.alertRewardBps,
    params.alertRewardCap,
    params.maxAlertsPerOutage,
    params.equivocationSlashBps,
    params.proverRewardBps,
    params.proverRewardCap,
  ];
  const staking = await deployContract("OracleStaking", deployer, [admin, tokenAddress, aggregatorAddress, opts.treasury ?? admin, tuple]);
  const stakingAddress = await staking.getAddress();
  const amount = opts.stakeEach ?? params.minimumStake;
  if (amount < params.minimumStake) throw new DeployError(`stakeEach ${amount} is below minimumStake ${params.minimumStake}`);
  const managerOf = nonceManagers(deployer, admin);
  for (const s of opts.stakers) await stakeFor(token, staking, s.signer, await managerOf(s.operator), amount);
  for (const [feedIndex, seconds] of Object.entries(opts.heartbeats ?? {})) {
    await send(staking, "setFeedHeartbeat", [Number(feedIndex), seconds]);
  }
  const aggregator = attach("QuorumAggregator", aggregatorAddress, deployer);
  const rewards = rewardParams ? await deployRewards(deployer, token, aggregator, rewardParams) : null;
  let configDigest: string | null = null;
  const wired = aggregatorSupportsStaking();
  if (wired) configDigest = await wire(aggregator, stakingAddress);
  return { token: tokenAddress, staking: stakingAddress, rewards, params, rewardParams, wired, configDigest };
}
