/**
 * The `sla` section of npm run bench:gas: what service accounting adds to transmit, measured on the same contract
 * with accounting off (mode 0), reimbursement and transmissions only (mode 1) and everything (mode 2). Each mode
 * replays the same reports (same calldata, same block timestamps) from one EVM snapshot, so the differences are
 * the accounting alone:
 * - reimbursementGas: mode 1 - mode 0 (the transmitter's pending slot, its TransmissionAccounted event);
 * - transmitAddedGas: mode 2 - mode 1, averaged over a whole flush period of P = 2^w - 1 transmits of one
 *   transmitter (w = 192 / (n + 1)): (P - 1) steady rounds and the flush round. The steady rounds are measured
 *   (STEADY_ROUNDS of them, all n observers: the most spreading work); the flush round is measured after putting
 *   the pending slot's count at P - 1 with hardhat_setStorageAt (the state P - 1 real transmits would leave),
 *   since P is 63 at n = 31 but 2^24 - 1 at n = 7;
 * - claim: one signer's OracleRewards.claim after those rounds (its first: fresh claimed/paid slots and token balance);
 * - gasOverhead calibration: in mode 2 with gasOverhead 0, what the receipt charged minus the gas transmit accounted
 *   (TransmissionAccounted.gasUsed) in the steady rounds: the accounting's own slot write and event after the
 *   measurement, and the rest of transmit's exit. SLA_GAS_OVERHEAD (oracle-node/src/chain/deploy-rewards.ts, the
 *   value deployEconomics sets) is the smallest of these over n, rounded down to 100, so that for these reports a
 *   reimbursement stays below the receipt (up to ~700 gas below at n = 31); the bench prints both.
 * - stake, raiseAlert, proveEquivocation: scripts/bench-gas-stake.ts (null while OracleStaking is not compiled here).
 */
import hre from "hardhat";
import { toBeHex, zeroPadValue, type Signer } from "ethers";
import { benchStake } from "./bench-gas-stake";
import { SLA_GAS_OVERHEAD } from "../oracle-node/src/chain/deploy-economics";
import { deployAggregator, feedEntry, makeCommittee, observationsAround, signedReport, type Deployed } from "../test/contracts/helpers/committee";

const { ethers } = hre;
const CENTER = 67_123_45000000n;
const SIZES = [4, 7, 16, 31];
const STEADY_ROUNDS = 10;
const GAS_PRICE = 2_000_000_000n;
const CLOCK_START = 2_100_000_000;
const CLOCK_STEP = 1_000;

export interface SlaRow {
  n: number;
  laneWidth: number;
  flushPeriod: number;
  steadyAdded: number;
  flushRoundAdded: number;
  transmitAddedGas: number;
  reimbursementGas: number;
  transmitGasOff: number;
  transmitGasFull: number;
  /** Receipt gas minus accounted gas (gasOverhead 0), steady rounds: min and max. */
  shortfallMin: number;
  shortfallMax: number;
}

export interface SlaGas {
  transmitAddedGas: Record<string, number>;
  reimbursementGas: number;
  raiseAlert: number | null;
  proveEquivocation: number | null;
  claim: number;
  stake: number | null;
  /** The calibrated gasOverhead (min steady shortfall over n, rounded down to 100) and the constant deployEconomics uses. */
  gasOverheadCalibrated: number;
  gasOverheadDeployed: number;
}

/** SlaAccounting.laneWidth: min(192 / (n + 1), 32). */
const laneWidth = (n: number) => Math.min(Math.floor(192 / (n + 1)), 32);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Receipt gas minus the gas transmit accounted for itself (TransmissionAccounted), or null without the event. */
function shortfall(d: Deployed, receipt: { gasUsed: bigint; logs: readonly { topics: readonly string[]; data: string }[] }): number | null {
  for (const log of receipt.logs) {
    const parsed = d.aggregator.interface.parseLog(log);
    if (parsed?.name === "TransmissionAccounted") return Number(receipt.gasUsed - (parsed.args.gasUsed as bigint));
  }
  return null;
}

/** Gas of rounds 1..k (fixed timestamps and epochs from the start), every observer included; `short` gets each round's shortfall. */
async function replay(
  d: Deployed,
  sender: Signer,
  clockStart: number,
  rounds: number,
  beforeLast: () => Promise<void>,
  short: (number | null)[] = [],
): Promise<number[]> {
  const n = d.committee.n;
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r === rounds - 1) await beforeLast();
    const ts = clockStart + r * CLOCK_STEP;
    await ethers.provider.send("evm_setNextBlockTimestamp", [ts]);
    const feeds = [feedEntry(0, observationsAround(CENTER, n, r))];
    const { report, signatures } = signedReport(d, { configDigest: d.configDigest, epoch: 100 + r, round: 1, observationsTimestamp: ts, feeds });
    const receipt = await (await d.aggregator.connect(sender).transmit(report, signatures, { gasPrice: GAS_PRICE, type: 0 })).wait();
    out.push(Number(receipt!.gasUsed));
    short.push(shortfall(d, receipt!));
  }
  return out;
}

/** Puts transmitter 0's pending count at 2^w - 2 so that the next transmit flushes. */
async function nearFlush(d: Deployed, slaSlot: bigint): Promise<void> {
  const n = d.committee.n;
  const w = laneWidth(n);
  const slot = toBeHex(slaSlot);
  const p = BigInt(await ethers.provider.getStorage(d.address, slot));
  const countMask = ((1n << BigInt(w)) - 1n) << BigInt(n * w);
  const next = (p & ~countMask) | (((1n << BigInt(w)) - 2n) << BigInt(n * w));
  await ethers.provider.send("hardhat_setStorageAt", [d.address, slot, zeroPadValue(toBeHex(next), 32)]);
}

async function measureSize(sender: Signer, n: number, slaSlot: bigint): Promise<{ row: SlaRow; d: Deployed }> {
  const f = Math.floor((n - 1) / 3);
  const d = await deployAggregator(sender, makeCommittee(n, f, await sender.getAddress(), `bench-sla-${n}`));
  const gas: number[][] = [];
  const short: (number | null)[] = [];
  const clockStart = Math.max(CLOCK_START, (await ethers.provider.getBlock("latest"))!.timestamp + CLOCK_STEP);
  for (const mode of [0, 1, 2]) {
    // A snapshot is used up by its revert: take one per replay.
    const snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
    if (mode !== 0) await (await d.aggregator.setSlaParams(mode, 100n * GAS_PRICE, 0)).wait();
    gas.push(await replay(d, sender, clockStart, STEADY_ROUNDS + 1, () => nearFlush(d, slaSlot), mode === 2 ? short : []));
    if (mode !== 2 && !(await ethers.provider.send("evm_revert", [snapshot]))) throw new Error("evm_revert failed");
  }
  const [off, reimburse, full] = gas;
  const w = laneWidth(n);
  const period = 2 ** w - 1;
  // Round 0 is the first accounted transmit (cold totals are already marked non-zero); steady: rounds 1..STEADY.
  const steady = (m: number[], base: number[]) => mean(m.slice(1, STEADY_ROUNDS).map((g, i) => g - base[i + 1]));
  const steadyAdded = steady(full, reimburse);
  const steadyShort = short.slice(1, STEADY_ROUNDS).map((x) => x!);
  const flushRoundAdded = full[STEADY_ROUNDS] - reimburse[STEADY_ROUNDS];
  const row: SlaRow = {
    n,
    laneWidth: w,
    flushPeriod: period,
    steadyAdded: Math.round(steadyAdded),
    flushRoundAdded,
    transmitAddedGas: Math.round(((period - 1) * steadyAdded + flushRoundAdded) / period),
    reimbursementGas: Math.round(steady(reimburse, off)),
    transmitGasOff: off[STEADY_ROUNDS - 1],
    transmitGasFull: full[STEADY_ROUNDS - 1],
    shortfallMin: Math.min(...steadyShort),
    shortfallMax: Math.max(...steadyShort),
  };
  return { row, d };
}

/** One signer's claim through OracleRewards after the rounds of `d` (mode 2). */
async function claimGas(sender: Signer, d: Deployed): Promise<number> {
  const owner = await sender.getAddress();
  const token = await (await ethers.getContractFactory("OracleToken", sender)).deploy(owner);
  const rewards = await (await ethers.getContractFactory("OracleRewards", sender)).deploy(d.address, await token.getAddress(), 10n ** 15n, 10n ** 16n);
  await (await token.mint(owner, 10n ** 24n)).wait();
  await (await token.approve(await rewards.getAddress(), 10n ** 24n)).wait();
  await (await rewards.fund(10n ** 24n)).wait();
  const signer = d.committee.signers[1].connect(ethers.provider);
  await (await sender.sendTransaction({ to: signer.address, value: 10n ** 18n })).wait();
  return Number((await (await rewards.connect(signer).claim()).wait())!.gasUsed);
}

export async function benchSla(sender: Signer): Promise<{ rows: SlaRow[]; sla: SlaGas }> {
  const probe = await (await ethers.getContractFactory("SlaSlotProbe", sender)).deploy();
  const slaSlot = BigInt(await probe.slaSlot());
  const rows: SlaRow[] = [];
  let claim = 0;
  for (const n of SIZES) {
    const { row, d } = await measureSize(sender, n, slaSlot);
    rows.push(row);
    if (n === 7) claim = await claimGas(sender, d);
  }
  const transmitAddedGas = Object.fromEntries(rows.map((r) => [String(r.n), r.transmitAddedGas]));
  const reimbursementGas = rows.find((r) => r.n === 7)!.reimbursementGas;
  const [, outsider] = await ethers.getSigners();
  const staking = await benchStake(sender, outsider);
  return {
    rows,
    sla: {
      transmitAddedGas,
      reimbursementGas,
      raiseAlert: staking?.raiseAlert ?? null,
      proveEquivocation: staking?.proveEquivocation ?? null,
      claim,
      stake: staking?.stake ?? null,
      gasOverheadCalibrated: Math.floor(Math.min(...rows.map((r) => r.shortfallMin)) / 100) * 100,
      gasOverheadDeployed: SLA_GAS_OVERHEAD,
    },
  };
}

export function printSla(rows: SlaRow[], sla: SlaGas): void {
  const pad = (v: unknown, w: number) => String(v).padStart(w);
  console.log("\nservice accounting added to transmit (one feed, n observations; same reports replayed with accounting off / mode 1 / mode 2)");
  console.log(
    `${pad("n", 4)}${pad("w", 4)}${pad("flush every", 13)}${pad("steady", 8)}${pad("flush round", 13)}${pad("avg added", 11)}${pad("reimburse", 11)}${pad("gas off", 9)}${pad("gas on", 9)}`,
  );
  for (const r of rows)
    console.log(
      `${pad(r.n, 4)}${pad(r.laneWidth, 4)}${pad(r.flushPeriod, 13)}${pad(r.steadyAdded, 8)}${pad(r.flushRoundAdded, 13)}${pad(r.transmitAddedGas, 11)}${pad(r.reimbursementGas, 11)}${pad(r.transmitGasOff, 9)}${pad(r.transmitGasFull, 9)}`,
    );
  console.log(`  claim (OracleRewards, one signer, n=7): ${sla.claim}`);
  console.log(
    `  gasOverhead: receipt minus accounted gas (overhead 0, steady rounds) ${rows.map((r) => `n=${r.n} ${r.shortfallMin}..${r.shortfallMax}`).join(", ")}; calibrated ${sla.gasOverheadCalibrated}, deployEconomics sets SLA_GAS_OVERHEAD = ${sla.gasOverheadDeployed}`,
  );
  if (sla.stake === null)
    console.log("  stake / raiseAlert / proveEquivocation: null (OracleStaking is not compiled in this tree; measured once it is merged)");
  else console.log(`  OracleStaking (n=7): stake ${sla.stake}, raiseAlert ${sla.raiseAlert}, proveEquivocation ${sla.proveEquivocation}`);
}
