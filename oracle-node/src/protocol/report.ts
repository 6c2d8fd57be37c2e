/**
 * The report codec: the one place the off-chain report format is defined. The Solidity decoder in
 * contracts/QuorumAggregator.sol mirrors it byte for byte (docs/protocol.md, "## Report format"),
 * and test/contracts/codec.test.ts checks the two against each other.
 *
 * API (stable; the network and chain layers code against it):
 *   encodeReport(r: Report): string                       packed report bytes, 0x hex
 *   decodeReport(data: string): Report                    throws ReportFormatError on malformed input
 *   reportDigest(encoded: string, d: Domain): string      EIP-712 digest the committee signs
 *   signReport(key: SigningKey | Wallet, digest): string  65-byte r‖s‖v signature, 0x hex
 *   recoverSigner(digest, signature): string              checksummed signer address
 *   packSignatures(entries: SignatureEntry[]): string     the `signatures` argument of transmit
 *   unpackSignatures(data: string): SignatureEntry[]      inverse of packSignatures
 *   signReportBy(encoded, d, keys: IndexedKey[]): string  sign with several keys and pack
 *   epochAndRound(epoch, round): bigint                   epoch << 8 | round (uint40)
 *   computeConfigDigest(c: ConfigDigestInput): string     the digest setConfig stores
 *   expectedAnswer(observations), expectedConfidence(observations): what the contract stores
 *   Constants: REPORT_HEADER_BYTES, SIGNATURE_ENTRY_BYTES, MAX_ORACLES, MAX_FEEDS,
 *   MAX_OBSERVATION_BYTES (15), OBSERVATION_MIN/MAX (int120), CONFIDENCE_MAX (2^72-1),
 *   EIP712_NAME/VERSION; domainSeparator(d) as the contract's domainSeparator().
 *
 * On chain (QuorumAggregator): `transmit(bytes report, bytes signatures)` from a configured
 * transmitter; `latestConfigDetails()` -> (configCount, blockNumber, configDigest);
 * `latestTransmissionDetails()` -> (configDigest, epoch, round, epochAndRound), the newest
 * epoch-and-round of any feed (freshness is enforced per feed); events NewTransmission(transmitter,
 * report), AnswerUpdated per feed, ConfigSet. Byte layout: docs/protocol.md, "## Report format".
 */
import { AbiCoder, Signature, SigningKey, Wallet, getAddress, getBytes, hexlify, keccak256, recoverAddress, solidityPacked, toUtf8Bytes } from "ethers";
import { median } from "../aggregate/median";
import { halfIqr } from "../aggregate/confidence";

/** One feed's part of a report. */
export interface FeedReport {
  /** Index of the feed inside the aggregator (0..255), as assigned by addFeed. */
  feedIndex: number;
  /** Committee indices (0..n-1) of the observers, parallel to `observations`, all distinct. */
  observers: number[];
  /** Observations sorted ascending, in the feed's integer units (10^decimals), int120 range. */
  observations: bigint[];
}

export interface Report {
  /** 0x-prefixed bytes32: the digest of the config the committee runs under. */
  configDigest: string;
  /** uint32 epoch of the protocol instance. */
  epoch: number;
  /** uint8 round inside the epoch. */
  round: number;
  /** Unix seconds at which the observations were made (uint32). */
  observationsTimestamp: number;
  /** 1..255 feeds with strictly increasing feedIndex. */
  feeds: FeedReport[];
}

/** The EIP-712 domain a report is signed in: the aggregator on one chain. */
export interface Domain {
  chainId: bigint;
  verifyingContract: string;
}

/** One signature and the committee index of the signer that made it. */
export interface SignatureEntry {
  signerIndex: number;
  /** 65-byte r‖s‖v signature (as signReport returns) or 64-byte ERC-2098 compact r‖vs. */
  signature: string;
}

export interface ConfigDigestInput {
  chainId: bigint;
  contractAddress: string;
  configCount: bigint | number;
  signers: string[];
  transmitters: string[];
  f: number;
  offchainConfig: string;
}

export class ReportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportFormatError";
  }
}

/** Bytes before the first feed: configDigest(32) epochAndRound(5) observationsTimestamp(4) feedCount(1). */
export const REPORT_HEADER_BYTES = 42;
/** Each packed signature entry: signerIndex(1) r(32) yParityAndS(32). */
export const SIGNATURE_ENTRY_BYTES = 65;
/** The committee size the contract accepts at most (signer bitmaps are uint32). */
export const MAX_ORACLES = 31;
/** Feeds per aggregator are indexed by one byte. */
export const MAX_FEEDS = 256;
/** Answers are stored as int120 on chain (±6.6e35 feed units); wider values cannot be reported. */
export const MAX_OBSERVATION_BYTES = 15;
export const OBSERVATION_MIN = -(1n << 119n);
export const OBSERVATION_MAX = (1n << 119n) - 1n;
/** The contract stores confidence in 72 bits and saturates above. */
export const CONFIDENCE_MAX = (1n << 72n) - 1n;

/** EIP-712 domain name and version; QuorumAggregator.sol uses the same strings. */
export const EIP712_NAME = "QuorumAggregator";
export const EIP712_VERSION = "1";
const DOMAIN_TYPEHASH = keccak256(toUtf8Bytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));
const REPORT_TYPEHASH = keccak256(toUtf8Bytes("Report(bytes report)"));

function fail(message: string): never {
  throw new ReportFormatError(message);
}

function checkUint(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) fail(`${name} must be an integer in [0, ${max}], got ${v}`);
}

/** epoch << 8 | round, the uint40 the contract orders reports by. */
export function epochAndRound(epoch: number, round: number): bigint {
  checkUint("epoch", epoch, 0xffffffff);
  checkUint("round", round, 0xff);
  return (BigInt(epoch) << 8n) | BigInt(round);
}

/** Smallest two's-complement byte width (1..MAX_OBSERVATION_BYTES) that holds every value. */
function observationWidth(values: bigint[]): number {
  let width = 1;
  for (const v of values) {
    while (width < MAX_OBSERVATION_BYTES) {
      const half = 1n << BigInt(8 * width - 1);
      if (v >= -half && v < half) break;
      width++;
    }
  }
  return width;
}

function toTwosComplementHex(v: bigint, width: number): string {
  const mod = 1n << BigInt(8 * width);
  const u = v < 0n ? v + mod : v;
  return u.toString(16).padStart(2 * width, "0");
}

function checkFeed(feed: FeedReport, prevIndex: number): void {
  checkUint("feedIndex", feed.feedIndex, MAX_FEEDS - 1);
  if (feed.feedIndex <= prevIndex) fail(`feeds must have strictly increasing feedIndex (${feed.feedIndex} after ${prevIndex})`);
  const m = feed.observations.length;
  if (m === 0 || m > MAX_ORACLES) fail(`feed ${feed.feedIndex}: 1..${MAX_ORACLES} observations required, got ${m}`);
  if (feed.observers.length !== m) fail(`feed ${feed.feedIndex}: ${feed.observers.length} observers for ${m} observations`);
  const seen = new Set<number>();
  for (const o of feed.observers) {
    checkUint(`feed ${feed.feedIndex} observer`, o, MAX_ORACLES - 1);
    if (seen.has(o)) fail(`feed ${feed.feedIndex}: duplicate observer ${o}`);
    seen.add(o);
  }
  for (let i = 0; i < m; i++) {
    const v = feed.observations[i];
    if (typeof v !== "bigint") fail(`feed ${feed.feedIndex}: observation ${i} is not a bigint`);
    if (v < OBSERVATION_MIN || v > OBSERVATION_MAX) fail(`feed ${feed.feedIndex}: observation ${v} outside int120`);
    if (i > 0 && v < feed.observations[i - 1]) fail(`feed ${feed.feedIndex}: observations not sorted ascending at ${i}`);
  }
}

/**
 * Packs a report. Layout (all big-endian, no padding):
 *   configDigest bytes32 | epochAndRound uint40 | observationsTimestamp uint32 | feedCount uint8 |
 *   feedCount x ( feedIndex uint8 | count uint8 | observers count x uint8 | width uint8 |
 *                 observations count x int(8*width) ).
 * Throws ReportFormatError for anything the contract would reject as malformed.
 */
export function encodeReport(r: Report): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(r.configDigest)) fail(`configDigest must be 0x + 64 hex digits, got ${r.configDigest}`);
  const er = epochAndRound(r.epoch, r.round);
  checkUint("observationsTimestamp", r.observationsTimestamp, 0xffffffff);
  if (r.feeds.length === 0 || r.feeds.length > MAX_FEEDS - 1) fail(`1..${MAX_FEEDS - 1} feeds required, got ${r.feeds.length}`);
  let hex = r.configDigest.slice(2).toLowerCase();
  hex += er.toString(16).padStart(10, "0");
  hex += r.observationsTimestamp.toString(16).padStart(8, "0");
  hex += r.feeds.length.toString(16).padStart(2, "0");
  let prev = -1;
  for (const feed of r.feeds) {
    checkFeed(feed, prev);
    prev = feed.feedIndex;
    const width = observationWidth(feed.observations);
    hex += feed.feedIndex.toString(16).padStart(2, "0");
    hex += feed.observations.length.toString(16).padStart(2, "0");
    for (const o of feed.observers) hex += o.toString(16).padStart(2, "0");
    hex += width.toString(16).padStart(2, "0");
    for (const v of feed.observations) hex += toTwosComplementHex(v, width);
  }
  return "0x" + hex;
}

function readSigned(bytes: Uint8Array, at: number, width: number): bigint {
  let u = 0n;
  for (let i = 0; i < width; i++) u = (u << 8n) | BigInt(bytes[at + i]);
  const half = 1n << BigInt(8 * width - 1);
  return u >= half ? u - (half << 1n) : u;
}

/** Parses packed report bytes; throws ReportFormatError (with the offset) on malformed input. */
export function decodeReport(data: string): Report {
  let bytes: Uint8Array;
  try {
    bytes = getBytes(data);
  } catch {
    fail("report is not 0x-prefixed hex bytes");
  }
  if (bytes.length < REPORT_HEADER_BYTES) fail(`report is ${bytes.length} bytes, shorter than the ${REPORT_HEADER_BYTES}-byte header`);
  const configDigest = hexlify(bytes.slice(0, 32));
  let er = 0n;
  for (let i = 32; i < 37; i++) er = (er << 8n) | BigInt(bytes[i]);
  const observationsTimestamp = ((bytes[37] << 24) >>> 0) + (bytes[38] << 16) + (bytes[39] << 8) + bytes[40];
  const feedCount = bytes[41];
  let p = REPORT_HEADER_BYTES;
  const need = (k: number, what: string) => {
    if (p + k > bytes.length) fail(`report truncated at byte ${p}: ${what} needs ${k} more bytes`);
  };
  const feeds: FeedReport[] = [];
  for (let f = 0; f < feedCount; f++) {
    need(2, "feed header");
    const feedIndex = bytes[p];
    const count = bytes[p + 1];
    p += 2;
    need(count + 1, "observers and width");
    const observers = Array.from(bytes.slice(p, p + count));
    p += count;
    const width = bytes[p++];
    if (width === 0 || width > MAX_OBSERVATION_BYTES) fail(`feed ${feedIndex}: observation width ${width} outside 1..${MAX_OBSERVATION_BYTES}`);
    need(count * width, "observations");
    const observations: bigint[] = [];
    for (let i = 0; i < count; i++, p += width) observations.push(readSigned(bytes, p, width));
    feeds.push({ feedIndex, observers, observations });
  }
  if (p !== bytes.length) fail(`report has ${bytes.length - p} trailing bytes after ${feedCount} feeds`);
  return { configDigest, epoch: Number(er >> 8n), round: Number(er & 0xffn), observationsTimestamp, feeds };
}

/** The EIP-712 domain separator of one aggregator on one chain. */
export function domainSeparator(d: Domain): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "bytes32", "bytes32", "uint256", "address"],
      [DOMAIN_TYPEHASH, keccak256(toUtf8Bytes(EIP712_NAME)), keccak256(toUtf8Bytes(EIP712_VERSION)), d.chainId, d.verifyingContract],
    ),
  );
}

/**
 * The digest the committee signs: EIP-712 typed data `Report(bytes report)` in the domain
 * {name: "QuorumAggregator", version: "1", chainId, verifyingContract}. Equal to ethers'
 * TypedDataEncoder.hash for that domain and type.
 */
export function reportDigest(encoded: string, d: Domain): string {
  const structHash = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [REPORT_TYPEHASH, keccak256(encoded)]));
  return keccak256(solidityPacked(["bytes2", "bytes32", "bytes32"], ["0x1901", domainSeparator(d), structHash]));
}

/** Signs a digest; returns the 65-byte r‖s‖v signature (low-s, v = 27/28). */
export function signReport(key: SigningKey | Wallet, digest: string): string {
  const signingKey = key instanceof Wallet ? key.signingKey : key;
  return signingKey.sign(digest).serialized;
}

/** The checksummed address that made `signature` over `digest`; throws on a malformed signature. */
export function recoverSigner(digest: string, signature: string): string {
  return getAddress(recoverAddress(digest, Signature.from(signature)));
}

/** Packs signatures as transmit takes them: per entry signerIndex(1) ‖ r(32) ‖ yParityAndS(32). */
export function packSignatures(entries: SignatureEntry[]): string {
  let hex = "0x";
  for (const e of entries) {
    checkUint("signerIndex", e.signerIndex, MAX_ORACLES - 1);
    let sig: Signature;
    try {
      sig = Signature.from(e.signature);
    } catch (err) {
      fail(`signature of signer ${e.signerIndex} is malformed: ${(err as Error).message}`);
    }
    hex += e.signerIndex.toString(16).padStart(2, "0") + sig.r.slice(2) + sig.yParityAndS.slice(2);
  }
  return hex;
}

/** Splits packed signatures back into entries (compact 64-byte r‖vs form). */
export function unpackSignatures(data: string): SignatureEntry[] {
  const bytes = getBytes(data);
  if (bytes.length % SIGNATURE_ENTRY_BYTES !== 0) fail(`signatures are ${bytes.length} bytes, not a multiple of ${SIGNATURE_ENTRY_BYTES}`);
  const out: SignatureEntry[] = [];
  for (let p = 0; p < bytes.length; p += SIGNATURE_ENTRY_BYTES) {
    out.push({ signerIndex: bytes[p], signature: hexlify(bytes.slice(p + 1, p + SIGNATURE_ENTRY_BYTES)) });
  }
  return out;
}

/** The config digest setConfig computes: keccak256(abi.encode(chainId, contract, configCount, signers, transmitters, f, offchainConfig)). */
export function computeConfigDigest(c: ConfigDigestInput): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint256", "address", "uint64", "address[]", "address[]", "uint8", "bytes"],
      [c.chainId, c.contractAddress, c.configCount, c.signers, c.transmitters, c.f, c.offchainConfig],
    ),
  );
}

/** The answer the contract stores for sorted observations: the median, even counts floored. */
export function expectedAnswer(observations: bigint[]): bigint {
  return median(observations);
}

/**
 * The confidence the contract stores: half the interquartile range (nearest-rank quartiles),
 * saturated at CONFIDENCE_MAX (the storage width; a saturated value only overstates dispersion).
 */
export function expectedConfidence(observations: bigint[]): bigint {
  const c = halfIqr(observations);
  return c > CONFIDENCE_MAX ? CONFIDENCE_MAX : c;
}

/** A committee member's key and index, for signReportBy. */
export interface IndexedKey {
  signerIndex: number;
  key: SigningKey | Wallet;
}

/** Signs an encoded report with each key in the domain and packs the signatures for transmit. */
export function signReportBy(encoded: string, d: Domain, keys: IndexedKey[]): string {
  const digest = reportDigest(encoded, d);
  return packSignatures(keys.map((k) => ({ signerIndex: k.signerIndex, signature: signReport(k.key, digest) })));
}
