import { formatEther } from "ethers";
import type { OracleSla, SlaResult } from "./sla";

/**
 * The SLA rows as the CLI prints them: a fixed-width table, or JSON with amounts as decimal
 * strings (wei, token base units) so nothing is rounded. The dashboard reads the same JSON.
 */
export interface OracleSlaJson {
  index: number;
  signer: string;
  transmitter: string;
  feedEntries: number;
  included: number;
  inclusionRate: number | null;
  reports: number;
  signed: number;
  signatureShare: number | null;
  transmissions: { landed: number; reverted: number | null; success: number | null };
  gas: { spentWei: string; reimbursedWei: string | null };
  deviationBps: { p50: number; p95: number; max: number } | null;
  rewards: { accrued: string | null; claimed: string | null; slashed: string | null };
}

export interface SlaJson {
  fromBlock: number;
  toBlock: number;
  reports: number;
  oracles: OracleSlaJson[];
}

const str = (v: bigint | null): string | null => (v === null ? null : v.toString());

export function oracleSlaJson(o: OracleSla): OracleSlaJson {
  return {
    index: o.index,
    signer: o.signer,
    transmitter: o.transmitter,
    feedEntries: o.feedEntries,
    included: o.included,
    inclusionRate: o.inclusionRate,
    reports: o.reports,
    signed: o.signed,
    signatureShare: o.signatureShare,
    transmissions: { landed: o.transmissionsLanded, reverted: o.transmissionsReverted, success: o.transmissionSuccess },
    gas: { spentWei: o.gasSpentWei.toString(), reimbursedWei: str(o.gasReimbursedWei) },
    deviationBps: o.deviationBps,
    rewards: { accrued: str(o.rewardsAccrued), claimed: str(o.rewardsClaimed), slashed: str(o.slashed) },
  };
}

export function slaJson(r: SlaResult): SlaJson {
  return { fromBlock: r.fromBlock, toBlock: r.toBlock, reports: r.reports, oracles: r.oracles.map(oracleSlaJson) };
}

const pct = (v: number | null): string => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);
const amount = (v: bigint | null, decimals = 18): string => (v === null ? "-" : decimals === 18 ? trim(formatEther(v)) : v.toString());
const trim = (s: string): string => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);

/** The table `oracle-node sla` prints (token amounts and gas in whole units, 18 decimals). */
export function formatSlaTable(r: SlaResult): string {
  const head = ["#", "signer", "incl", "sigs", "tx ok/rev", "gas spent", "gas reimb", "dev p50/p95/max bps", "accrued", "claimed", "slashed"];
  const rows = r.oracles.map((o) => [
    String(o.index),
    `${o.signer.slice(0, 8)}…${o.signer.slice(-4)}`,
    `${pct(o.inclusionRate)} (${o.included}/${o.feedEntries})`,
    pct(o.signatureShare),
    `${o.transmissionsLanded}/${o.transmissionsReverted ?? "-"}`,
    amount(o.gasSpentWei),
    amount(o.gasReimbursedWei),
    o.deviationBps ? `${o.deviationBps.p50}/${o.deviationBps.p95}/${o.deviationBps.max}` : "-",
    amount(o.rewardsAccrued),
    amount(o.rewardsClaimed),
    amount(o.slashed),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [`blocks ${r.fromBlock}..${r.toBlock}: ${r.reports} report(s)`, line(head), ...rows.map(line)].join("\n");
}
