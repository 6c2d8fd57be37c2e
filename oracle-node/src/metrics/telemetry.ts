import { EventEmitter } from "node:events";
import type { ProviderState } from "../chain/provider-pool";
import type { Transmission } from "../chain/transmission-watcher";
import type { TxOutcome } from "../chain/tx-manager";
import type { ObservationSnapshot } from "../node/observer";
import type { PeerRejection, TransportStats } from "../transport/peer-network";
import type { NodeMetrics } from "./metrics";

/**
 * What a node tells the outside about itself: its typed events (the demo, the dashboard, tests)
 * and its Prometheus metrics. Every other part reports here instead of touching either directly;
 * without metrics configured only the events remain.
 */
export interface RoundInfo {
  epoch: number;
  round: number;
  feeds: number[];
  outcome: string;
  messages: number;
  bytes: number;
  stages: Record<string, number>;
}

export interface NodeEvents {
  transmission: [t: Transmission & { seenAt: number }];
  tx: [outcome: TxOutcome & { epoch: number; round: number; feeds: number[]; ms: number }];
  epoch: [epoch: number, leader: number];
  snapshot: [s: ObservationSnapshot];
  fatal: [reason: string];
  round: [info: RoundInfo];
}

export type NodeEmitter = EventEmitter<NodeEvents>;

export interface TelemetryFeed {
  id: string;
  decimals: number;
}

type Traffic = Pick<TransportStats, "messagesSent" | "bytesSent" | "messagesReceived">;

export class Telemetry {
  readonly events: NodeEmitter = new EventEmitter<NodeEvents>();
  /** The status label each RPC endpoint's up series carries now. */
  private readonly rpcStatus = new Map<string, string>();

  constructor(
    private readonly feeds: ReadonlyMap<number, TelemetryFeed>,
    readonly metrics?: NodeMetrics,
  ) {}

  /** A leader's round ended (`outcome`), with the traffic it caused (transport counters before and after). */
  round(r: { epoch: number; round: number; feeds: number[]; outcome: string; stages?: Record<string, number> }, before: Traffic, after: Traffic): void {
    const stages = r.stages ?? {};
    const m = this.metrics;
    if (m) {
      for (const idx of r.feeds) {
        const id = this.feeds.get(idx)?.id;
        if (!id) continue;
        m.roundsTotal.inc({ feed: id, outcome: r.outcome });
        if (stages.observeMs !== undefined) m.roundLatency.observe({ feed: id, stage: "observed" }, stages.observeMs / 1000);
        if (stages.signMs !== undefined) m.roundLatency.observe({ feed: id, stage: "reported" }, ((stages.observeMs ?? 0) + stages.signMs) / 1000);
      }
    }
    this.events.emit("round", {
      epoch: r.epoch,
      round: r.round,
      feeds: r.feeds,
      outcome: r.outcome,
      stages,
      messages: after.messagesSent - before.messagesSent + (after.messagesReceived - before.messagesReceived),
      bytes: after.bytesSent - before.bytesSent,
    });
  }

  /** A transmission of this committee reached the chain. */
  landed(t: Transmission, seenAt: number): void {
    const m = this.metrics;
    if (m) {
      for (const u of t.feeds) {
        const feed = this.feeds.get(u.feedIndex);
        if (!feed) continue;
        m.roundsTotal.inc({ feed: feed.id, outcome: "landed" });
        m.onchainAnswer.set({ feed: feed.id }, Number(u.answer) / 10 ** feed.decimals);
      }
    }
    this.events.emit("transmission", { ...t, seenAt });
  }

  /** A poll finished: refusals, drops, model scores and quotes per feed. */
  snapshot(s: ObservationSnapshot): void {
    this.events.emit("snapshot", s);
    const m = this.metrics;
    if (!m) return;
    for (const [idx, o] of s.feeds) {
      const feed = this.feeds.get(idx);
      if (!feed) continue;
      if (o.value === null) m.refusalsTotal.inc({ feed: feed.id, reason: o.result.refusedReason ?? "refused" });
      for (const d of o.result.dropped) m.sourceDropsTotal.inc({ feed: feed.id, source: d.source, reason: d.reason.split(" ")[0] });
      for (const sc of o.result.scores ?? []) if (Number.isFinite(sc.score)) m.modelScore.observe({ feed: feed.id }, sc.score);
      for (const src of o.sources) if (src.quote) m.quotesTotal.inc({ feed: feed.id, source: src.id });
    }
  }

  /** This node signed an observation of a feed. */
  observed(feedIndex: number): void {
    const id = this.feeds.get(feedIndex)?.id;
    if (id) this.metrics?.observationsTotal.inc({ feed: id });
  }

  sourceResponse(source: string, seconds: number, outcome: string): void {
    this.metrics?.sourceLatency.observe({ source, outcome }, seconds);
  }

  peerRejected(r: PeerRejection): void {
    this.metrics?.peerRejectsTotal.inc({ reason: r.reason, peer: r.peer ?? "unknown" });
  }

  peerUp(peer: string, up: boolean): void {
    this.metrics?.peerUp.set({ peer }, up ? 1 : 0);
  }

  /** This node found an equivocation proof against committee member `oracle`. */
  equivocation(oracle: number, submitted: boolean): void {
    this.metrics?.equivocationsTotal.inc({ oracle: String(oracle), submitted: String(submitted) });
  }

  /** The RPC endpoints' health (chain/provider-pool.ts); one series per endpoint, the status label replaced on change. */
  rpcProviders(states: readonly ProviderState[]): void {
    const m = this.metrics;
    if (!m) return;
    for (const s of states) {
      const provider = String(s.index);
      m.rpcProviderUp.remove({ provider, status: this.rpcStatus.get(provider) ?? s.status });
      this.rpcStatus.set(provider, s.status);
      m.rpcProviderUp.set({ provider, status: s.status }, s.status === "healthy" ? 1 : 0);
      if (s.head !== null) m.rpcProviderHead.set({ provider }, s.head);
      if (s.latencyMs !== null) m.rpcProviderLatency.set({ provider }, s.latencyMs / 1000);
      m.rpcProviderDemotions.set({ provider }, s.demotions);
    }
  }

  /** The node can no longer serve (the config changed on chain). */
  fatal(reason: string): void {
    this.events.emit("fatal", reason);
  }
}
