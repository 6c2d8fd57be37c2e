import { impersonateAccount, setBalance, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { signReportBy, type Domain } from "../../../oracle-node/src/protocol/report";
import type { Wallet } from "ethers";
import type { OracleStaking, OracleToken } from "../../../typechain-types";

/** Builders for the staking tests: parameters, a deployed token + staking, admitted configs. */

export const E18 = 10n ** 18n;
export const DAY = 24 * 3600;

export interface StakingParams {
  minimumStake: bigint;
  unbondingPeriod: number;
  proofWindow: number;
  alertGracePeriod: number;
  alertSlashAmount: bigint;
  alertRewardBps: number;
  alertRewardCap: bigint;
  maxAlertsPerOutage: number;
  equivocationSlashBps: number;
  proverRewardBps: number;
  proverRewardCap: bigint;
}

/** Test parameters (round numbers, easy to check by hand). */
export function testParams(over: Partial<StakingParams> = {}): StakingParams {
  return {
    minimumStake: 1000n * E18,
    unbondingPeriod: 14 * DAY,
    proofWindow: 7 * DAY,
    alertGracePeriod: 300,
    alertSlashAmount: 10n * E18,
    alertRewardBps: 1000,
    alertRewardCap: 5n * E18,
    maxAlertsPerOutage: 3,
    equivocationSlashBps: 5000,
    proverRewardBps: 1000,
    proverRewardCap: 40n * E18,
    ...over,
  };
}

export interface StakingSetup {
  token: OracleToken;
  staking: OracleStaking;
  stakingAddress: string;
  treasury: string;
}

/** Deploys an OracleToken (owned by `owner`) and an OracleStaking for `aggregator`. */
export async function deployStaking(owner: Signer, aggregator: string, params: StakingParams = testParams(), treasury?: string): Promise<StakingSetup> {
  const ownerAddress = await owner.getAddress();
  const token = (await (await ethers.getContractFactory("OracleToken", owner)).deploy(ownerAddress)) as unknown as OracleToken;
  const treasuryAddress = treasury ?? ethers.Wallet.createRandom().address;
  const factory = await ethers.getContractFactory("OracleStaking", owner);
  const staking = (await factory.deploy(ownerAddress, await token.getAddress(), aggregator, treasuryAddress, params)) as unknown as OracleStaking;
  return { token, staking, stakingAddress: await staking.getAddress(), treasury: treasuryAddress };
}

/** Mints `amount` to `operator` and stakes it for `signer` (approve + stake). */
export async function mintAndStake(s: StakingSetup, operator: Signer, signer: string, amount: bigint): Promise<void> {
  await (await s.token.mint(await operator.getAddress(), amount)).wait();
  await (await s.token.connect(operator).approve(s.stakingAddress, amount)).wait();
  await (await s.staking.connect(operator).stake(signer, amount)).wait();
}

/**
 * Calls admitConfig as the aggregator (what QuorumAggregator.setConfig does once ACCT's
 * setStaking is merged): impersonates the aggregator's address on the Hardhat chain.
 */
export async function admitAs(staking: OracleStaking, aggregator: string, digest: string, signers: string[]): Promise<void> {
  await impersonateAccount(aggregator);
  await setBalance(aggregator, 10n ** 20n);
  const asAggregator = await ethers.getSigner(aggregator);
  try {
    await (await staking.connect(asAggregator).admitConfig(digest, signers)).wait();
  } finally {
    await stopImpersonatingAccount(aggregator);
  }
}

/** One 65-byte signature entry signerIndex ‖ r ‖ yParityAndS of `report` by `key`. */
export function signEntry(report: string, domain: Domain, signerIndex: number, key: Wallet): string {
  return signReportBy(report, domain, [{ signerIndex, key }]);
}

/** A structurally valid one-feed report (raw hex) in `digest`'s epoch-and-round, varied by `value`. */
export function proofReport(digest: string, epochAndRound: bigint, value: bigint, ts = 1_700_000_000): string {
  const hex = (v: bigint | number, bytes: number) => BigInt(v).toString(16).padStart(2 * bytes, "0");
  // header ‖ feed 0, 3 observers (0,1,2), width 8, three observations equal to value
  return "0x" + digest.slice(2) + hex(epochAndRound, 5) + hex(ts, 4) + "01" + "00" + "03" + "000102" + "08" + hex(value, 8).repeat(3);
}
