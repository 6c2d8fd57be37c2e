import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The node's Prometheus metrics, one registry per node (several nodes can share a process in
 * tests and the demo, so nothing goes into prom-client's global registry).
 *
 * Callers increment the named metrics directly:
 *   metrics.roundsTotal.inc({ feed: "BTC/USD", outcome: "transmitted" })
 *   metrics.sourceDropsTotal.inc({ feed, source: "kraken", reason: "timeout" })
 *   metrics.modelScore.observe({ feed }, 0.93)
 * Label values are bounded sets (feed ids, source ids, failure classes, outcomes): never put a
 * price, a round id or an error message into a label.
 */

/** Metric name prefix, so the node's series are easy to find next to other exporters'. */
export const METRIC_PREFIX = "oracle_";

/** Outcomes of a round as this node saw it. */
export type RoundOutcome = "transmitted" | "landed" | "refused" | "timeout" | "failed";
/** Outcomes of a transaction this node sent. */
export type TransmissionOutcome = "confirmed" | "reverted" | "superseded" | "failed";

/** Anomaly scores are probabilities: buckets dense near the usual thresholds (0.5-0.99). */
const SCORE_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];
/** Seconds: loopback rounds take tens of ms, public RPCs and venues up to seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Gas of one transmit: ~80k for a small committee up to ~1M for a big batch. */
const GAS_BUCKETS = [50_000, 100_000, 150_000, 200_000, 300_000, 500_000, 1_000_000, 2_000_000];

export interface NodeMetrics {
  registry: Registry;
  /** Rounds by feed and outcome. */
  roundsTotal: Counter<"feed" | "outcome">;
  /** Signed observations this node sent, by feed. */
  observationsTotal: Counter<"feed">;
  /** Rounds the node refused to observe (too few sources survived), by feed and reason. */
  refusalsTotal: Counter<"feed" | "reason">;
  /** Quotes fetched successfully, by feed and source. */
  quotesTotal: Counter<"feed" | "source">;
  /**
   * Quotes left out of the median, by feed, source and reason: a failure class (timeout,
   * rate-limited, unknown-symbol, malformed, stale, invalid-value, http-error, unreachable) or
   * the filter's verdict (model, mad).
   */
  sourceDropsTotal: Counter<"feed" | "source" | "reason">;
  /** The anomaly model's score of every quote it scored. */
  modelScore: Histogram<"feed">;
  /** Transactions sent, by feed and outcome. */
  transmissionsTotal: Counter<"feed" | "outcome">;
  /** Gas used by this node's confirmed transmissions. */
  gasUsed: Histogram<"feed">;
  /** Seconds from round start to the answer on chain (or to a stage, see `stage`). */
  roundLatency: Histogram<"feed" | "stage">;
  /** Seconds per HTTP attempt to a source, by source and outcome ("ok" or the failure class). */
  sourceLatency: Histogram<"source" | "outcome">;
  /** 1 when the peer answered recently, else 0. */
  peerUp: Gauge<"peer">;
  /** Per RPC endpoint of the chain ("0" = the primary rpcUrl, then fallbackRpcUrls): 1 while healthy, 0 while demoted. */
  rpcProviderUp: Gauge<"provider" | "status">;
  /** The head block each endpoint reported at its last good check. */
  rpcProviderHead: Gauge<"provider">;
  /** Seconds of each endpoint's last health check. */
  rpcProviderLatency: Gauge<"provider">;
  /** Times each endpoint was demoted since the node started. */
  rpcProviderDemotions: Gauge<"provider">;
  /**
   * Peer messages rejected (bad signature, replay, oversized, malformed, protocol refusals), by
   * reason and peer: the signer's address once the signature checked out and it is in the
   * committee, else "unknown" (an unauthenticated sender must not mint label values).
   */
  peerRejectsTotal: Counter<"reason" | "peer">;
  /** Latest on-chain answer per feed, as a float for graphs (the exact value is in the API). */
  onchainAnswer: Gauge<"feed">;
  /** Seconds since the latest on-chain answer per feed, set when the node reads it. */
  onchainAge: Gauge<"feed">;
  /** 1 while the feed's aggregator holds its answer because the median was out of bounds, else 0. */
  feedOutOfBounds: Gauge<"feed">;
  /**
   * The committee's SLA over the node's recent landed transmissions, per oracle (its committee
   * index, a bounded label): inclusion rate and signature share (0..1), landed transmissions, gas
   * spent (wei, float), |observation - median| in bps by quantile (p50, p95, max), rewards accrued
   * (token units, float; with an economics contract).
   */
  slaInclusion: Gauge<"oracle">;
  slaSignatureShare: Gauge<"oracle">;
  slaTransmissions: Gauge<"oracle">;
  slaGasSpentWei: Gauge<"oracle">;
  slaDeviationBps: Gauge<"oracle" | "quantile">;
  slaRewardsAccrued: Gauge<"oracle">;
  slaRewardsClaimed: Gauge<"oracle">;
  slaSlashed: Gauge<"oracle">;
  slaGasReimbursedWei: Gauge<"oracle">;
  /** Equivocation proofs this node found, by the proven oracle's index and whether the submission was accepted. */
  equivocationsTotal: Counter<"oracle" | "submitted">;
}

export interface CreateMetricsOptions {
  /** Labels added to every series, e.g. { node: "node-1" }. */
  defaultLabels?: Record<string, string>;
  /** Collect process metrics (CPU, memory, event loop lag). On by default. */
  processMetrics?: boolean;
}

export function createMetrics(opts: CreateMetricsOptions = {}): NodeMetrics {
  const registry = new Registry();
  if (opts.defaultLabels) registry.setDefaultLabels(opts.defaultLabels);
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const p = METRIC_PREFIX;
  const registers = [registry];
  return {
    registry,
    roundsTotal: new Counter({ name: `${p}rounds_total`, help: "Rounds by feed and outcome", labelNames: ["feed", "outcome"], registers }),
    observationsTotal: new Counter({ name: `${p}observations_total`, help: "Signed observations sent", labelNames: ["feed"], registers }),
    refusalsTotal: new Counter({ name: `${p}refusals_total`, help: "Rounds the node refused to observe", labelNames: ["feed", "reason"], registers }),
    quotesTotal: new Counter({ name: `${p}quotes_total`, help: "Quotes fetched", labelNames: ["feed", "source"], registers }),
    sourceDropsTotal: new Counter({
      name: `${p}source_drops_total`,
      help: "Quotes left out of the median, by source and failure class or filter verdict",
      labelNames: ["feed", "source", "reason"],
      registers,
    }),
    modelScore: new Histogram({ name: `${p}model_score`, help: "Anomaly model score per quote", labelNames: ["feed"], buckets: SCORE_BUCKETS, registers }),
    transmissionsTotal: new Counter({ name: `${p}transmissions_total`, help: "Transactions sent by outcome", labelNames: ["feed", "outcome"], registers }),
    gasUsed: new Histogram({ name: `${p}gas_used`, help: "Gas used per confirmed transmission", labelNames: ["feed"], buckets: GAS_BUCKETS, registers }),
    roundLatency: new Histogram({
      name: `${p}round_latency_seconds`,
      help: "Seconds from round start to a stage (observed, reported, onchain)",
      labelNames: ["feed", "stage"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    sourceLatency: new Histogram({
      name: `${p}source_latency_seconds`,
      help: "Seconds per source HTTP attempt by outcome",
      labelNames: ["source", "outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    peerUp: new Gauge({ name: `${p}peer_up`, help: "1 when the peer answered recently", labelNames: ["peer"], registers }),
    rpcProviderUp: new Gauge({
      name: `${p}rpc_provider_up`,
      help: "1 while the RPC endpoint is healthy; status says why not",
      labelNames: ["provider", "status"],
      registers,
    }),
    rpcProviderHead: new Gauge({ name: `${p}rpc_provider_head`, help: "Head block the RPC endpoint last reported", labelNames: ["provider"], registers }),
    rpcProviderLatency: new Gauge({
      name: `${p}rpc_provider_latency_seconds`,
      help: "Seconds of the RPC endpoint's last health check",
      labelNames: ["provider"],
      registers,
    }),
    rpcProviderDemotions: new Gauge({
      name: `${p}rpc_provider_demotions`,
      help: "Times the RPC endpoint was demoted since start",
      labelNames: ["provider"],
      registers,
    }),
    peerRejectsTotal: new Counter({
      name: `${p}peer_rejects_total`,
      help: "Peer messages rejected by reason and peer",
      labelNames: ["reason", "peer"],
      registers,
    }),
    onchainAnswer: new Gauge({ name: `${p}onchain_answer`, help: "Latest on-chain answer (float, for graphs)", labelNames: ["feed"], registers }),
    onchainAge: new Gauge({ name: `${p}onchain_age_seconds`, help: "Seconds since the latest on-chain answer", labelNames: ["feed"], registers }),
    feedOutOfBounds: new Gauge({
      name: `${p}feed_out_of_bounds`,
      help: "1 while the aggregator holds the feed's answer because the median was out of bounds",
      labelNames: ["feed"],
      registers,
    }),
    ...slaMetrics(registers),
  };
}

type SlaMetrics = Pick<
  NodeMetrics,
  | "slaInclusion"
  | "slaSignatureShare"
  | "slaTransmissions"
  | "slaGasSpentWei"
  | "slaDeviationBps"
  | "slaRewardsAccrued"
  | "slaRewardsClaimed"
  | "slaSlashed"
  | "slaGasReimbursedWei"
  | "equivocationsTotal"
>;

/** The per-oracle SLA gauges and the equivocation counter (their label `oracle` is a committee index: at most 31 values). */
function slaMetrics(registers: Registry[]): SlaMetrics {
  const p = METRIC_PREFIX;
  return {
    slaInclusion: new Gauge({
      name: `${p}sla_inclusion_ratio`,
      help: "Share of report feed entries carrying the oracle's observation",
      labelNames: ["oracle"],
      registers,
    }),
    slaSignatureShare: new Gauge({ name: `${p}sla_signature_share`, help: "Share of landed reports the oracle signed", labelNames: ["oracle"], registers }),
    slaTransmissions: new Gauge({
      name: `${p}sla_transmissions`,
      help: "Landed transmissions sent by the oracle's transmitter",
      labelNames: ["oracle"],
      registers,
    }),
    slaGasSpentWei: new Gauge({
      name: `${p}sla_gas_spent_wei`,
      help: "Gas spent by the oracle's landed transmissions, wei",
      labelNames: ["oracle"],
      registers,
    }),
    slaDeviationBps: new Gauge({
      name: `${p}sla_deviation_bps`,
      help: "|observation - median| of the oracle's included observations, bps, by quantile",
      labelNames: ["oracle", "quantile"],
      registers,
    }),
    slaRewardsAccrued: new Gauge({ name: `${p}sla_rewards_accrued`, help: "Rewards accrued by the oracle, token units", labelNames: ["oracle"], registers }),
    slaRewardsClaimed: new Gauge({ name: `${p}sla_rewards_claimed`, help: "Rewards the oracle claimed, token units", labelNames: ["oracle"], registers }),
    slaSlashed: new Gauge({ name: `${p}sla_slashed`, help: "Stake slashed from the oracle's signer, token units", labelNames: ["oracle"], registers }),
    slaGasReimbursedWei: new Gauge({
      name: `${p}sla_gas_reimbursed_wei`,
      help: "Gas reimbursement accrued to the oracle's transmitter, wei",
      labelNames: ["oracle"],
      registers,
    }),
    equivocationsTotal: new Counter({
      name: `${p}equivocations_total`,
      help: "Equivocation proofs found, by proven oracle and submission outcome",
      labelNames: ["oracle", "submitted"],
      registers,
    }),
  };
}
