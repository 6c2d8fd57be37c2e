/**
 * stake, raiseAlert and proveEquivocation of OracleStaking (contracts/economics/OracleStaking.sol, the stake
 * branch) for the `sla` section of npm run bench:gas: measured when that contract is compiled in this tree, null
 * otherwise. One committee of n = 7 staked at the minimum, its aggregator wired with setStaking; gas from receipts.
 * - stake: the first stake of a signer (its operator's first too: every slot it writes starts at zero);
 * - raiseAlert: an outside account alerting feed 0 once it is past updatedAt + heartbeat + grace (7 signers slashed);
 * - proveEquivocation: an outsider proving signer 0 signed two different reports for one round.
 */
import hre from "hardhat";
import type { Contract, Signer } from "ethers";
import { deployAggregator, feedEntry, makeCommittee, now, observationsAround, signedReport } from "../test/contracts/helpers/committee";

const { ethers } = hre;
const E18 = 10n ** 18n;
const HEARTBEAT = 60;
const GRACE = 300;

export interface StakeGas {
  stake: number;
  raiseAlert: number;
  proveEquivocation: number;
}

const gasOf = async (tx: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>) => Number((await (await tx).wait())!.gasUsed);

export async function benchStake(sender: Signer, outsider: Signer): Promise<StakeGas | null> {
  if (!(await hre.artifacts.artifactExists("OracleStaking"))) return null;
  const owner = await sender.getAddress();
  const committee = makeCommittee(7, 2, owner, "bench-stake");
  const d = await deployAggregator(sender, committee);
  const token = (await (await ethers.getContractFactory("OracleToken", sender)).deploy(owner)) as unknown as Contract;
  const params = {
    minimumStake: 1_000n * E18,
    unbondingPeriod: 14 * 86_400,
    proofWindow: 7 * 86_400,
    alertGracePeriod: GRACE,
    alertSlashAmount: 10n * E18,
    alertRewardBps: 1_000,
    alertRewardCap: 5n * E18,
    maxAlertsPerOutage: 10,
    equivocationSlashBps: 5_000,
    proverRewardBps: 1_000,
    proverRewardCap: 50n * E18,
  };
  const staking = (await (await ethers.getContractFactory("OracleStaking", sender)).deploy(owner, await token.getAddress(), d.address, owner, params)) as unknown as Contract;
  const stakingAddress = await staking.getAddress();
  await (await token.getFunction("mint")(owner, 100_000n * E18)).wait();
  await (await token.getFunction("approve")(stakingAddress, ethers.MaxUint256)).wait();
  const stakes: number[] = [];
  for (const s of committee.signers) stakes.push(await gasOf(staking.getFunction("stake")(s.address, params.minimumStake)));
  await (await d.aggregator.setStaking(stakingAddress)).wait();
  await (await d.aggregator.setConfig(committee.signers.map((s) => s.address), committee.transmitters, committee.f, "0x")).wait();
  const [, , digest] = await d.aggregator.latestConfigDetails();
  const live = { ...d, configDigest: digest };
  const ts = await now();
  const report = (salt: number) => signedReport(live, { configDigest: digest, epoch: 1, round: 1, observationsTimestamp: ts, feeds: [feedEntry(0, observationsAround(100_000n, 5, salt))] }, [0]);
  const a = report(1);
  await (await d.aggregator.transmit(a.report, signedReport(live, { configDigest: digest, epoch: 1, round: 1, observationsTimestamp: ts, feeds: [feedEntry(0, observationsAround(100_000n, 5, 1))] }).signatures)).wait();
  const b = report(2);
  const proveEquivocation = await gasOf(staking.connect(outsider).getFunction("proveEquivocation")(a.report, a.signatures, b.report, b.signatures));
  await (await staking.getFunction("setFeedHeartbeat")(0, HEARTBEAT)).wait();
  await ethers.provider.send("evm_increaseTime", [HEARTBEAT + GRACE + 1]);
  const raiseAlert = await gasOf(staking.connect(outsider).getFunction("raiseAlert")(0));
  return { stake: stakes[0], raiseAlert, proveEquivocation };
}
