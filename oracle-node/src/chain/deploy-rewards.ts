import { Contract, type ContractTransactionResponse, type NonceManager } from "ethers";
import { loadArtifact } from "./artifacts";
import { DeployError, deployContract, send } from "./deploy";

/**
 * The rewards half of deployEconomics (docs/economics.md "Rewards and gas reimbursement"): an
 * OracleRewards bound to the aggregator and the token, its reward budget minted and funded, the
 * native reimbursement pot, and the aggregator's accounting switched on (setSlaParams).
 */

const E18 = 10n ** 18n;
const GWEI = 10n ** 9n;

/**
 * transmit's gasOverhead (setSlaParams): the gas a transmit's receipt charges beyond what it
 * accounts for itself (the accounting's own slot write and event after the measurement, and the
 * rest of transmit's exit). Calibrated by `npm run bench:gas` (scripts/bench-gas-sla.ts prints
 * "gasOverhead: receipt minus accounted gas ... calibrated N"): the smallest steady-round
 * shortfall over n = 4, 7, 16, 31, rounded down to 100, so that for the bench's reports a
 * reimbursement stays below the receipt (docs/economics.md "Deploying the economics"). The bench prints this constant next to its measurement; re-run it when transmit
 * changes.
 */
export const SLA_GAS_OVERHEAD = 6_300;

/** The aggregator's accounting modes (contracts/libraries/SlaAccounting.sol): off, transmissions and gas, everything. */
export type SlaMode = 0 | 1 | 2;

/**
 * Default gasPriceCap per chain id, gwei (docs/economics.md "Deploying the economics"). The cap
 * bounds what a transmitter that sets its own priority fee can make the pot pay. Other chains:
 * give `gasPriceCap` explicitly.
 */
export const DEFAULT_GAS_PRICE_CAP_GWEI: Readonly<Record<number, bigint>> = {
  1: 200n, // Ethereum mainnet
  11155111: 100n, // Sepolia
  31337: 100n, // Hardhat (the tests, the demo)
  1337: 100n, // local development chains (geth --dev, Ganache)
};

export interface RewardParams {
  /** Reward tokens per observation a report included (OracleRewards constructor; fixed). */
  rewardPerObservation: bigint;
  /** Reward tokens per transmission that landed (fixed). */
  rewardPerTransmission: bigint;
  /** Tokens minted to the deployer and funded into the reward budget (0: none; anyone can fund later). */
  budget: bigint;
  /** Native wei the deployer puts in the reimbursement pot (0: none). */
  reimbursementPot: bigint;
  /** setSlaParams mode: 2 counts observations, transmissions and gas. */
  mode: SlaMode;
  /** Wei; default DEFAULT_GAS_PRICE_CAP_GWEI of the chain. A multiple of 10^6 wei, at most (2^32 - 1) x 10^6. */
  gasPriceCap?: bigint;
  /** Gas added to every transmit's measured gas; default SLA_GAS_OVERHEAD. */
  gasOverhead: number;
}

/** The defaults, in one place: a transmission earns 5 observations' worth; 10,000 ORS of budget. */
export const DEFAULT_REWARD_PARAMS: RewardParams = {
  rewardPerObservation: E18 / 100n,
  rewardPerTransmission: (5n * E18) / 100n,
  budget: 10_000n * E18,
  reimbursementPot: 0n,
  mode: 2,
  gasOverhead: SLA_GAS_OVERHEAD,
};

/** The parameters as deployed (the cap resolved for the chain). */
export type ResolvedRewardParams = RewardParams & { gasPriceCap: bigint };

const GAS_PRICE_UNIT = 1_000_000n;
const MAX_GAS_PRICE_CAP = (2n ** 32n - 1n) * GAS_PRICE_UNIT;
const MAX_GAS_OVERHEAD = 2 ** 24 - 1;

/** Defaults filled in and every value checked against setSlaParams' rules (nothing sent yet). */
export function resolveRewardParams(over: Partial<RewardParams> | undefined, chainId: number): ResolvedRewardParams {
  const p = { ...DEFAULT_REWARD_PARAMS, ...over };
  const capGwei = DEFAULT_GAS_PRICE_CAP_GWEI[chainId];
  const gasPriceCap = p.gasPriceCap ?? (capGwei === undefined ? undefined : capGwei * GWEI);
  if (gasPriceCap === undefined) throw new DeployError(`no default gasPriceCap for chain ${chainId}: give one (wei)`);
  if (![0, 1, 2].includes(p.mode)) throw new DeployError(`SLA mode ${p.mode} is not 0, 1 or 2`);
  if (gasPriceCap < 0n || gasPriceCap % GAS_PRICE_UNIT !== 0n || gasPriceCap > MAX_GAS_PRICE_CAP)
    throw new DeployError(`gasPriceCap ${gasPriceCap} wei must be a multiple of 10^6 wei, at most ${MAX_GAS_PRICE_CAP}`);
  if (!Number.isInteger(p.gasOverhead) || p.gasOverhead < 0 || p.gasOverhead > MAX_GAS_OVERHEAD)
    throw new DeployError(`gasOverhead ${p.gasOverhead} outside 0..${MAX_GAS_OVERHEAD}`);
  for (const k of ["rewardPerObservation", "rewardPerTransmission", "budget", "reimbursementPot"] as const)
    if (p[k] < 0n) throw new DeployError(`${k} ${p[k]} is negative`);
  return { ...p, gasPriceCap };
}

/** Whether this build's QuorumAggregator has a function of that name. */
export function aggregatorHas(name: string): boolean {
  const abi = loadArtifact("QuorumAggregator").abi as readonly { type?: string; name?: string }[];
  return abi.some((f) => f.type === "function" && f.name === name);
}

/**
 * Deploys OracleRewards for the aggregator, mints `budget` to the deployer and funds it, puts
 * `reimbursementPot` in the pot, then setSlaParams on the aggregator (the deployer must own it).
 * OracleRewards reads the aggregator's counters itself (slaWords): nothing else to wire.
 */
export async function deployRewards(deployer: NonceManager, token: Contract, aggregator: Contract, p: ResolvedRewardParams): Promise<string> {
  const admin = await deployer.getAddress();
  const rewards = await deployContract("OracleRewards", deployer, [
    await aggregator.getAddress(),
    await token.getAddress(),
    p.rewardPerObservation,
    p.rewardPerTransmission,
  ]);
  const address = await rewards.getAddress();
  if (p.budget > 0n) {
    await send(token, "mint", [admin, p.budget]);
    await send(token, "approve", [address, p.budget]);
    await send(rewards, "fund", [p.budget]);
  }
  if (p.reimbursementPot > 0n) {
    const tx = (await rewards.getFunction("fundReimbursements")({ value: p.reimbursementPot })) as ContractTransactionResponse;
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new DeployError(`fundReimbursements reverted (tx ${tx.hash})`);
  }
  await send(aggregator, "setSlaParams", [p.mode, p.gasPriceCap, p.gasOverhead]);
  return address;
}
