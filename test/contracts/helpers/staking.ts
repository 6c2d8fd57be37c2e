import { impersonateAccount, setBalance, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { signReportBy, type Domain } from "../../../oracle-node/src/protocol/report";
import type { StakingParams } from "../../../oracle-node/src/chain/deploy-economics";
import type { Wallet } from "ethers";
import type { OracleStaking, OracleToken } from "../../../typechain-types";
import { deployAggregator, feedEntry, makeCommittee, signedReport, type Deployed } from "./committee";

/** Builders for the staking tests: parameters, a deployed token + staking, admitted configs. */

export const E18 = 10n ** 18n;
export const DAY = 24 * 3600;

export type { StakingParams };

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
export async function deployStaking(
  owner: Signer,
  aggregator: string,
  params: StakingParams = testParams(),
  tokenName: "OracleToken" | "ReentrantToken" = "OracleToken",
): Promise<StakingSetup> {
  const ownerAddress = await owner.getAddress();
  const tokenFactory = await ethers.getContractFactory(tokenName, owner);
  // ReentrantToken has the same mint(to, amount) and ERC20 surface the tests use.
  const token = (await (tokenName === "OracleToken" ? tokenFactory.deploy(ownerAddress) : tokenFactory.deploy())) as unknown as OracleToken;
  const treasuryAddress = ethers.Wallet.createRandom().address;
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
  const hex = (v: bigint | number, bytes: number) =>
    BigInt(v)
      .toString(16)
      .padStart(2 * bytes, "0");
  // header ‖ feed 0, 3 observers (0,1,2), width 8, three observations equal to value
  return "0x" + digest.slice(2) + hex(epochAndRound, 5) + hex(ts, 4) + "01" + "00" + "03" + "000102" + "08" + hex(value, 8).repeat(3);
}

export interface StakedCommittee extends StakingSetup {
  d: Deployed;
  /** operators[i] staked for committee signer i. */
  operators: Signer[];
  transmitter: Signer;
}

/**
 * A QuorumAggregator (n = 4, f = 1, `feeds` feeds; Hardhat account 1 transmits at index 0), a
 * token + staking for it, each signer staked `stakeEach` by its own operator (accounts 2..5) and
 * the config admitted.
 */
export async function stakedCommittee(
  params: StakingParams = testParams(),
  feeds = 2,
  stakeEach?: bigint,
  tokenName: "OracleToken" | "ReentrantToken" = "OracleToken",
): Promise<StakedCommittee> {
  const [owner, transmitter, ...rest] = await ethers.getSigners();
  const committee = makeCommittee(4, 1, transmitter.address, "staking");
  const d = await deployAggregator(
    owner,
    committee,
    Array.from({ length: feeds }, () => ({})),
  );
  const s = await deployStaking(owner, d.address, params, tokenName);
  const operators = rest.slice(0, 4);
  for (let i = 0; i < 4; i++) await mintAndStake(s, operators[i], committee.signers[i].address, stakeEach ?? params.minimumStake);
  await admitAs(
    s.staking,
    d.address,
    d.configDigest,
    committee.signers.map((w) => w.address),
  );
  return { ...s, d, operators, transmitter };
}

/** Transmits a fresh report for `feedIndex` (signers 0 and 1), so the feed's updatedAt is now. */
export async function transmitFresh(c: StakedCommittee, feedIndex: number, epoch: number, round = 1): Promise<void> {
  const block = await ethers.provider.getBlock("latest");
  const r = signedReport(c.d, {
    configDigest: c.d.configDigest,
    epoch,
    round,
    observationsTimestamp: block!.timestamp,
    feeds: [feedEntry(feedIndex, [100n, 101n, 102n])],
  });
  await (await c.d.aggregator.connect(c.transmitter).transmit(r.report, r.signatures)).wait();
}
