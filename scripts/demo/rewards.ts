import { Contract, formatEther, getAddress, type Provider } from "ethers";
import { rewardsInterface } from "../../oracle-node/src/economics/contract";

/**
 * The demo's rewards column: what each oracle accrued since the economics were deployed, read
 * from OracleRewards (claimable + claimed of its signer, plus its transmitter's when that is
 * another address), in whole reward tokens. The rates are fixed at deployment, so this is
 * exactly observations x rewardPerObservation + transmissions x rewardPerTransmission.
 */
export type RewardsReader = (oracles: Array<{ signer: string; transmitter: string }>) => Promise<Array<string | null>>;

/** Whole tokens, at most 4 decimals ("1.23"); trailing zeros dropped. */
export function tokens(wei: bigint): string {
  const [whole, frac = ""] = formatEther(wei).split(".");
  const cut = frac.slice(0, 4).replace(/0+$/, "");
  return cut ? `${whole}.${cut}` : whole;
}

export function rewardsReader(provider: Provider, rewards: string | null): RewardsReader {
  if (!rewards) return async (oracles) => oracles.map(() => null);
  const c = new Contract(rewards, rewardsInterface(), provider);
  const earned = async (who: string): Promise<bigint> => ((await c.claimable(who)) as bigint) + ((await c.claimed(who)) as bigint);
  return (oracles) =>
    Promise.all(
      oracles.map(async (o) => {
        try {
          const own = await earned(o.signer);
          return tokens(getAddress(o.transmitter) === getAddress(o.signer) ? own : own + (await earned(o.transmitter)));
        } catch {
          return null; // the chain did not answer: shown as unknown, never as 0
        }
      }),
    );
}
