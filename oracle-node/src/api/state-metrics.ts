import type { NodeMetrics } from "../metrics/metrics";
import type { NodeState } from "./state";

/**
 * Gauges that describe the node's current state rather than events: set from the state at
 * every scrape, so they are exact at the moment Prometheus reads them (an age counted up by a
 * timer would lag, and a peer's health is the view's verdict, not a separate bookkeeping).
 */
export function refreshStateGauges(metrics: NodeMetrics, state: NodeState, nowMs = Date.now()): void {
  for (const feed of state.feeds) {
    metrics.feedOutOfBounds.set({ feed: feed.id }, feed.outOfBounds?.active ? 1 : 0);
    if (!feed.onchain) continue;
    metrics.onchainAge.set({ feed: feed.id }, Math.max(0, nowMs / 1000 - feed.onchain.updatedAt));
    metrics.onchainAnswer.set({ feed: feed.id }, Number(feed.onchain.answer));
  }
  for (const o of state.sla?.oracles ?? []) {
    const oracle = String(o.index);
    if (o.inclusionRate !== null) metrics.slaInclusion.set({ oracle }, o.inclusionRate);
    if (o.signatureShare !== null) metrics.slaSignatureShare.set({ oracle }, o.signatureShare);
    metrics.slaTransmissions.set({ oracle }, o.transmissions.landed);
    metrics.slaGasSpentWei.set({ oracle }, Number(o.gas.spentWei));
    if (o.deviationBps) for (const q of ["p50", "p95", "max"] as const) metrics.slaDeviationBps.set({ oracle, quantile: q }, o.deviationBps[q]);
    if (o.rewards.accrued !== null) metrics.slaRewardsAccrued.set({ oracle }, Number(o.rewards.accrued) / 1e18);
    if (o.rewards.claimed !== null) metrics.slaRewardsClaimed.set({ oracle }, Number(o.rewards.claimed) / 1e18);
    if (o.rewards.slashed !== null) metrics.slaSlashed.set({ oracle }, Number(o.rewards.slashed) / 1e18);
    if (o.gas.reimbursedWei !== null) metrics.slaGasReimbursedWei.set({ oracle }, Number(o.gas.reimbursedWei));
  }
  for (const peer of state.peers) {
    if (peer.address.toLowerCase() === state.node.address.toLowerCase()) continue;
    metrics.peerUp.set({ peer: peer.address }, peer.healthy ? 1 : 0);
  }
}
