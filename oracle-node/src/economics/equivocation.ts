import { getAddress } from "ethers";
import { decodeReport, recoverSigner, reportDigest, type Domain, type SignatureEntry } from "../protocol/report";

/**
 * Equivocation evidence: the signed reports this node sees (final reports carry f+1 members'
 * signatures, landed transmissions carry theirs in the transmit calldata, a leader holds its
 * followers' signatures over its proposal), kept per signer and (epoch, round) of the running
 * config, and the proof when one signer signed two different reports for one (config digest,
 * epoch, round): the statement an honest node never makes (the store claims one report digest
 * per round before signing, node/follower.ts).
 *
 * Everything recorded is attacker input: every signature is recovered against the digest this
 * module computes itself from the report bytes and must come from the committee signer at its
 * claimed index; a report under another config digest is ignored; this node's own signer is
 * never recorded (it is never proven against itself); and the storage is bounded per signer
 * (`maxRoundsPerSigner` rounds, the oldest inserted dropped first), so a faulty member flooding
 * signed reports for made-up rounds only pushes out its own older entries.
 */
export interface EquivocationProof {
  signer: string;
  signerIndex: number;
  configDigest: string;
  epoch: number;
  round: number;
  /** The two packed reports and this signer's 65/64-byte signature over each. */
  reportA: string;
  signatureA: string;
  reportB: string;
  signatureB: string;
}

export interface EquivocationOptions {
  configDigest: string;
  signers: readonly string[];
  domain: Domain;
  /** This node's signer address: never recorded, never proven. */
  self: string;
  /** Rounds remembered per signer (default 256). */
  maxRoundsPerSigner?: number;
  /** Largest packed report accepted as evidence (default 64 KiB; a 64-feed, 31-oracle report is ~31 KiB). */
  maxReportBytes?: number;
}

interface Seen {
  digest: string;
  report: string;
  signature: string;
}

export const DEFAULT_ROUNDS_PER_SIGNER = 256;
export const DEFAULT_MAX_REPORT_BYTES = 64 * 1024;

export class EquivocationDetector {
  /** signer index -> `${epoch}:${round}` -> the first report seen signed by it (insertion-ordered). */
  private readonly seen = new Map<number, Map<string, Seen>>();
  /** `${signerIndex}:${epoch}:${round}` already proven: one proof each. */
  private readonly proven = new Set<string>();
  private readonly configDigest: string;
  private readonly signers: string[];
  private readonly self: string;
  private readonly maxRounds: number;
  private readonly maxBytes: number;
  /** Signatures refused (wrong signer, malformed) and reports refused (other digest, too big, undecodable). */
  refused = 0;

  constructor(private readonly o: EquivocationOptions) {
    this.configDigest = o.configDigest.toLowerCase();
    this.signers = o.signers.map((s) => getAddress(s));
    this.self = getAddress(o.self);
    this.maxRounds = o.maxRoundsPerSigner ?? DEFAULT_ROUNDS_PER_SIGNER;
    this.maxBytes = o.maxReportBytes ?? DEFAULT_MAX_REPORT_BYTES;
  }

  /** Entries held (for tests and the bound). */
  size(): number {
    let n = 0;
    for (const m of this.seen.values()) n += m.size;
    return n;
  }

  /**
   * Records a packed report and signatures over it; returns the new proofs (a signer whose earlier
   * signature for the same round was over a different report). Never throws on bad input.
   */
  record(report: string, signatures: readonly SignatureEntry[]): EquivocationProof[] {
    if (typeof report !== "string" || (report.length - 2) / 2 > this.maxBytes) return this.refuse([]);
    let epoch: number, round: number;
    try {
      const r = decodeReport(report);
      if (r.configDigest.toLowerCase() !== this.configDigest) return this.refuse([]);
      ({ epoch, round } = r);
    } catch {
      return this.refuse([]);
    }
    const digest = reportDigest(report, this.o.domain).toLowerCase();
    const proofs: EquivocationProof[] = [];
    for (const e of signatures) {
      const signer = this.signers[e.signerIndex];
      if (signer === this.self) continue;
      if (!signer) {
        this.refused += 1;
        continue;
      }
      try {
        if (recoverSigner(digest, e.signature) !== signer) {
          this.refused += 1;
          continue;
        }
      } catch {
        this.refused += 1;
        continue;
      }
      const p = this.add(e.signerIndex, signer, epoch, round, { digest, report, signature: e.signature });
      if (p) proofs.push(p);
    }
    return proofs;
  }

  /**
   * Records signatures that carry no signer index (a final report's): each is attributed to the
   * committee signer it recovers to; one that recovers to no member is refused.
   */
  recordUnindexed(report: string, signatures: readonly string[]): EquivocationProof[] {
    let digest: string;
    try {
      digest = reportDigest(report, this.o.domain);
    } catch {
      return this.refuse([]);
    }
    const entries: SignatureEntry[] = [];
    for (const signature of signatures.slice(0, this.signers.length)) {
      let idx = -1;
      try {
        idx = this.signers.indexOf(recoverSigner(digest, signature));
      } catch {
        // malformed: refused below
      }
      if (idx < 0) this.refused += 1;
      else entries.push({ signerIndex: idx, signature });
    }
    return this.record(report, entries);
  }

  private refuse<T>(x: T): T {
    this.refused += 1;
    return x;
  }

  private add(idx: number, signer: string, epoch: number, round: number, s: Seen): EquivocationProof | null {
    const key = `${epoch}:${round}`;
    let rounds = this.seen.get(idx);
    if (!rounds) this.seen.set(idx, (rounds = new Map<string, Seen>()));
    const first = rounds.get(key);
    if (!first) {
      rounds.set(key, s);
      while (rounds.size > this.maxRounds) rounds.delete(rounds.keys().next().value!);
      return null;
    }
    if (first.digest === s.digest) return null; // the same report again (or a malleated copy of its signature)
    const provenKey = `${idx}:${key}`;
    if (this.proven.has(provenKey)) return null;
    this.proven.add(provenKey);
    if (this.proven.size > this.maxRounds * this.signers.length) this.proven.delete(this.proven.values().next().value!);
    return {
      signer,
      signerIndex: idx,
      configDigest: this.configDigest,
      epoch,
      round,
      reportA: first.report,
      signatureA: first.signature,
      reportB: s.report,
      signatureB: s.signature,
    };
  }
}
