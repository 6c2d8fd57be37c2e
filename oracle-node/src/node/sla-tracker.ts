import { getAddress } from "ethers";
import type { Logger } from "../log/logger";
import { aggregatorInterface } from "../chain/aggregator";
import type { Transmission } from "../chain/transmission-watcher";
import { computeSla, type EconomicsTotals, type LandedTransmission, type SlaResult } from "../economics/sla";
import { decodeReport, unpackSignatures, type SignatureEntry } from "../protocol/report";
import type { NodeContext } from "./context";

/**
 * The node's live SLA view (dashboard, /metrics): the committee's recent landed transmissions
 * (the watch loop hands each over), each completed with its transaction (the transmit call's
 * signatures, also handed to the equivocation evidence) and receipt (gas), and the per-oracle
 * rows `computeSla` makes of the last `window` of them. Reads run one at a time; while
 * `MAX_QUEUED` are waiting, further transmissions are counted as skipped instead of queued (an
 * RPC that falls behind must not grow memory). Economics totals, when an economics contract is
 * configured, are re-read at most every `economicsEveryMs`.
 */
export interface SlaTrackerDeps {
  ctx: NodeContext;
  tx: (hash: string) => Promise<{ data: string } | null>;
  receipt: (hash: string) => Promise<{ gasUsed: bigint; gasPrice: bigint } | null>;
  /** The signatures of every landed transmit call (equivocation evidence). */
  evidence?: { record(report: string, signatures: readonly SignatureEntry[]): void };
  economics?: (fromBlock: number, toBlock: number) => Promise<EconomicsTotals>;
  economicsEveryMs?: number;
  onUpdate?: (sla: SlaResult) => void;
  window?: number;
  log: Logger;
}

export const DEFAULT_SLA_WINDOW = 500;
const MAX_QUEUED = 64;
const DEFAULT_ECONOMICS_EVERY_MS = 5_000;

export class SlaTracker {
  private readonly landed: LandedTransmission[] = [];
  private readonly queue: Transmission[] = [];
  private running: Promise<void> | null = null;
  private economics: EconomicsTotals | null = null;
  private economicsAt = 0;
  private sla: SlaResult | null = null;
  skipped = 0;

  constructor(private readonly d: SlaTrackerDeps) {}

  /** A transmission the watch loop saw land. */
  add(t: Transmission): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.skipped += 1;
      return;
    }
    this.queue.push(t);
    this.running ??= this.drainQueue().finally(() => (this.running = null));
  }

  /** The current rows (null before the first landed transmission). */
  current(): SlaResult | null {
    return this.sla;
  }

  /** Waits for the reads in flight (stop()). */
  async drain(): Promise<void> {
    await this.running;
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const t = this.queue.shift()!;
      try {
        const l = await this.complete(t);
        if (l) this.landed.push(l);
        while (this.landed.length > (this.d.window ?? DEFAULT_SLA_WINDOW)) this.landed.shift();
        await this.refreshEconomics(t.blockNumber);
        this.recompute();
      } catch (err) {
        this.d.log.debug({ err: (err as Error).message, txHash: t.txHash }, "landed transmission not read for the SLA");
      }
    }
  }

  private async complete(t: Transmission): Promise<LandedTransmission | null> {
    const [tx, receipt] = await Promise.all([this.d.tx(t.txHash), this.d.receipt(t.txHash)]);
    if (!tx || !receipt) return null;
    const call = aggregatorInterface().parseTransaction({ data: tx.data });
    if (call?.name !== "transmit") return null;
    const encoded = String(call.args[0]);
    const entries = unpackSignatures(String(call.args[1]));
    this.d.evidence?.record(encoded, entries);
    return {
      blockNumber: t.blockNumber,
      txHash: t.txHash,
      transmitter: getAddress(t.transmitter),
      report: decodeReport(encoded),
      signerIndices: entries.map((e) => e.signerIndex),
      gasUsed: receipt.gasUsed,
      gasPrice: receipt.gasPrice,
    };
  }

  private async refreshEconomics(head: number): Promise<void> {
    if (!this.d.economics || this.landed.length === 0) return;
    const now = Date.now();
    if (now - this.economicsAt < (this.d.economicsEveryMs ?? DEFAULT_ECONOMICS_EVERY_MS)) return;
    this.economicsAt = now;
    this.economics = await this.d.economics(this.landed[0].blockNumber, head);
  }

  private recompute(): void {
    if (this.landed.length === 0) return;
    const { committee } = this.d.ctx;
    this.sla = computeSla({
      fromBlock: this.landed[0].blockNumber,
      toBlock: this.landed[this.landed.length - 1].blockNumber,
      configs: [{ configDigest: committee.configDigest, blockNumber: 0, signers: committee.signers, transmitters: committee.transmitters, f: committee.f }],
      landed: this.landed,
      reverted: null,
      economics: this.economics,
    });
    this.d.onUpdate?.(this.sla);
  }
}
