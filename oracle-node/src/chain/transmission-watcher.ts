import type { JsonRpcProvider, Log } from "ethers";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { decodeReport, expectedAnswer, expectedConfidence } from "../protocol/report";
import { aggregatorInterface } from "./aggregator";

/**
 * Learns the rounds the committee finished, whoever transmitted them, from the aggregator's
 * NewTransmission events: one eth_getLogs per poll from the last block seen. Each accepted
 * report is decoded (report.ts) to the per-feed answers the contract stored. A poll that fails
 * (RPC down) is retried next time from the same block, so nothing is missed.
 */
export interface FeedUpdate {
  feedIndex: number;
  answer: bigint;
  confidence: bigint;
  observationsTimestamp: number;
}

export interface Transmission {
  epoch: number;
  round: number;
  configDigest: string;
  transmitter: string;
  txHash: string;
  blockNumber: number;
  /** Block timestamp, unix seconds (the contract's updatedAt). */
  updatedAt: number;
  feeds: FeedUpdate[];
}

/** Blocks asked for in one eth_getLogs at most (public RPCs cap ranges). */
const MAX_LOG_RANGE = 2_000;

export class TransmissionWatcher {
  private nextBlock: number | null = null;
  private readonly iface = aggregatorInterface();
  private readonly topic: string;
  private readonly log: Logger;
  failures = 0;

  constructor(
    private readonly provider: JsonRpcProvider,
    private readonly address: string,
    logger: Logger = silentLogger,
  ) {
    this.topic = this.iface.getEvent("NewTransmission")!.topicHash;
    this.log = logger.child({ component: "watcher" });
  }

  /** Starts from a block (default: the current head, i.e. only new transmissions). */
  async init(fromBlock?: number): Promise<void> {
    this.nextBlock = fromBlock ?? (await this.provider.getBlockNumber()) + 1;
  }

  /** Fetches transmissions since the last poll; [] when there are none or the RPC failed. */
  async poll(): Promise<Transmission[]> {
    try {
      if (this.nextBlock === null) await this.init();
      const head = await this.provider.getBlockNumber();
      if (head < this.nextBlock!) {
        this.failures = 0;
        return [];
      }
      const to = Math.min(head, this.nextBlock! + MAX_LOG_RANGE - 1);
      const logs = await this.provider.getLogs({ address: this.address, topics: [this.topic], fromBlock: this.nextBlock!, toBlock: to });
      const out: Transmission[] = [];
      const times = new Map<number, number>();
      for (const l of logs) {
        const t = await this.decode(l, times);
        if (t) out.push(t);
      }
      this.nextBlock = to + 1;
      this.failures = 0;
      return out;
    } catch (err) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 20 === 0) this.log.warn({ err: (err as Error).message, failures: this.failures }, "event poll failed");
      return [];
    }
  }

  private async decode(l: Log, times: Map<number, number>): Promise<Transmission | null> {
    const parsed = this.iface.parseLog({ topics: [...l.topics], data: l.data });
    if (!parsed) return null;
    const report = decodeReport(String(parsed.args.report));
    let updatedAt = times.get(l.blockNumber);
    if (updatedAt === undefined) {
      const block = await this.provider.getBlock(l.blockNumber);
      updatedAt = block?.timestamp ?? Math.floor(Date.now() / 1000);
      times.set(l.blockNumber, updatedAt);
    }
    return {
      epoch: report.epoch,
      round: report.round,
      configDigest: report.configDigest,
      transmitter: String(parsed.args.transmitter),
      txHash: l.transactionHash,
      blockNumber: l.blockNumber,
      updatedAt,
      feeds: report.feeds.map((f) => ({
        feedIndex: f.feedIndex,
        answer: expectedAnswer(f.observations),
        confidence: expectedConfidence(f.observations),
        observationsTimestamp: report.observationsTimestamp,
      })),
    };
  }
}
