/**
 * Gas benchmark of OracleStaking (npm run bench:staking [-- --json]; BENCH_JSON=1 works too).
 * Measures gasUsed from receipts (21k base and calldata included) on Hardhat's in-process chain:
 * - stake: the first stake of a signer (its operator is recorded) and a top-up; stakeWithPermit;
 * - requestUnbond, withdraw (after the unbonding period), withdrawPayout;
 * - admitConfig (what QuorumAggregator.setConfig adds when wired) at n = 4, 7, 16, 31;
 * - raiseAlert at n = 4, 7, 16, 31 (every signer slashed; the alerter credited);
 * - proveEquivocation (two one-feed reports, 65-byte entries) at n = 7.
 * The JSON's "sla" object holds the keys bench:gas's `sla` section reports (docs/economics.md).
 */
import hre from "hardhat";
import { impersonateAccount, setBalance, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import { Signature } from "ethers";
import type { ContractTransactionResponse, Signer } from "ethers";
import { deployAggregator, makeCommittee, type Deployed } from "../test/contracts/helpers/committee";
import { deployStaking, mintAndStake, proofReport, signEntry, testParams, type StakingSetup } from "../test/contracts/helpers/staking";
import { epochAndRound } from "../oracle-node/src/protocol/report";

const { ethers } = hre;
const COMMITTEE_SIZES = [4, 7, 16, 31];
const PARAMS = testParams({ maxAlertsPerOutage: 10 });
const HEARTBEAT = 3600;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

interface Setup extends StakingSetup {
  d: Deployed;
  operators: Signer[];
}

/** An aggregator with an n-member committee, each signer staked (operators: accounts 2..16). */
async function staked(n: number): Promise<Setup> {
  const accounts = await ethers.getSigners();
  const committee = makeCommittee(n, Math.floor((n - 1) / 3), accounts[1].address, `bench-staking/${n}`);
  const d = await deployAggregator(accounts[0], committee);
  const s = await deployStaking(accounts[0], d.address, PARAMS);
  const operators = committee.signers.map((_, i) => accounts[2 + (i % 15)]);
  for (let i = 0; i < n; i++) await mintAndStake(s, operators[i], committee.signers[i].address, PARAMS.minimumStake);
  await s.staking.setFeedHeartbeat(0, HEARTBEAT);
  return { ...s, d, operators };
}

async function benchStakeAndUnbond(): Promise<Record<string, number>> {
  const [owner, , op] = await ethers.getSigners();
  const s = await deployStaking(owner, ethers.Wallet.createRandom().address, PARAMS);
  const signer = ethers.Wallet.createRandom().address;
  await (await s.token.mint(op.address, 10n * PARAMS.minimumStake)).wait();
  await (await s.token.connect(op).approve(s.stakingAddress, 10n * PARAMS.minimumStake)).wait();
  const stakeFirst = await gasOf(s.staking.connect(op).stake(signer, PARAMS.minimumStake));
  const stakeTopUp = await gasOf(s.staking.connect(op).stake(signer, PARAMS.minimumStake));
  const other = ethers.Wallet.createRandom().address;
  const deadline = Math.floor(Date.now() / 1000) + 3600 * 24 * 365;
  const domain = { name: "Oracle Stake", version: "1", chainId: (await ethers.provider.getNetwork()).chainId, verifyingContract: await s.token.getAddress() };
  const types = {
    Permit: ["owner:address", "spender:address", "value:uint256", "nonce:uint256", "deadline:uint256"].map((t) => ({
      name: t.split(":")[0],
      type: t.split(":")[1],
    })),
  };
  const value = { owner: op.address, spender: s.stakingAddress, value: PARAMS.minimumStake, nonce: await s.token.nonces(op.address), deadline };
  const sig = Signature.from(await op.signTypedData(domain, types, value));
  const stakeWithPermit = await gasOf(s.staking.connect(op).stakeWithPermit(other, PARAMS.minimumStake, deadline, sig.v, sig.r, sig.s));
  const requestUnbond = await gasOf(s.staking.connect(op).requestUnbond(signer, PARAMS.minimumStake));
  await ethers.provider.send("evm_increaseTime", [PARAMS.unbondingPeriod]);
  const withdraw = await gasOf(s.staking.connect(op).withdraw(signer));
  return { stakeFirst, stakeTopUp, stakeWithPermit, requestUnbond, withdraw };
}

async function benchCommittee(n: number): Promise<{ admitConfig: number; raiseAlert: number; proveEquivocation: number; withdrawPayout: number }> {
  const s = await staked(n);
  const accounts = await ethers.getSigners();
  const asAggregator = await admitGas(s);
  const alerter = accounts[18];
  await ethers.provider.send("evm_increaseTime", [HEARTBEAT + PARAMS.alertGracePeriod + 1]);
  const raiseAlert = await gasOf(s.staking.connect(alerter).raiseAlert(0));
  const er = epochAndRound(3, 1);
  const a = proofReport(s.d.configDigest, er, 1n);
  const b = proofReport(s.d.configDigest, er, 2n);
  const key = s.d.committee.signers[1];
  const proveEquivocation = await gasOf(s.staking.connect(alerter).proveEquivocation(a, signEntry(a, s.d.domain, 1, key), b, signEntry(b, s.d.domain, 1, key)));
  const withdrawPayout = await gasOf(s.staking.connect(alerter).withdrawPayout());
  return { admitConfig: asAggregator, raiseAlert, proveEquivocation, withdrawPayout };
}

/** Gas of admitConfig sent from the aggregator's (impersonated) address, as setConfig will. */
async function admitGas(s: Setup): Promise<number> {
  await impersonateAccount(s.d.address);
  await setBalance(s.d.address, 10n ** 20n);
  const asAggregator = await ethers.getSigner(s.d.address);
  const gas = await gasOf(
    s.staking.connect(asAggregator).admitConfig(
      s.d.configDigest,
      s.d.committee.signers.map((w) => w.address),
    ),
  );
  await stopImpersonatingAccount(s.d.address);
  return gas;
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json") || process.env.BENCH_JSON === "1";
  const single = await benchStakeAndUnbond();
  const perN: Record<number, Awaited<ReturnType<typeof benchCommittee>>> = {};
  for (const n of COMMITTEE_SIZES) perN[n] = await benchCommittee(n);
  const sla = { raiseAlert: perN[7].raiseAlert, proveEquivocation: perN[7].proveEquivocation, stake: single.stakeFirst, withdraw: single.withdraw };
  if (json) {
    console.log(JSON.stringify({ staking: { ...single, perCommittee: perN }, sla }));
    return;
  }
  console.log("OracleStaking gas (receipts, 21k base and calldata included)\n");
  for (const [k, v] of Object.entries(single)) console.log(`${k.padEnd(18)} ${String(v).padStart(9)}`);
  console.log("\n  n   admitConfig   raiseAlert   proveEquivocation   withdrawPayout");
  for (const n of COMMITTEE_SIZES) {
    const r = perN[n];
    console.log(
      `${String(n).padStart(3)} ${String(r.admitConfig).padStart(13)} ${String(r.raiseAlert).padStart(12)} ${String(r.proveEquivocation).padStart(19)} ${String(r.withdrawPayout).padStart(16)}`,
    );
  }
  console.log(`\nsla (n = 7): ${JSON.stringify(sla)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
