import type { JsonRpcApiProvider, Log } from "ethers";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { decodeReport, expectedAnswer, expectedConfidence } from "../protocol/report";
import { aggregatorInterface } from "./aggregator";

/**
 * Learns the rounds the committee finished, whoever transmitted them, from the aggregator's
 * NewTransmission and MedianOutOfBounds events: one eth_getLogs per poll from the last block
 * seen. Each accepted report is decoded (report.ts) to the per-feed answers the contract stored;
 * a feed whose median lay outside its bounds did not move and is listed under `refused` instead.
 * A poll that fails (RPC down) is retried next time from the same block, so nothing is missed.
 */
export interface FeedUpdate {
  feedIndex: number;
  answer: bigint;
  confidence: bigint;
  /** The round's startedAt: min(report observationsTimestamp, block time), as the contract stores it. */
  observationsTimestamp: number;
}

/** A feed of a landed report whose median the contract refused (outside minAnswer..maxAnswer). */
export interface RefusedMedian {
  feedIndex: number;
  median: bigint;
  minAnswer: bigint;
  maxAnswer: bigint;
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
  /** Feeds that moved: a new round each. */
  feeds: FeedUpdate[];
  /** Feeds of the report that kept their answer (MedianOutOfBounds); they are not pending any more. */
  refused: RefusedMedian[];
}

/** Blocks asked for in one eth_getLogs at most (public RPCs cap ranges). */
const MAX_LOG_RANGE = 2_000;

export class TransmissionWatcher {
  private nextBlock: number | null = null;
  private readonly iface = aggregatorInterface();
  private readonly topic: string;
  private readonly refusedTopic: string;
  private readonly log: Logger;
  failures = 0;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    private readonly address: string,
    logger: Logger = silentLogger,
  ) {
    this.topic = this.iface.getEvent("NewTransmission")!.topicHash;
    this.refusedTopic = this.iface.getEvent("MedianOutOfBounds")!.topicHash;
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
      const logs = await this.provider.getLogs({ address: this.address, topics: [[this.topic, this.refusedTopic]], fromBlock: this.nextBlock!, toBlock: to });
      const out: Transmission[] = [];
      const times = new Map<number, number>();
      // A transaction's MedianOutOfBounds logs come before its NewTransmission.
      const refusals = new Map<string, RefusedMedian[]>();
      for (const l of logs) {
        if (l.topics[0] === this.refusedTopic) {
          const parsed = this.iface.parseLog({ topics: [...l.topics], data: l.data });
          if (!parsed) continue;
          const list = refusals.get(l.transactionHash) ?? [];
          list.push({
            feedIndex: Number(parsed.args.feedIndex),
            median: BigInt(parsed.args.median),
            minAnswer: BigInt(parsed.args.minAnswer),
            maxAnswer: BigInt(parsed.args.maxAnswer),
          });
          refusals.set(l.transactionHash, list);
          continue;
        }
        const t = await this.decode(l, times, refusals.get(l.transactionHash) ?? []);
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

  private async decode(l: Log, times: Map<number, number>, refused: RefusedMedian[]): Promise<Transmission | null> {
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
      feeds: report.feeds
        .filter((f) => !refused.some((x) => x.feedIndex === f.feedIndex))
        .map((f) => ({
          feedIndex: f.feedIndex,
          answer: expectedAnswer(f.observations),
          confidence: expectedConfidence(f.observations),
          observationsTimestamp: Math.min(report.observationsTimestamp, updatedAt),
        })),
      refused,
    };
  }
}
