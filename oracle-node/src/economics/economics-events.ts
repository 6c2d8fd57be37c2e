import { Contract, getAddress, type JsonRpcApiProvider, type Log } from "ethers";
import { loadArtifact } from "../chain/artifacts";
import { rewardsInterface, slaAccountingInterface, stakingInterface } from "./contract";
import type { EconomicsTotals } from "./sla";

/**
 * The rewards columns of `oracle-node sla` over a block range, from the economics contracts:
 * claims (IOracleRewards RewardClaimed), slashes (IOracleStaking Slashed), gas reimbursement
 * accrued in transmit (ISlaAccounting TransmissionAccounted, emitted by the aggregator) and
 * rewards accrued: the change of claimable + claimed of every committee address between the
 * block before the range and its last block (the rewards contract prices the aggregator's
 * counters; its rates are immutable, so the difference is exactly what the range earned).
 */

export interface EconomicsSources {
  provider: JsonRpcApiProvider;
  aggregator: string;
  staking: string | null;
  rewards: string | null;
}

function add(map: Map<string, bigint>, who: string, amount: bigint): void {
  const a = getAddress(who);
  map.set(a, (map.get(a) ?? 0n) + amount);
}

async function logs(p: JsonRpcApiProvider, address: string, topic: string, fromBlock: number, toBlock: number): Promise<Log[]> {
  return p.getLogs({ address, topics: [topic], fromBlock, toBlock });
}

/** What every committee address earned in the range (claimable + claimed at its end minus at its start). */
async function accrued(s: EconomicsSources, rewards: string, fromBlock: number, toBlock: number): Promise<Map<string, bigint>> {
  const agg = new Contract(s.aggregator, loadArtifact("IQuorumAggregator").abi, s.provider);
  const r = new Contract(rewards, rewardsInterface(), s.provider);
  const [signers, transmitters] = (await agg.getOracles({ blockTag: toBlock })) as [string[], string[]];
  const out = new Map<string, bigint>();
  const earned = async (who: string, blockTag: number): Promise<bigint> => {
    if (blockTag < 0) return 0n;
    try {
      return ((await r.claimable(who, { blockTag })) as bigint) + ((await r.claimed(who, { blockTag })) as bigint);
    } catch {
      return 0n; // the rewards contract did not exist yet at that block
    }
  };
  for (const who of new Set([...signers, ...transmitters].map((a) => getAddress(a)))) {
    const delta = (await earned(who, toBlock)) - (await earned(who, fromBlock - 1));
    if (delta !== 0n) out.set(who, delta);
  }
  return out;
}

export async function fetchEconomicsTotals(s: EconomicsSources, fromBlock: number, toBlock: number): Promise<EconomicsTotals> {
  const totals: EconomicsTotals = { rewardsAccrued: new Map(), rewardsClaimed: new Map(), slashed: new Map(), gasReimbursed: new Map() };
  const sla = slaAccountingInterface();
  for (const l of await logs(s.provider, s.aggregator, sla.getEvent("TransmissionAccounted")!.topicHash, fromBlock, toBlock)) {
    const e = sla.parseLog(l);
    if (e) add(totals.gasReimbursed, e.args.transmitter as string, e.args.reimbursementWei as bigint);
  }
  if (s.staking) {
    const st = stakingInterface();
    for (const l of await logs(s.provider, s.staking, st.getEvent("Slashed")!.topicHash, fromBlock, toBlock)) {
      const e = st.parseLog(l);
      if (e) add(totals.slashed, e.args.signer as string, e.args.amount as bigint);
    }
  }
  if (s.rewards) {
    const rw = rewardsInterface();
    for (const l of await logs(s.provider, s.rewards, rw.getEvent("RewardClaimed")!.topicHash, fromBlock, toBlock)) {
      const e = rw.parseLog(l);
      if (e) add(totals.rewardsClaimed, e.args.account as string, e.args.amount as bigint);
    }
    totals.rewardsAccrued = await accrued(s, s.rewards, fromBlock, toBlock);
  }
  return totals;
}
