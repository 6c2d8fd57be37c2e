import type { Logger } from "../log/logger";
import { formatRoundId } from "../log/round";
import type { NodeMetrics } from "../metrics";
import type { NodeEmitter } from "../metrics/telemetry";
import { encodeTransmit } from "../chain/aggregator";
import type { TxManager, TxOutcome } from "../chain/tx-manager";
import { decodeReport } from "../protocol/report";
import { reportTooOld } from "../protocol/report-age";
import type { NodeStore, TxStatus } from "../store/node-store";
import type { NodeView } from "./node-view";
import type { RuntimeFeed } from "./options";

/**
 * Staggered transmission of signed reports. The leader's transmitter sends at once; the one k
 * places after it in rotation waits k * staggerMs and sends only if the report is still not on
 * chain. A report that turns out to be on chain already (another transmitter was first) is the
 * expected outcome of a backup, logged as such and not counted as a failure.
 */
export interface TransmitterDeps {
  txm: TxManager;
  store: NodeStore;
  view: NodeView;
  events: NodeEmitter;
  metrics?: NodeMetrics;
  feeds: ReadonlyMap<number, RuntimeFeed>;
  aggregator: string;
  log: Logger;
  staggerMs: number;
  /** This node's place after the epoch's leader (0 = the leader). */
  position: (epoch: number) => number;
  /** Whether every one of these feeds already holds (epoch, round) or newer on chain. */
  allOnChain: (feeds: readonly number[], epoch: number, round: number) => boolean;
  /** False when this node's key is not its transmitter on chain: it never sends. */
  enabled: boolean;
  /** This report will not land from here (reverted, failed, timed out, too old): its feeds stop being pending. */
  settled?: (feeds: readonly number[], epoch: number, round: number) => void;
  now?: () => number;
}

/** Schedules kept for de-duplication at most (a report a second is hours of them). */
const MAX_SCHEDULED = 256;

export class Transmitter {
  private readonly scheduled = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly d: TransmitterDeps) {}

  /** Schedules one report (once per epoch and round, whoever asks again). */
  schedule(encoded: string, signatures: string, epoch: number, round: number, feeds: number[]): void {
    if (this.stopped || !this.d.enabled) return;
    const key = formatRoundId(epoch, round);
    if (this.scheduled.has(key)) return;
    if (this.tooOld(encoded, feeds)) {
      this.d.log.warn({ roundId: key }, "report older than its feeds' maximum report age: not scheduled");
      this.d.settled?.(feeds, epoch, round);
      return;
    }
    const t = setTimeout(
      () => {
        const p: Promise<void> = this.transmit(encoded, signatures, epoch, round, feeds)
          .catch((err) => this.d.log.error({ err: (err as Error).message, roundId: key }, "transmission crashed"))
          .finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      },
      this.d.position(epoch) * this.d.staggerMs,
    );
    this.scheduled.set(key, t);
    if (this.scheduled.size > MAX_SCHEDULED) this.scheduled.delete(this.scheduled.keys().next().value as string);
  }

  /** Cancels what has not started and waits for transmissions in flight. */
  async drain(): Promise<void> {
    this.stopped = true;
    for (const t of this.scheduled.values()) clearTimeout(t);
    this.scheduled.clear();
    await Promise.allSettled([...this.inflight]);
  }

  private async transmit(encoded: string, signatures: string, epoch: number, round: number, feeds: number[]): Promise<void> {
    if (this.stopped) return;
    const d = this.d;
    const log = d.log.child({ roundId: formatRoundId(epoch, round) });
    if (d.allOnChain(feeds, epoch, round)) {
      log.debug("report already on chain: not transmitting");
      return;
    }
    if (this.tooOld(encoded, feeds)) {
      log.warn("report older than its feeds' maximum report age: not transmitting");
      d.settled?.(feeds, epoch, round);
      return;
    }
    const id = d.store.recordTx({ epoch, round, feeds: feeds.map(String) });
    const started = Date.now();
    const outcome = await d.txm.send({
      to: d.aggregator,
      data: encodeTransmit(encoded, signatures),
      label: formatRoundId(epoch, round),
      // The local view only: the simulation that follows reverts with StaleReport when the chain
      // already holds this round, at no gas and without another RPC call first.
      stillNeeded: async () => !d.allOnChain(feeds, epoch, round) && !this.tooOld(encoded, feeds),
      tags: feeds.map(String),
    });
    const late = outcome.error?.customError?.name === "StaleReport" || outcome.status === "skipped" || outcome.status === "superseded";
    d.store.updateTx(id, {
      hash: outcome.hash,
      nonce: outcome.nonce,
      status: logStatus(outcome, late),
      gasUsed: outcome.gasUsed,
      error: outcome.error?.message,
    });
    const ids = feeds.map((i) => d.feeds.get(i)?.id ?? String(i));
    d.view.addTx(outcome, epoch, round, ids);
    d.events.emit("tx", { ...outcome, epoch, round, feeds, ms: Date.now() - started });
    for (const feed of ids) {
      const o = outcome.status === "confirmed" ? "confirmed" : late ? "superseded" : outcome.status === "reverted" ? "reverted" : "failed";
      d.metrics?.transmissionsTotal.inc({ feed, outcome: o });
      if (outcome.gasUsed !== undefined) d.metrics?.gasUsed.observe({ feed }, Number(outcome.gasUsed) / feeds.length);
    }
    if (outcome.status === "confirmed") log.info({ hash: outcome.hash, gasUsed: outcome.gasUsed?.toString() }, "report transmitted");
    else if (late) log.info({ status: outcome.status }, "report already on chain (another transmitter was first): expected, not an error");
    else log.warn({ status: outcome.status, error: outcome.error }, "transmission failed");
    // Reverted, failed or given up: the report will not land from here, the feeds are free for a new round.
    if (outcome.status !== "confirmed" && !late) d.settled?.(feeds, epoch, round);
  }

  /** Whether the report's observations are older than some feed's maximum report age (the chain refuses it). */
  private tooOld(encoded: string, feeds: readonly number[]): boolean {
    const ts = decodeReport(encoded).observationsTimestamp;
    return reportTooOld(
      ts,
      feeds.map((i) => this.d.feeds.get(i)),
      (this.d.now ?? Date.now)(),
    );
  }
}

/** The transmission log's status: "dropped" when nothing was sent because it was not needed. */
function logStatus(o: TxOutcome, late: boolean): TxStatus {
  if (o.status === "confirmed") return "confirmed";
  if (!o.hash) return late ? "dropped" : "failed";
  return o.status === "reverted" ? "reverted" : o.status === "failed" ? "failed" : "dropped";
}
