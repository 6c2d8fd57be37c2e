import { Interface, getAddress, toBeHex, zeroPadValue, type JsonRpcApiProvider } from "ethers";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Reads of the QuorumAggregator the node needs: the committee (signers, transmitters, f, config
 * digest), the latest accepted epoch-and-round, the feeds' metadata (bounds, maximum report age)
 * and each feed's latest answer and out-of-bounds state. The ABI is the compiled IQuorumAggregator interface (Hardhat artifacts), the one
 * definition of the contract's functions, events and custom errors.
 */
const ARTIFACT = join(__dirname, "../../../artifacts/contracts/interfaces/IQuorumAggregator.sol/IQuorumAggregator.json");

let cached: Interface | null = null;

export function aggregatorInterface(): Interface {
  if (cached) return cached;
  if (!existsSync(ARTIFACT)) throw new Error(`aggregator ABI not found at ${ARTIFACT}: run \`npx hardhat compile\` first`);
  const { abi } = JSON.parse(readFileSync(ARTIFACT, "utf8")) as { abi: unknown[] };
  cached = new Interface(abi as string[]);
  return cached;
}

export interface Committee {
  configDigest: string;
  signers: string[];
  transmitters: string[];
  f: number;
}

export interface FeedMeta {
  feedIndex: number;
  decimals: number;
  description: string;
  /** Inclusive answer bounds (feed units): a median outside is refused (MedianOutOfBounds). */
  minAnswer: bigint;
  maxAnswer: bigint;
  /**
   * Largest block.timestamp - observationsTimestamp the feed accepts (ReportTooOld beyond): a
   * node must not transmit a report older than this, counting the time to inclusion.
   */
  maxReportAgeSeconds: number;
}

/** The contract's future-skew allowance: observationsTimestamp <= block.timestamp + 5 s. */
export const MAX_FUTURE_SKEW_SECONDS = 5;

/** outOfBounds(feedIndex): the feed's latest median was refused and the answer has not moved since. */
export interface OutOfBounds {
  active: boolean;
  /** The refused median (feed units); 0 when not active. */
  refusedMedian: bigint;
  /** Unix seconds of the first refusal of the current run; 0 when not active. */
  since: number;
}

export interface FeedLatest {
  /** Null before the feed's first report. */
  answer: bigint | null;
  /** Unix seconds of the transmission (block time); 0 before the first report. */
  updatedAt: number;
  /** min(observationsTimestamp, block time) of that report; 0 before the first report. */
  startedAt: number;
  /** Aggregator round id (decimal string). */
  roundId: string;
}

export class AggregatorReader {
  readonly iface = aggregatorInterface();

  constructor(
    readonly provider: JsonRpcApiProvider,
    readonly address: string,
  ) {}

  private async call(fn: string, args: unknown[] = [], trailingFeed?: number): Promise<import("ethers").Result> {
    let data = this.iface.encodeFunctionData(fn, args);
    if (trailingFeed !== undefined) data += zeroPadValue(toBeHex(trailingFeed), 32).slice(2);
    const out = await this.provider.call({ to: this.address, data });
    return this.iface.decodeFunctionResult(fn, out);
  }

  async committee(): Promise<Committee> {
    const [oracles, details] = await Promise.all([this.call("getOracles"), this.call("latestConfigDetails")]);
    return {
      configDigest: String(details[2]),
      signers: (oracles[0] as string[]).map((a) => getAddress(a)),
      transmitters: (oracles[1] as string[]).map((a) => getAddress(a)),
      f: Number(oracles[2]),
    };
  }

  /** Epoch and round of the latest accepted report under the current config. */
  async latestEpochRound(): Promise<{ configDigest: string; epoch: number; round: number }> {
    const r = await this.call("latestTransmissionDetails");
    return { configDigest: String(r[0]), epoch: Number(r[1]), round: Number(r[2]) };
  }

  async feeds(): Promise<FeedMeta[]> {
    const count = Number((await this.call("feedCount"))[0]);
    const out: FeedMeta[] = [];
    for (let i = 0; i < count; i++) {
      const [r, age] = await Promise.all([this.call("feedInfo", [i]), this.call("maxReportAge", [i])]);
      out.push({
        feedIndex: i,
        decimals: Number(r[0]),
        description: String(r[1]),
        minAnswer: BigInt(r[2]),
        maxAnswer: BigInt(r[3]),
        maxReportAgeSeconds: Number(age[0]),
      });
    }
    return out;
  }

  async latest(feedIndex: number): Promise<FeedLatest> {
    const r = await this.call("latestRoundData", [], feedIndex);
    const roundId = BigInt(r[0]);
    if (roundId === 0n) return { answer: null, updatedAt: 0, startedAt: 0, roundId: "0" };
    return { answer: BigInt(r[1]), updatedAt: Number(r[3]), startedAt: Number(r[2]), roundId: roundId.toString() };
  }

  /** Whether the feed's latest median was refused as out of bounds (IOutOfBoundsReader). */
  async outOfBounds(feedIndex: number): Promise<OutOfBounds> {
    const r = await this.call("outOfBounds", [feedIndex]);
    return { active: Boolean(r[0]), refusedMedian: BigInt(r[1]), since: Number(r[2]) };
  }

  async latestConfidence(feedIndex: number): Promise<bigint> {
    const r = await this.call("latestConfidence", [], feedIndex);
    return BigInt(r[1]);
  }
}

/** ABI-encodes the transmit call. */
export function encodeTransmit(report: string, signatures: string): string {
  return aggregatorInterface().encodeFunctionData("transmit", [report, signatures]);
}
