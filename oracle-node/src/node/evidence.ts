import type { Logger } from "../log/logger";
import { formatRoundId } from "../log/round";
import { EquivocationDetector, type EquivocationProof } from "../economics/equivocation";
import type { SignatureEntry } from "../protocol/report";
import type { NodeContext } from "./context";

/**
 * The node's equivocation watch: every signed report it sees goes to the detector (final reports
 * from any member, the signatures a leader collects over its proposal, the reports that landed on
 * chain with their transmit calldata's signatures); a proof is logged, counted and, when an
 * economics contract is configured, submitted through `submit` (the node's own transaction
 * manager, so the nonce stays one sequence). Each proof is submitted once; a failed submission is
 * logged, not retried here (anyone may submit the same proof; the contract refuses a replay).
 */
export interface EvidenceDeps {
  ctx: NodeContext;
  maxRoundsPerSigner: number;
  /** Sends proveEquivocation; absent without an economics contract (proofs are only logged). */
  submit?: (proof: EquivocationProof) => Promise<{ ok: boolean; detail: string }>;
  onProof?: (proof: EquivocationProof, submitted: boolean) => void;
  log: Logger;
}

/** Proofs remembered for the API and tests at most. */
const MAX_PROOFS_KEPT = 64;

export class Evidence {
  private readonly detector: EquivocationDetector;
  private readonly inflight = new Set<Promise<void>>();
  readonly proofs: Array<EquivocationProof & { submitted: boolean | null; detail: string }> = [];

  constructor(private readonly d: EvidenceDeps) {
    const { committee, chainId, aggregator, address } = d.ctx;
    this.detector = new EquivocationDetector({
      configDigest: committee.configDigest,
      signers: committee.signers,
      domain: { chainId: BigInt(chainId), verifyingContract: aggregator },
      self: address,
      maxRoundsPerSigner: d.maxRoundsPerSigner,
    });
  }

  /** A packed report and signatures over it, from a peer or the chain. Never throws. */
  record(report: string, signatures: readonly SignatureEntry[]): void {
    for (const proof of this.detector.record(report, signatures)) this.found(proof);
  }

  /** A final report's signatures (no signer indices). Never throws. */
  recordUnindexed(report: string, signatures: readonly string[]): void {
    for (const proof of this.detector.recordUnindexed(report, signatures)) this.found(proof);
  }

  get refused(): number {
    return this.detector.refused;
  }

  /** Waits for submissions in flight (stop()). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private found(proof: EquivocationProof): void {
    const log = this.d.log.child({ roundId: formatRoundId(proof.epoch, proof.round), signer: proof.signer, signerIndex: proof.signerIndex });
    log.error("equivocation: the signer signed two different reports for one round");
    const entry = { ...proof, submitted: this.d.submit ? false : null, detail: this.d.submit ? "submitting" : "no economics contract configured" };
    this.proofs.push(entry);
    if (this.proofs.length > MAX_PROOFS_KEPT) this.proofs.shift();
    if (!this.d.submit) {
      this.d.onProof?.(proof, false);
      return;
    }
    const p = this.d
      .submit(proof)
      .then((r) => {
        entry.submitted = r.ok;
        entry.detail = r.detail;
        if (r.ok) log.warn({ detail: r.detail }, "equivocation proof submitted");
        else log.warn({ detail: r.detail }, "equivocation proof not accepted");
        this.d.onProof?.(proof, r.ok);
      })
      .catch((err: unknown) => {
        entry.detail = (err as Error).message;
        log.warn({ err: entry.detail }, "equivocation proof submission failed");
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
}
