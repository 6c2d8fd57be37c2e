import { getAddress, type JsonRpcProvider } from "ethers";
import { existsSync } from "node:fs";
import { makeProvider } from "../chain/provider";
import type { EconomicsTotals } from "../economics/sla";
import { economicsEntry, readAddressesFile } from "../node/from-config";
import { fetchEconomicsTotals } from "../economics/economics-events";

/**
 * What the economics commands (`sla`, `stake`, `alert`, ...) talk to: the RPC, its chain id, the
 * aggregator and the economics contract, from an addresses file (`oracle-node deploy --out`) or
 * given one by one. Every wrong input is named: an unreachable RPC, a missing file, an address
 * that is no address or holds no contract.
 */
export interface ChainTargetOptions {
  rpc: string;
  addresses?: string;
  aggregator?: string;
  economics?: string;
  rewards?: string;
}

export interface ChainTarget {
  provider: JsonRpcProvider;
  chainId: number;
  aggregator: string;
  /** Null when neither --economics nor the addresses file names one. */
  economics: string | null;
  /** The OracleRewards contract (claims): --rewards or the addresses file's `economics.rewards`; null when neither names one. */
  rewards: string | null;
  /** The current config's block (from the addresses file), the default start of a range. */
  configBlockNumber: number | null;
  /** Totals from the economics contract's events, when there is one. */
  economicsTotals?: (fromBlock: number, toBlock: number) => Promise<EconomicsTotals>;
}

function address(v: string, what: string): string {
  try {
    return getAddress(v);
  } catch {
    throw new Error(`${what} ${v} is not an address`);
  }
}

async function probeChainId(rpc: string): Promise<number> {
  const probe = makeProvider(rpc, 1);
  try {
    return Number(await probe.send("eth_chainId", []));
  } catch (err) {
    throw new Error(`RPC ${rpc} is unreachable: ${(err as Error).message}`);
  } finally {
    probe.destroy();
  }
}

export async function chainTarget(o: ChainTargetOptions): Promise<ChainTarget> {
  let aggregator = o.aggregator ? address(o.aggregator, "--aggregator") : null;
  let economics = o.economics ? address(o.economics, "--economics") : null;
  let rewards = o.rewards ? address(o.rewards, "--rewards") : null;
  let configBlockNumber: number | null = null;
  if (o.addresses) {
    if (!existsSync(o.addresses)) throw new Error(`addresses file ${o.addresses} does not exist`);
    const file = readAddressesFile(o.addresses) as ReturnType<typeof readAddressesFile> & { configBlockNumber?: number };
    aggregator ??= getAddress(file.aggregator);
    const entry = economicsEntry(file);
    if (!economics && entry.staking) economics = address(entry.staking, `addresses file ${o.addresses}: economics`);
    if (!rewards && entry.rewards) rewards = address(entry.rewards, `addresses file ${o.addresses}: economics.rewards`);
    configBlockNumber = typeof file.configBlockNumber === "number" ? file.configBlockNumber : null;
  }
  if (!aggregator) throw new Error("give --addresses <file> or --aggregator <address>");
  const chainId = await probeChainId(o.rpc);
  const provider = makeProvider(o.rpc, chainId);
  for (const [what, a] of [
    ["aggregator", aggregator],
    ["economics contract", economics],
    ["rewards contract", rewards],
  ] as const) {
    if (a && (await provider.getCode(a)) === "0x") {
      provider.destroy();
      throw new Error(`no contract at ${what} ${a} on chain ${chainId}`);
    }
  }
  const economicsTotals =
    economics || rewards
      ? (fromBlock: number, toBlock: number) => fetchEconomicsTotals({ provider, aggregator, staking: economics, rewards }, fromBlock, toBlock)
      : undefined;
  return { provider, chainId, aggregator, economics, rewards, configBlockNumber, economicsTotals };
}
