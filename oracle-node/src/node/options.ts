import type { SigningKey } from "ethers";
import type { FilterKind } from "../filter/pipeline";
import type { SourceAdapter } from "../sources/types";
import type { Logger } from "../log/logger";
import type { NodeMetrics } from "../metrics";

/**
 * Everything the node runtime needs, already resolved (keys decrypted, adapters looked up,
 * addresses read): `fromNodeConfig` builds it from the operator's config file; tests and
 * benchmarks may build it directly.
 */
export interface RuntimeSource {
  id: string;
  adapter: SourceAdapter;
  /** The venue's own symbol, when the config names one. */
  symbol?: string;
  /** Replaces the adapter's scheme and host (simulator). */
  baseUrl?: string;
}

export interface RuntimeFeed {
  /** Feed id as configured ("BTC/USD"). */
  id: string;
  /** The feed's index inside the aggregator. */
  feedIndex: number;
  pair: string;
  description: string;
  decimals: number;
  deviationBps: number;
  heartbeatSec: number;
  /** A report answer further than this from this node's own observation is refused. */
  toleranceBps: number;
  minSources: number;
  /** A signed report older than this (observations timestamp) is never sent; default protocol/report-age.ts. */
  maxReportAgeSec?: number;
  /** How often the node polls this feed's sources; default `timing.pollIntervalMs`. */
  pollIntervalMs?: number;
  sources: RuntimeSource[];
  /** Proxy or aggregator address shown to users. */
  address?: string;
}

export interface RuntimePeer {
  /** The peer's committee index (its position in the on-chain signer list). */
  index: number;
  /** The peer's signer address; when absent, the on-chain signer at `index`. */
  address?: string;
  /** Base URL of its peer endpoint, "http://127.0.0.1:7001". */
  url: string;
}

export interface RuntimeTiming {
  /**
   * How often the node polls a feed that sets no `pollIntervalMs` of its own. Every interval
   * must align to the clock (see poll-cadence.ts): 100-500 ms dividing a second, whole seconds
   * dividing a minute, whole minutes dividing an hour.
   */
  pollIntervalMs: number;
  /** How often the leader checks whether a round is due, and the pacemaker checks progress. */
  tickMs: number;
  /** How often the node reads new transmissions from the chain. */
  watchIntervalMs: number;
  /** Leader's wait for observations and report signatures. */
  roundTimeoutMs: number;
  /** After 2f+1 observations, how long the leader waits for the rest. */
  observationGraceMs: number;
  /** An overdue feed not reported within this makes the node vote for the next epoch. */
  progressTimeoutMs: number;
  /** Backup transmitter k waits k times this before sending (only if not on chain yet). */
  transmitStaggerMs: number;
  /** Shortest time between two rounds of one leader. */
  minRoundIntervalMs: number;
  /** Source HTTP timeout. */
  sourceTimeoutMs: number;
  /** How often the node checks that the aggregator's config is still the one it runs under. */
  configCheckMs: number;
  /** A pacemaker vote is repeated this often while the epoch it wants has not started. */
  voteResendMs: number;
  /** A follower's data may trail the leader's by this much at most (slow sources, clock skew). */
  maxObservationLagMs: number;
  /** A report's timestamp may lead this node's own data time (and clock) by this much at most. */
  maxReportSkewSec: number;
  /** Persist the filter's history at most this often (it changes every poll). */
  filterSaveIntervalMs: number;
  /** After a round that failed (no quorum, no signatures), the leader waits this long: no storm. */
  failedRoundBackoffMs: number;
  /** A peer not heard from for this long is probed with a ping. */
  peerProbeMs: number;
  /** How long the committee is given to read a config at startup before the node gives up. */
  startupRpcDeadlineMs: number;
}

export const DEFAULT_TIMING: RuntimeTiming = {
  pollIntervalMs: 500, // fresh enough to notice a move within half a second
  tickMs: 50, // cheap: only local checks unless a round is due
  watchIntervalMs: 200, // one eth_getLogs; automine lands within milliseconds
  roundTimeoutMs: 2_000, // loopback peers answer in milliseconds; a silent one must not stall the round
  observationGraceMs: 25, // lets the last honest oracles in without waiting for a dead one
  progressTimeoutMs: 4_000, // several rounds' worth: only a failing leader misses it
  transmitStaggerMs: 2_000, // above a confirmation on a local chain; backups rarely send
  minRoundIntervalMs: 100, // a leader cannot flood its committee
  sourceTimeoutMs: 2_000,
  configCheckMs: 30_000, // a committee change is rare and announced; one eth_call per half minute
  voteResendMs: 1_000,
  maxObservationLagMs: 5_000,
  maxReportSkewSec: 3, // under the aggregator's 5 s: a follower never signs what the chain may refuse
  filterSaveIntervalMs: 5_000,
  failedRoundBackoffMs: 1_000,
  peerProbeMs: 4_000, // keeps every peer's health fresh within the view's 10 s window
  startupRpcDeadlineMs: 60_000,
};

/** How the node fetches its sources (config `sources.*`): retries, in-flight bound, rate limits. */
export interface SourcePolicy {
  /** Retries after a timeout, 5xx or reset (config `sources.maxRetries`). */
  maxRetries?: number;
  /** In-flight HTTP requests across all sources (config `sources.concurrency`). */
  concurrency?: number;
  /** Per-source token-bucket overrides by source id, or `false`: local rate limits off (simulator, benchmarks). */
  rateLimits?: Record<string, { capacity: number; refillPerSec: number }> | false;
}

/** Test-only misbehaviour, to prove the committee survives it (never set in production). */
export type FaultMode = "none" | "byzantine" | "crash-leader-mid-round";

export interface RuntimeOptions {
  name: string;
  /** Signs observations, reports and peer messages, and sends transmissions. */
  key: SigningKey;
  rpcUrl: string;
  chainId: number;
  aggregator: string;
  peers: RuntimePeer[];
  listenHost: string;
  listenPort: number;
  databasePath: string;
  filter: { kind: FilterKind; modelPath?: string; threshold?: number };
  feeds: RuntimeFeed[];
  timing?: Partial<RuntimeTiming>;
  confirmations?: number;
  maxFeePerGasCap?: bigint;
  fault?: FaultMode;
  logger?: Logger;
  metrics?: NodeMetrics;
  /** Source fetching policy; absent fields keep the fetcher's defaults. */
  sourcePolicy?: SourcePolicy;
}
