import { formatDecimal, fromFeedUnits } from "../quotes/decimal";
import {
  HISTORY_LIMIT,
  TX_LIMIT,
  emptyNodeState,
  pushBounded,
  unshiftBounded,
  type FeedView,
  type NodeState,
  type RpcProviderView,
  type SourceView,
  type TxView,
} from "../api/state";
import type { SlaJson } from "../economics/sla-format";
import type { OutOfBounds } from "../chain/aggregator";
import type { TxOutcome } from "../chain/tx-manager";
import type { ObservationSnapshot } from "./observer";
import type { RuntimeFeed } from "./options";

/** Peers not heard from for this long show as unhealthy. */
const PEER_HEALTH_WINDOW_MS = 10_000;

/** The protocol's own state, next to what the dashboard shows. */
export interface ProtocolView {
  epoch: number;
  /** Committee index of the epoch's leader. */
  leader: number;
  rpcHealthy: boolean;
}

export type RuntimeState = NodeState & { protocol: ProtocolView };

/**
 * What the node shows about itself (api/state.ts shapes), kept up to date by the runtime: the
 * last quotes per source with the filter's verdicts, the node's observation, the on-chain answer,
 * peers' health and recent transactions. `state()` returns a copy that is safe to serialise.
 */
export class NodeView {
  private readonly s: NodeState;
  private readonly byIndex = new Map<number, FeedView>();
  private readonly decimals = new Map<number, number>();
  private readonly protocol: ProtocolView = { epoch: 0, leader: -1, rpcHealthy: true };
  private peerUrls: string[] = [];
  /** Per committee index: when the last exchange with that peer failed (unix ms). */
  private readonly peerFailedAt = new Map<number, number>();

  constructor(name: string, address: string, feeds: readonly RuntimeFeed[], chainId: number) {
    this.s = emptyNodeState(name, address);
    this.s.node.chainId = chainId;
    for (const f of feeds) {
      const v: FeedView = {
        id: f.id,
        description: f.description,
        decimals: f.decimals,
        pair: f.pair,
        address: f.address ?? null,
        fair: null,
        observation: null,
        onchain: null,
        rounds: 0,
        dropCounts: {},
        refusal: null,
        sources: [],
        history: [],
      };
      this.s.feeds.push(v);
      this.byIndex.set(f.feedIndex, v);
      this.decimals.set(f.feedIndex, f.decimals);
    }
  }

  setPeers(signers: readonly string[], urls: readonly string[]): void {
    this.peerUrls = [...urls];
    this.s.peers = signers.map((address, index) => ({ index, address, url: urls[index] ?? "", healthy: false, lastSeen: null, lastError: null }));
  }

  setRpcProviders(states: readonly RpcProviderView[]): void {
    this.s.rpcProviders = states.map((p) => ({ ...p }));
  }

  setReady(ready: boolean, notReady: string[]): void {
    this.s.node.ready = ready;
    this.s.node.notReady = notReady;
  }

  setEpoch(epoch: number, leader: number): void {
    this.protocol.epoch = epoch;
    this.protocol.leader = leader;
  }

  setRpcHealthy(ok: boolean): void {
    this.protocol.rpcHealthy = ok;
    const reasons = this.s.node.notReady.filter((r) => r !== "rpc unreachable");
    if (!ok) reasons.push("rpc unreachable");
    this.s.node.notReady = reasons;
  }

  setFair(feedId: string, fair: string | null): void {
    const f = this.s.feeds.find((x) => x.id === feedId);
    if (f) f.fair = fair;
  }

  setOnchain(idx: number, answer: bigint | null, confidence: bigint | null, roundId: string, updatedAt: number, landed = false): void {
    const v = this.byIndex.get(idx);
    if (!v) return;
    const d = this.decimals.get(idx)!;
    v.onchain =
      answer === null
        ? null
        : { answer: formatDecimal(fromFeedUnits(answer, d)), confidence: formatDecimal(fromFeedUnits(confidence ?? 0n, d)), roundId, updatedAt };
    if (landed) v.rounds += 1;
  }

  /** The on-chain out-of-bounds record of a feed: shown while active, gone once a median lands in bounds. */
  setOutOfBounds(idx: number, state: OutOfBounds): void {
    const v = this.byIndex.get(idx);
    if (!v) return;
    if (!state.active) {
      delete v.outOfBounds;
      return;
    }
    v.outOfBounds = { active: true, refusedMedian: formatDecimal(fromFeedUnits(state.refusedMedian, this.decimals.get(idx)!)), since: state.since };
  }

  setSnapshot(snap: ObservationSnapshot): void {
    for (const [idx, o] of snap.feeds) {
      const v = this.byIndex.get(idx);
      if (!v) continue;
      const d = this.decimals.get(idx)!;
      v.observation = o.value === null ? null : formatDecimal(fromFeedUnits(o.value, d));
      v.refusal = o.value === null ? (o.result.refusedReason ?? "refused") : null;
      const dropped = new Map(o.result.dropped.map((x) => [x.source, x]));
      v.sources = o.sources.map((src): SourceView => {
        const drop = dropped.get(src.id);
        const reason = src.error ? src.error.failure : drop ? drop.reason : null;
        return {
          id: src.id,
          price: src.quote ? formatDecimal(src.quote.price) : null,
          dropped: reason !== null,
          reason,
          score: drop?.score ?? null,
          at: src.quote?.receivedAt ?? snap.fetchedAt,
        };
      });
      for (const src of v.sources) if (src.dropped) v.dropCounts[src.id] = (v.dropCounts[src.id] ?? 0) + 1;
      pushBounded(
        v.history,
        {
          t: snap.fetchedAt,
          onchain: v.onchain?.answer ?? null,
          observation: v.observation,
          sources: v.sources.map((x) => ({ id: x.id, price: x.price, dropped: x.dropped, reason: x.reason })),
        },
        HISTORY_LIMIT,
      );
    }
  }

  /** The peer proved it is alive: an authenticated message from it, or a request to it that succeeded. */
  peerOk(index: number, now = Date.now()): void {
    const p = this.s.peers[index];
    if (!p) return;
    p.lastSeen = now;
    p.healthy = true;
  }

  /** A request to the peer failed (timeout, unreachable, bad reply): down until it is heard from again. */
  peerError(index: number, error: string, now = Date.now()): void {
    const p = this.s.peers[index];
    if (!p) return;
    p.lastError = error;
    p.healthy = false;
    this.peerFailedAt.set(index, now);
  }

  /** The peer answered but refused (a 4xx): it is reachable, the refusal is kept as its last error. */
  peerRefused(index: number, error: string): void {
    const p = this.s.peers[index];
    if (!p) return;
    p.lastError = error;
  }

  addTx(o: TxOutcome, epoch: number, round: number, feeds: string[]): void {
    if (!o.hash) return; // nothing was sent (already on chain, superseded): not a transaction
    const status: TxView["status"] = o.status === "confirmed" ? "confirmed" : o.status === "superseded" || o.status === "skipped" ? "superseded" : "failed";
    unshiftBounded(
      this.s.txs,
      { hash: o.hash, feeds, round: `${epoch}:${round}`, status, gasUsed: o.gasUsed?.toString() ?? null, at: Date.now(), error: o.error?.message ?? null },
      TX_LIMIT,
    );
  }

  /** The live SLA rows (node/sla-tracker.ts). */
  setSla(sla: SlaJson): void {
    this.s.sla = sla;
  }

  state(): RuntimeState {
    const now = Date.now();
    for (const p of this.s.peers) {
      const failedAt = this.peerFailedAt.get(p.index) ?? null;
      const self = p.address.toLowerCase() === this.s.node.address.toLowerCase();
      p.healthy = self || (p.lastSeen !== null && now - p.lastSeen < PEER_HEALTH_WINDOW_MS && (failedAt === null || p.lastSeen > failedAt));
    }
    void this.peerUrls;
    return { ...structuredClone(this.s), protocol: { ...this.protocol } };
  }
}
