import { getAddress } from "ethers";
import { expectedAnswer, type Report } from "../protocol/report";

/**
 * The service-level view of a committee, computed from what the chain recorded alone (no node's
 * own database): per oracle over a block range, how often its observation made it into the
 * reports (inclusion), how often it signed them, its transmissions and their success, the gas it
 * spent against what the contract reimbursed, how far its observations lay from the reported
 * median, and its rewards accrued, claimed and slashed. `computeSla` is a pure function of the
 * fetched records (`sla-fetch.ts` reads them from an RPC); the CLI (`oracle-node sla`), the
 * dashboard and /metrics all show its rows.
 */

/** One committee config active in the range (from its ConfigSet event). */
export interface SlaConfig {
  configDigest: string;
  blockNumber: number;
  signers: string[];
  transmitters: string[];
  f: number;
}

/** A transmit that landed: its NewTransmission report, the signer indices of its calldata, its receipt. */
export interface LandedTransmission {
  blockNumber: number;
  txHash: string;
  transmitter: string;
  report: Report;
  /** Committee indices of the transmit call's signatures. */
  signerIndices: number[];
  gasUsed: bigint;
  /** Effective gas price paid (wei per gas). */
  gasPrice: bigint;
}

/** A transmit to the aggregator that reverted (found by scanning the range's blocks). */
export interface RevertedTransmission {
  blockNumber: number;
  txHash: string;
  from: string;
  gasUsed: bigint;
  gasPrice: bigint;
}

/** Per-address economics amounts from the economics contracts' events (token units or wei). */
export interface EconomicsTotals {
  /** Rewards accrued (token units) per oracle address (signer or transmitter address). */
  rewardsAccrued: Map<string, bigint>;
  rewardsClaimed: Map<string, bigint>;
  /** Stake slashed (token units) per operator/signer address. */
  slashed: Map<string, bigint>;
  /** Gas reimbursement accrued (wei) per transmitter address. */
  gasReimbursed: Map<string, bigint>;
}

export interface SlaInput {
  fromBlock: number;
  toBlock: number;
  configs: SlaConfig[];
  landed: LandedTransmission[];
  /** Null when the range was not scanned for reverted transmissions. */
  reverted: RevertedTransmission[] | null;
  /** Null when no economics contract is configured. */
  economics: EconomicsTotals | null;
}

/** |observation - median| in basis points, two decimals (null when the oracle was never included). */
export interface DeviationStats {
  p50: number;
  p95: number;
  max: number;
}

export interface OracleSla {
  /** Committee index in the newest config of the range that holds this signer. */
  index: number;
  signer: string;
  transmitter: string;
  /** Feed entries of reports while this oracle was a member, and how many carried its observation. */
  feedEntries: number;
  included: number;
  /** included / feedEntries, 0..1 (null with no report in the range). */
  inclusionRate: number | null;
  reports: number;
  signed: number;
  signatureShare: number | null;
  transmissionsLanded: number;
  /** Null when reverted transmissions were not scanned. */
  transmissionsReverted: number | null;
  /** landed / (landed + reverted); null when not scanned or none sent. */
  transmissionSuccess: number | null;
  gasSpentWei: bigint;
  /** Null without an economics contract. */
  gasReimbursedWei: bigint | null;
  deviationBps: DeviationStats | null;
  rewardsAccrued: bigint | null;
  rewardsClaimed: bigint | null;
  slashed: bigint | null;
}

export interface SlaResult {
  fromBlock: number;
  toBlock: number;
  reports: number;
  oracles: OracleSla[];
}

interface Acc {
  index: number;
  signer: string;
  transmitter: string;
  feedEntries: number;
  included: number;
  reports: number;
  signed: number;
  landed: number;
  reverted: number;
  gasSpent: bigint;
  deviations: number[];
}

/** |v - m| * 10_000 / |m| in bps, rounded down to 0.01 bps; 0 when both are 0, capped at 1e9 bps. */
export function deviationBps(v: bigint, m: bigint): number {
  const d = v >= m ? v - m : m - v;
  const absM = m < 0n ? -m : m;
  if (d === 0n) return 0;
  if (absM === 0n) return BPS_CAP;
  const hundredths = (d * 1_000_000n) / absM;
  return hundredths > BigInt(BPS_CAP * 100) ? BPS_CAP : Number(hundredths) / 100;
}

/** A deviation above 10^9 bps (10^5 times the median) says "absurd"; the exact size does not matter. */
const BPS_CAP = 1_000_000_000;

/** Nearest-rank percentile of a sorted list (q in 0..1). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("percentile of an empty list");
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

function lookup(map: Map<string, bigint> | undefined, ...addrs: string[]): bigint {
  if (!map) return 0n;
  let sum = 0n;
  for (const a of new Set(addrs)) sum += map.get(a) ?? 0n;
  return sum;
}

/** Builds the accumulators: one per signer address of any config in the range, newest config's index wins. */
function accumulators(configs: readonly SlaConfig[]): Map<string, Acc> {
  const bySigner = new Map<string, Acc>();
  for (const c of [...configs].sort((a, b) => a.blockNumber - b.blockNumber)) {
    c.signers.forEach((s, i) => {
      const signer = getAddress(s);
      const prev = bySigner.get(signer);
      const transmitter = getAddress(c.transmitters[i] ?? s);
      if (prev) Object.assign(prev, { index: i, transmitter });
      else
        bySigner.set(signer, {
          index: i,
          signer,
          transmitter,
          feedEntries: 0,
          included: 0,
          reports: 0,
          signed: 0,
          landed: 0,
          reverted: 0,
          gasSpent: 0n,
          deviations: [],
        });
    });
  }
  return bySigner;
}

function addReport(t: LandedTransmission, config: SlaConfig, bySigner: Map<string, Acc>, byTransmitter: Map<string, Acc>): void {
  const members = config.signers.map((s) => bySigner.get(getAddress(s))!);
  const signed = new Set(t.signerIndices);
  members.forEach((m, i) => {
    m.reports += 1;
    if (signed.has(i)) m.signed += 1;
    m.feedEntries += t.report.feeds.length;
  });
  for (const feed of t.report.feeds) {
    const med = expectedAnswer(feed.observations);
    feed.observers.forEach((o, k) => {
      const m = members[o];
      if (!m) return; // an observer index outside the committee: the contract refuses such reports
      m.included += 1;
      m.deviations.push(deviationBps(feed.observations[k], med));
    });
  }
  const sender = byTransmitter.get(getAddress(t.transmitter));
  if (sender) {
    sender.landed += 1;
    sender.gasSpent += t.gasUsed * t.gasPrice;
  }
}

/** The per-oracle SLA rows of a range. Reports under a config not in `configs` are ignored. */
export function computeSla(input: SlaInput): SlaResult {
  const bySigner = accumulators(input.configs);
  const byTransmitter = new Map<string, Acc>();
  for (const a of bySigner.values()) byTransmitter.set(a.transmitter, a);
  const byDigest = new Map(input.configs.map((c) => [c.configDigest.toLowerCase(), c]));
  let reports = 0;
  for (const t of input.landed) {
    if (t.blockNumber < input.fromBlock || t.blockNumber > input.toBlock) continue;
    const config = byDigest.get(t.report.configDigest.toLowerCase());
    if (!config) continue;
    reports += 1;
    addReport(t, config, bySigner, byTransmitter);
  }
  for (const r of input.reverted ?? []) {
    const sender = byTransmitter.get(getAddress(r.from));
    if (!sender || r.blockNumber < input.fromBlock || r.blockNumber > input.toBlock) continue;
    sender.reverted += 1;
    sender.gasSpent += r.gasUsed * r.gasPrice;
  }
  const e = input.economics;
  const oracles = [...bySigner.values()]
    .sort((a, b) => a.index - b.index || a.signer.localeCompare(b.signer))
    .map((a): OracleSla => {
      const devs = [...a.deviations].sort((x, y) => x - y);
      const sent = a.landed + a.reverted;
      return {
        index: a.index,
        signer: a.signer,
        transmitter: a.transmitter,
        feedEntries: a.feedEntries,
        included: a.included,
        inclusionRate: ratio(a.included, a.feedEntries),
        reports: a.reports,
        signed: a.signed,
        signatureShare: ratio(a.signed, a.reports),
        transmissionsLanded: a.landed,
        transmissionsReverted: input.reverted ? a.reverted : null,
        transmissionSuccess: input.reverted ? ratio(a.landed, sent) : null,
        gasSpentWei: a.gasSpent,
        gasReimbursedWei: e ? lookup(e.gasReimbursed, a.transmitter, a.signer) : null,
        deviationBps: devs.length ? { p50: percentile(devs, 0.5), p95: percentile(devs, 0.95), max: devs[devs.length - 1] } : null,
        rewardsAccrued: e ? lookup(e.rewardsAccrued, a.signer, a.transmitter) : null,
        rewardsClaimed: e ? lookup(e.rewardsClaimed, a.signer, a.transmitter) : null,
        slashed: e ? lookup(e.slashed, a.signer, a.transmitter) : null,
      };
    });
  return { fromBlock: input.fromBlock, toBlock: input.toBlock, reports, oracles };
}
