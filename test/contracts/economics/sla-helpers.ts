import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { decodeReport } from "../../../oracle-node/src/protocol/report";
import { Rng } from "../../../oracle-node/src/simulator/rng";
import { deployAggregator, feedEntry, keyFor, now, observationsAround, signedReport, type Committee, type Deployed } from "../helpers/committee";
import type { OracleRewards } from "../../../typechain-types";

/** Builders for the service-accounting tests: committees with real transmitters, reports with chosen observers, and the counts recomputed from events. */

export const MODE_OFF = 0;
export const MODE_REIMBURSE = 1;
export const MODE_FULL = 2;
export const GWEI = 1_000_000_000n;
const CENTER = 2_000_00000000n;

/** n signers; transmitters[i] = `transmitters[i]` where given (funded accounts or contracts), deterministic unused addresses otherwise. */
export function slaCommittee(n: number, f: number, transmitters: string[], seed = "sla"): Committee {
  const signers = Array.from({ length: n }, (_, i) => keyFor(`${seed}/signer`, i));
  const addrs = Array.from({ length: n }, (_, i) => transmitters[i] ?? keyFor(`${seed}/transmitter`, i).address);
  return { n, f, signers, transmitters: addrs };
}

export interface SlaDeployed extends Deployed {
  epoch: number;
}

/** An aggregator with `feeds` unbounded feeds, the committee set and accounting in `mode`. */
export async function deploySla(owner: Signer, committee: Committee, mode = MODE_FULL, gasPriceCap = 100n * GWEI, gasOverhead = 0n, feeds = 1): Promise<SlaDeployed> {
  const d = await deployAggregator(owner, committee, Array.from({ length: feeds }, () => ({})));
  if (mode !== MODE_OFF) await (await d.aggregator.setSlaParams(mode, gasPriceCap, gasOverhead)).wait();
  return { ...d, epoch: 1 };
}

/**
 * Sends one report from `sender` in which feed k has observers `observers[k]` (each at least 2f+1 of them),
 * signed by f+1 signers. Returns the receipt.
 */
export async function transmitObservers(d: SlaDeployed, sender: Signer, observers: number[][], overrides: { gasPrice?: bigint; gasLimit?: bigint } = {}) {
  const { report, signatures } = await observerReport(d, observers);
  const tx = await d.aggregator.connect(sender).transmit(report, signatures, overrides);
  return (await tx.wait())!;
}

/** The next report (epoch) of `d` in which feed k has observers `observers[k]`, signed by f+1 signers. */
export async function observerReport(d: SlaDeployed, observers: number[][]): Promise<{ report: string; signatures: string }> {
  const ts = await now();
  const epoch = d.epoch++;
  const feeds = observers.map((obs, k) => feedEntry(k, observationsAround(CENTER, obs.length, epoch), obs));
  return signedReport(d, { configDigest: d.configDigest, epoch, round: 1, observationsTimestamp: ts, feeds });
}

/** A random set of observers of size in [2f+1, n] (deterministic in `rand`). */
export function randomObservers(n: number, f: number, rand: () => number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const size = 2 * f + 1 + Math.floor(rand() * (n - 2 * f));
  return all.slice(0, size);
}

/** The project's seeded RNG as a () => number. */
export function seeded(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

export interface Recomputed {
  observations: Map<string, bigint>;
  transmissions: Map<string, bigint>;
  reimbursementWei: Map<string, bigint>;
}

const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);

/**
 * Per-address counts from the aggregator's events alone (what the node's `sla` command reads): the committee from
 * ConfigSet, the mode from SlaParamsSet, per NewTransmission one observation for every signer in the union of the
 * report's observers and one transmission for its transmitter, and the wei of every TransmissionAccounted.
 */
export async function recomputeFromEvents(d: Deployed): Promise<Recomputed> {
  const agg = d.aggregator;
  const logs = await ethers.provider.getLogs({ address: d.address, fromBlock: 0, toBlock: "latest" });
  const out: Recomputed = { observations: new Map(), transmissions: new Map(), reimbursementWei: new Map() };
  let signers: string[] = [];
  let mode = MODE_OFF;
  for (const log of logs) {
    const parsed = agg.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) continue;
    if (parsed.name === "ConfigSet") signers = [...(parsed.args.signers as string[])];
    else if (parsed.name === "SlaParamsSet") mode = Number(parsed.args.mode);
    else if (parsed.name === "TransmissionAccounted") add(out.reimbursementWei, parsed.args.transmitter as string, parsed.args.reimbursementWei as bigint);
    else if (parsed.name === "NewTransmission" && mode !== MODE_OFF) {
      add(out.transmissions, parsed.args.transmitter as string, 1n);
      if (mode !== MODE_FULL) continue;
      const union = new Set<number>();
      for (const feed of decodeReport(parsed.args.report as string).feeds) for (const o of feed.observers) union.add(o);
      for (const o of union) add(out.observations, signers[o], 1n);
    }
  }
  return out;
}

/** Asserts-friendly: on-chain totals of `accounts` (OracleRewards.oracleTotals) next to the recomputed ones. */
export async function totalsPair(rewards: OracleRewards, recomputed: Recomputed, accounts: string[]) {
  const onChain: bigint[][] = [];
  const fromEvents: bigint[][] = [];
  for (const a of accounts) {
    const [o, t, w] = await rewards.oracleTotals(a);
    onChain.push([o, t, w]);
    fromEvents.push([recomputed.observations.get(a) ?? 0n, recomputed.transmissions.get(a) ?? 0n, recomputed.reimbursementWei.get(a) ?? 0n]);
  }
  return { onChain, fromEvents };
}

/** An OracleRewards over `aggregator` paying `token`. */
export async function deployRewards(owner: Signer, aggregator: string, token: string, perObservation: bigint, perTransmission: bigint): Promise<OracleRewards> {
  const r = await (await ethers.getContractFactory("OracleRewards", owner)).deploy(aggregator, token, perObservation, perTransmission);
  await r.waitForDeployment();
  return r as unknown as OracleRewards;
}
