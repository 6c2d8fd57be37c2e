import { getAddress, type JsonRpcProvider, type Log } from "ethers";
import { aggregatorInterface } from "../chain/aggregator";
import { decodeReport, unpackSignatures } from "../protocol/report";
import type { EconomicsTotals, LandedTransmission, RevertedTransmission, SlaConfig, SlaInput } from "./sla";

/**
 * Reads an SLA range's records from a JSON-RPC node: the committee configs (ConfigSet events,
 * followed back through `previousConfigBlockNumber` from latestConfigDetails at the range's end,
 * so no scan from block 0), every NewTransmission of the aggregator with its transaction (the
 * signer indices of the transmit call) and receipt (gas), and, when the range is small enough,
 * the reverted transmit calls (a block scan). Economics totals come from `economics` (the
 * economics contracts' events, economics-events.ts) when one is configured.
 */

/** Blocks asked for in one eth_getLogs at most (public RPCs cap ranges). */
const MAX_LOG_RANGE = 2_000;
/** A block scan for reverted transmissions reads every block: above this many it is skipped. */
export const MAX_SCAN_BLOCKS = 5_000;
/** Configs followed back at most (each is one eth_getLogs of one block). */
const MAX_CONFIGS = 64;

export interface SlaFetchOptions {
  provider: JsonRpcProvider;
  aggregator: string;
  fromBlock: number;
  toBlock: number;
  /** Scan blocks for reverted transmit calls (default: when the range is at most MAX_SCAN_BLOCKS). */
  scanReverted?: boolean;
  economics?: (fromBlock: number, toBlock: number) => Promise<EconomicsTotals>;
}

export class SlaRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlaRangeError";
  }
}

async function getLogsChunked(provider: JsonRpcProvider, address: string, topics: string[][], from: number, to: number): Promise<Log[]> {
  const out: Log[] = [];
  for (let a = from; a <= to; a += MAX_LOG_RANGE) {
    out.push(...(await provider.getLogs({ address, topics, fromBlock: a, toBlock: Math.min(to, a + MAX_LOG_RANGE - 1) })));
  }
  return out;
}

/** The configs active at any point of [fromBlock, toBlock], newest first in the chain, returned oldest first. */
export async function fetchConfigs(provider: JsonRpcProvider, aggregator: string, fromBlock: number, toBlock: number): Promise<SlaConfig[]> {
  const iface = aggregatorInterface();
  const details = iface.decodeFunctionResult(
    "latestConfigDetails",
    await provider.call({ to: aggregator, data: iface.encodeFunctionData("latestConfigDetails"), blockTag: toBlock }),
  );
  const topic = iface.getEvent("ConfigSet")!.topicHash;
  const out: SlaConfig[] = [];
  let block = Number(details[1]);
  while (block > 0 && out.length < MAX_CONFIGS) {
    const logs = await provider.getLogs({ address: aggregator, topics: [[topic]], fromBlock: block, toBlock: block });
    const parsed = logs.map((l) => iface.parseLog({ topics: [...l.topics], data: l.data })).filter((p) => p !== null);
    if (parsed.length === 0) break;
    const last = parsed[parsed.length - 1];
    out.push({
      configDigest: String(last.args.configDigest),
      blockNumber: block,
      signers: (last.args.signers as string[]).map((a) => getAddress(a)),
      transmitters: (last.args.transmitters as string[]).map((a) => getAddress(a)),
      f: Number(last.args.f),
    });
    if (block <= fromBlock) break; // older configs ended before the range
    block = Number(last.args.previousConfigBlockNumber);
  }
  return out.reverse();
}

async function landedTransmissions(provider: JsonRpcProvider, aggregator: string, from: number, to: number): Promise<LandedTransmission[]> {
  const iface = aggregatorInterface();
  const topic = iface.getEvent("NewTransmission")!.topicHash;
  const out: LandedTransmission[] = [];
  for (const l of await getLogsChunked(provider, aggregator, [[topic]], from, to)) {
    const parsed = iface.parseLog({ topics: [...l.topics], data: l.data });
    if (!parsed) continue;
    const [tx, receipt] = await Promise.all([provider.getTransaction(l.transactionHash), provider.getTransactionReceipt(l.transactionHash)]);
    if (!tx || !receipt) continue;
    let signerIndices: number[] = [];
    try {
      const call = iface.parseTransaction({ data: tx.data });
      if (call?.name === "transmit") signerIndices = unpackSignatures(String(call.args[1])).map((e) => e.signerIndex);
    } catch {
      // transmitted through another contract: the signatures are not in the top-level calldata
    }
    out.push({
      blockNumber: l.blockNumber,
      txHash: l.transactionHash,
      transmitter: getAddress(String(parsed.args.transmitter)),
      report: decodeReport(String(parsed.args.report)),
      signerIndices,
      gasUsed: receipt.gasUsed,
      gasPrice: receipt.gasPrice,
    });
  }
  return out;
}

/** Transactions to the aggregator calling transmit that reverted, block by block. */
async function revertedTransmissions(provider: JsonRpcProvider, aggregator: string, from: number, to: number): Promise<RevertedTransmission[]> {
  const iface = aggregatorInterface();
  const selector = iface.getFunction("transmit")!.selector;
  const target = aggregator.toLowerCase();
  const out: RevertedTransmission[] = [];
  for (let n = from; n <= to; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.to?.toLowerCase() !== target || !tx.data.startsWith(selector)) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      if (!receipt || receipt.status !== 0) continue;
      out.push({ blockNumber: n, txHash: tx.hash, from: getAddress(tx.from), gasUsed: receipt.gasUsed, gasPrice: receipt.gasPrice });
    }
  }
  return out;
}

/** Everything computeSla needs for [fromBlock, toBlock] (toBlock capped at the head). */
export async function fetchSlaInput(o: SlaFetchOptions): Promise<SlaInput> {
  const head = await o.provider.getBlockNumber();
  const toBlock = Math.min(o.toBlock, head);
  if (!Number.isInteger(o.fromBlock) || o.fromBlock < 0) throw new SlaRangeError(`from block ${o.fromBlock} must be a block number >= 0`);
  if (o.fromBlock > toBlock) throw new SlaRangeError(`empty range: from block ${o.fromBlock} is after to block ${toBlock} (head ${head})`);
  if ((await o.provider.getCode(o.aggregator, toBlock)) === "0x") throw new SlaRangeError(`no contract at ${o.aggregator} (block ${toBlock})`);
  const scan = o.scanReverted ?? toBlock - o.fromBlock + 1 <= MAX_SCAN_BLOCKS;
  const [configs, landed, reverted, economics] = await Promise.all([
    fetchConfigs(o.provider, o.aggregator, o.fromBlock, toBlock),
    landedTransmissions(o.provider, o.aggregator, o.fromBlock, toBlock),
    scan ? revertedTransmissions(o.provider, o.aggregator, o.fromBlock, toBlock) : Promise.resolve(null),
    o.economics ? o.economics(o.fromBlock, toBlock) : Promise.resolve(null),
  ]);
  return { fromBlock: o.fromBlock, toBlock, configs, landed, reverted, economics };
}
