import { encodeReport, reportDigest, type Report } from "./report";

/**
 * The report a proposal or a final report stands for, and the digest its signers sign: one
 * place for what leader, follower and backup transmitter each compute.
 */
export interface ReportBody {
  observationsTimestamp: number;
  feeds: ReadonlyArray<{ feedIndex: number; observers: readonly number[]; observations: readonly string[] }>;
}

export function toReport(configDigest: string, epoch: number, round: number, body: ReportBody): Report {
  return {
    configDigest,
    epoch,
    round,
    observationsTimestamp: body.observationsTimestamp,
    feeds: body.feeds.map((x) => ({ feedIndex: x.feedIndex, observers: [...x.observers], observations: x.observations.map((v) => BigInt(v)) })),
  };
}

/** Encodes a report and computes its EIP-712 digest for the aggregator at `verifyingContract`; throws on an unencodable report. */
export function encodeAndDigest(report: Report, chainId: number, verifyingContract: string): { encoded: string; digest: string } {
  const encoded = encodeReport(report);
  return { encoded, digest: reportDigest(encoded, { chainId: BigInt(chainId), verifyingContract }) };
}
