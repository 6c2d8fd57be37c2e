import { getAddress, getBytes } from "ethers";
import {
  decodeReport,
  expectedAnswer,
  expectedConfidence,
  MAX_ORACLES,
  recoverSigner,
  reportDigest,
  ReportFormatError,
  unpackSignatures,
  type Report,
} from "../protocol/report";

/**
 * The consumer's local check of a pull report served by one node (GET /v1/reports/latest): what
 * QuorumAggregator.verifyReport will check, so a consumer never pays for a transaction the
 * contract refuses and never trusts what a single node says it decoded. Pure: no I/O.
 * Checks: the committee's config digest, f+1..n signatures of distinct configured signers over
 * the report's EIP-712 digest in the expected chain and aggregator (low s, as the contract), every
 * asked feed present with 2f+1..n observations, the report's age and future skew. The answers
 * are computed from the observations here, not read from the node's JSON.
 */
export interface PullCommittee {
  chainId: bigint | number;
  /** The QuorumAggregator the report is for (the EIP-712 verifying contract). */
  aggregator: string;
  /** latestConfigDetails().configDigest. */
  configDigest: string;
  /** getOracles().signers, in committee order. */
  signers: readonly string[];
  f: number;
}

export interface VerifiedReport {
  /** The node that served it (its base URL). */
  node: string;
  report: string;
  signatures: string;
  decoded: Report;
  observationsTimestamp: number;
  /** now - observationsTimestamp at the check, ms. */
  ageMs: number;
  signers: number[];
  /** The asked feeds, in report order: answer and confidence as the contract computes them. */
  feeds: Array<{ feedIndex: number; answer: bigint; confidence: bigint }>;
}

export class PullReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PullReportError";
  }
}

/** The contract's future-skew allowance (QuorumAggregator: observationsTimestamp <= block.timestamp + 5 s). */
export const MAX_FUTURE_SKEW_SECONDS = 5;
/** Longest report hex a node may send: 255 feeds of 31 observations at 15 bytes fit with room. */
const MAX_REPORT_HEX_CHARS = 2 + 2 * 130_000;
/** secp256k1 order / 2: the contract refuses s above it (the malleable twin of a valid signature). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

function fail(message: string): never {
  throw new PullReportError(message);
}

export interface VerifyOptions {
  committee: PullCommittee;
  /** Feed indexes the consumer needs; each must be in the report. */
  feeds: readonly number[];
  /** Oldest report accepted, seconds (the consumer's or the aggregator's maximum report age). */
  maxAgeSeconds: number;
  nowMs: number;
}

/** Checks one node's answer body; returns the verified report or throws PullReportError naming the reason. */
export function verifyPulledReport(node: string, body: unknown, o: VerifyOptions): VerifiedReport {
  if (!body || typeof body !== "object") fail("answer is not a JSON object");
  const { report, signatures } = body as { report?: unknown; signatures?: unknown };
  if (typeof report !== "string" || report.length > MAX_REPORT_HEX_CHARS || !HEX_RE.test(report)) fail("report is not hex bytes of a believable length");
  if (typeof signatures !== "string" || signatures.length > 2 + 2 * 65 * MAX_ORACLES || !HEX_RE.test(signatures)) fail("signatures are not hex bytes");
  let decoded: Report;
  try {
    decoded = decodeReport(report);
  } catch (err) {
    fail(`report does not decode: ${(err as Error).message}`);
  }
  const c = o.committee;
  if (decoded.configDigest.toLowerCase() !== c.configDigest.toLowerCase())
    fail(`config digest ${decoded.configDigest} is not the committee's ${c.configDigest}`);
  const ageSec = o.nowMs / 1000 - decoded.observationsTimestamp;
  if (ageSec > o.maxAgeSeconds) fail(`report is ${Math.round(ageSec)} s old, more than ${o.maxAgeSeconds} s`);
  if (-ageSec > MAX_FUTURE_SKEW_SECONDS) fail(`report is stamped ${Math.round(-ageSec)} s in the future`);
  const signers = checkSignatures(report, signatures, c);
  const quorum = 2 * c.f + 1;
  const feeds = o.feeds.map((i) => {
    const feed = decoded.feeds.find((x) => x.feedIndex === i);
    if (!feed) fail(`report does not carry feed ${i}`);
    if (feed.observations.length < quorum || feed.observations.length > c.signers.length)
      fail(`feed ${i} has ${feed.observations.length} observations, not ${quorum}..${c.signers.length}`);
    if (feed.observers.some((k) => k >= c.signers.length)) fail(`feed ${i} names an observer outside the committee`);
    return { feedIndex: i, answer: expectedAnswer(feed.observations), confidence: expectedConfidence(feed.observations) };
  });
  return {
    node,
    report,
    signatures,
    decoded,
    observationsTimestamp: decoded.observationsTimestamp,
    ageMs: Math.round(o.nowMs - decoded.observationsTimestamp * 1000),
    signers,
    feeds,
  };
}

/** f+1..n signatures of distinct configured signers over the report in the committee's domain; returns their indexes. */
function checkSignatures(report: string, signatures: string, c: PullCommittee): number[] {
  let entries;
  try {
    entries = unpackSignatures(signatures);
  } catch (err) {
    fail(err instanceof ReportFormatError ? err.message : "signatures do not unpack");
  }
  if (entries.length <= c.f) fail(`${entries.length} signatures, the contract needs f+1 = ${c.f + 1}`);
  if (entries.length > c.signers.length) fail(`${entries.length} signatures for a committee of ${c.signers.length}`);
  const digest = reportDigest(report, { chainId: BigInt(c.chainId), verifyingContract: getAddress(c.aggregator) });
  const seen = new Set<number>();
  for (const e of entries) {
    if (e.signerIndex >= c.signers.length) fail(`signer index ${e.signerIndex} outside the committee`);
    if (seen.has(e.signerIndex)) fail(`signer ${e.signerIndex} signed twice`);
    seen.add(e.signerIndex);
    const vs = getBytes(e.signature).slice(32);
    const s = BigInt("0x" + Buffer.from(vs).toString("hex")) & ((1n << 255n) - 1n);
    if (s > HALF_ORDER) fail(`signature of signer ${e.signerIndex} has a high s (the contract refuses it)`);
    let who: string;
    try {
      who = recoverSigner(digest, e.signature);
    } catch {
      fail(`signature of signer ${e.signerIndex} is malformed`);
    }
    if (who !== getAddress(c.signers[e.signerIndex])) fail(`signature ${e.signerIndex} is not the committee signer's over this chain, aggregator and report`);
  }
  return [...seen];
}
