import { Contract, formatUnits, getAddress, type Signer } from "ethers";
import { loadArtifact } from "../chain/artifacts";
import { parseEconomicsError, rewardsInterface, stakingInterface } from "./contract";

/**
 * The operator and watcher actions on the economics contracts (`oracle-node stake|unbond|withdraw|
 * claim|alert`). Each one is first simulated (eth_call) so that whatever the contract's rule
 * refuses comes back as an EconomicsError naming the rule, before any transaction is sent; only
 * then is the transaction sent and its receipt checked.
 */

export class EconomicsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EconomicsError";
  }
}

/** Token amounts print with the token's 18 decimals. */
export const fmt = (v: bigint): string => formatUnits(v, 18);

/** An explanation per custom error of the economics contracts; the rest print as Name(args). */
function explain(name: string, a: readonly unknown[]): string {
  const s = (i: number): string => String(a[i]);
  switch (name) {
    case "FeedNotStale":
      return `feed ${s(0)} is fresh: no alert before block time ${s(2)} (updatedAt ${s(1)} + heartbeat + grace)`;
    case "HeartbeatNotSet":
      return `feed ${s(0)} has no alert heartbeat in the staking contract: alerts are off for it`;
    case "AlertWindowUsed":
      return `an alert was already raised for feed ${s(0)} in this heartbeat window (${s(1)}): wait for the next window`;
    case "AlertCapReached":
      return `feed ${s(0)}'s outage already had the maximum ${s(1)} alerts`;
    case "NotOperator":
      return `${s(1)} is not the operator of signer ${s(0)} (its operator is ${s(2)})`;
    case "SignerInActiveConfig":
      return `signer ${s(0)} is in the aggregator's active config: it cannot start unbonding until a new config drops it`;
    case "InsufficientStake":
      return `signer ${s(0)} has ${fmt(a[2] as bigint)} active stake, less than the ${fmt(a[1] as bigint)} requested`;
    case "UnbondingNotEnded":
      return `signer ${s(0)}'s unbonding ends at block time ${s(1)} (now ${s(2)}): nothing to withdraw yet`;
    case "NothingToWithdraw":
      return `nothing to withdraw for ${s(0)}`;
    case "NothingToClaim":
      return `nothing to claim for ${s(0)}`;
    case "StakeBelowMinimum":
      return `signer ${s(0)} would hold ${fmt(a[1] as bigint)}, below the minimum stake ${fmt(a[2] as bigint)}`;
    case "ZeroAmount":
      return "the amount must be above 0";
    case "NoActiveConfig":
      return "the staking contract has no admitted config: nobody to alert";
    default:
      return `${name}(${a.map(String).join(", ")})`;
  }
}

function revertData(err: unknown): string | null {
  const e = err as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } };
  for (const d of [e.data, e.info?.error?.data, e.error?.data]) if (typeof d === "string") return d;
  return null;
}

/** Runs `fn(args)` as an eth_call, then as a transaction; a revert becomes an EconomicsError. */
async function simulateAndSend(contract: Contract, fn: string, args: unknown[], what: string): Promise<{ result: unknown; hash: string; block: number }> {
  let result: unknown;
  try {
    result = await contract.getFunction(fn).staticCall(...args);
  } catch (err) {
    const parsed = parseEconomicsError(revertData(err));
    if (parsed) throw new EconomicsError(`${what} refused: ${explain(parsed.name, [...parsed.args])}`);
    throw new EconomicsError(`${what} failed: ${(err as Error).message.split("\n")[0]}`);
  }
  const tx = await contract.getFunction(fn)(...args);
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new EconomicsError(`${what} reverted on chain (tx ${tx.hash})`);
  return { result, hash: tx.hash as string, block: receipt.blockNumber as number };
}

export interface Contracts {
  staking: Contract | null;
  rewards: Contract | null;
}

export function connect(signer: Signer, staking: string | null, rewards: string | null): Contracts {
  return {
    staking: staking ? new Contract(staking, stakingInterface(), signer) : null,
    rewards: rewards ? new Contract(rewards, rewardsInterface(), signer) : null,
  };
}

function need<T>(c: T | null, what: string): T {
  if (!c) throw new EconomicsError(`no ${what} contract: give --${what} <address> or an addresses file whose economics names it`);
  return c;
}

/** Approves (when the allowance is short) and stakes `amount` for `signer`; returns the new active stake. */
export async function stake(c: Contracts, signer: string, amount: bigint): Promise<{ active: bigint; hash: string }> {
  const staking = need(c.staking, "staking");
  if (amount <= 0n) throw new EconomicsError("stake: the amount must be above 0");
  const runner = staking.runner as Signer;
  const me = await runner.getAddress();
  const token = new Contract(await staking.token(), loadArtifact("OracleToken").abi, runner);
  const balance = (await token.balanceOf(me)) as bigint;
  if (balance < amount) throw new EconomicsError(`stake: ${me} holds ${fmt(balance)} tokens, less than the ${fmt(amount)} to stake`);
  const spender = await staking.getAddress();
  if (((await token.allowance(me, spender)) as bigint) < amount) {
    const r = await (await token.approve(spender, amount)).wait();
    if (!r || r.status !== 1) throw new EconomicsError("stake: approve reverted");
  }
  const out = await simulateAndSend(staking, "stake", [getAddress(signer), amount], "stake");
  const st = (await staking.stakeOf(signer)) as { active: bigint };
  return { active: st.active, hash: out.hash };
}

export async function unbond(c: Contracts, signer: string, amount: bigint): Promise<{ endsAt: bigint; hash: string }> {
  const staking = need(c.staking, "staking");
  if (amount <= 0n) throw new EconomicsError("unbond: the amount must be above 0");
  const out = await simulateAndSend(staking, "requestUnbond", [getAddress(signer), amount], "unbond");
  const st = (await staking.stakeOf(signer)) as { unbondingEndsAt: bigint };
  return { endsAt: st.unbondingEndsAt, hash: out.hash };
}

/** Withdraws the signer's unbonded stake (to its operator), or with `signer` null the caller's alerter/prover payouts. */
export async function withdraw(c: Contracts, signer: string | null): Promise<{ amount: bigint; hash: string }> {
  const staking = need(c.staking, "staking");
  const out = signer
    ? await simulateAndSend(staking, "withdraw", [getAddress(signer)], "withdraw")
    : await simulateAndSend(staking, "withdrawPayout", [], "withdraw --payout");
  return { amount: out.result as bigint, hash: out.hash };
}

/** Claims the caller's reward tokens and its native gas reimbursement, each when something is owed. */
export async function claim(c: Contracts): Promise<{ rewards: bigint; reimbursementWei: bigint }> {
  const rewards = need(c.rewards, "rewards");
  const me = await (rewards.runner as Signer).getAddress();
  const claimable = (await rewards.claimable(me)) as bigint;
  const owed = (await rewards.reimbursementOwed(me)) as bigint;
  if (claimable === 0n && owed === 0n) throw new EconomicsError(`claim refused: nothing to claim for ${me} (no rewards, no reimbursement owed)`);
  let paid = 0n;
  let wei = 0n;
  if (claimable > 0n) paid = (await simulateAndSend(rewards, "claim", [], "claim")).result as bigint;
  if (owed > 0n) wei = (await simulateAndSend(rewards, "withdrawReimbursement", [], "claim (reimbursement)")).result as bigint;
  return { rewards: paid, reimbursementWei: wei };
}

/** Raises a staleness alert for feed `feedIndex` when the contract's rule allows; returns what it slashed and paid. */
export async function alert(c: Contracts, feedIndex: number): Promise<{ slashed: bigint; reward: bigint; hash: string }> {
  const staking = need(c.staking, "staking");
  const out = await simulateAndSend(staking, "raiseAlert", [feedIndex], `alert for feed ${feedIndex}`);
  const [slashed, reward] = out.result as [bigint, bigint];
  return { slashed, reward, hash: out.hash };
}
