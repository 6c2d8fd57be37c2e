import type { SlaJson } from "../economics/sla-format";

/**
 * What a node shows about itself: the shape the dashboard, its JSON endpoints and the demo's
 * terminal view read. The node fills it (see node/), the API only serialises it.
 *
 * Every price is a decimal string in the feed's human units ("67123.45"), never a float, so the
 * JSON carries exactly what the node signed or read from the chain.
 */
import type { ProviderState } from "../chain/provider-pool";

/** One source's latest answer for a feed, and what the filter decided about it. */
export interface SourceView {
  /** Source id as configured (binance, kraken, frankfurter, ...). */
  id: string;
  /** The normalized price, or null when the source failed this round. */
  price: string | null;
  /** True when the quote was left out of the node's median (failure, validation or filter). */
  dropped: boolean;
  /**
   * Why it was dropped: a failure class (timeout, stale, ...), "invalid: ..." from validation,
   * or the filter's verdict ("model score 0.97", "mad 5.2"). Null when kept.
   */
  reason: string | null;
  /** The anomaly model's score (0..1) when the onnx filter scored it, else null. */
  score: number | null;
  /** When this node received the quote, unix milliseconds. */
  at: number;
}

/** One sample of a feed's chart: every source's quote and the on-chain answer at time t. */
export interface HistoryPoint {
  /** Unix milliseconds. */
  t: number;
  /** The on-chain answer at t, if any round has landed yet. */
  onchain: string | null;
  /** This node's filtered median at t (its observation), if it observed. */
  observation: string | null;
  sources: Array<{ id: string; price: string | null; dropped: boolean; reason: string | null }>;
}

/** The latest answer read from the aggregator (through the proxy where there is one). */
export interface OnchainAnswer {
  answer: string;
  /** Half the interquartile range of the signed observations, same units as the answer. */
  confidence: string;
  /** Round id as a decimal string (proxy round ids exceed 2^53). */
  roundId: string;
  /** Block timestamp of the answer, unix seconds. */
  updatedAt: number;
}

/**
 * The aggregator's out-of-bounds record for a feed: a report whose median fell outside the feed's
 * bounds landed, but the answer was held (and `updatedAt` not advanced, so staleness checks fire).
 */
export interface OutOfBoundsView {
  /** True while the latest landed report's median is outside the bounds (the answer is held). */
  active: boolean;
  /** The refused median, a decimal string in the feed's human units. */
  refusedMedian: string;
  /** Block timestamp of the first refused report of this episode, unix seconds. */
  since: number;
}

export interface FeedView {
  id: string;
  description: string;
  decimals: number;
  /** "BTC/USD"; for non-price feeds the configured label. */
  pair: string;
  /** Aggregator or proxy address the answer is read from. */
  address: string | null;
  /** The simulator's true price when running against it (demo, tests); null on a real network. */
  fair: string | null;
  /** This node's latest filtered median, or null if it refused (too few sources survived). */
  observation: string | null;
  onchain: OnchainAnswer | null;
  /** Count of rounds this node saw land on chain for the feed since it started. */
  rounds: number;
  /**
   * Per source, how many of this node's rounds dropped it since the node started (failures,
   * validation and filter verdicts together). Sources never dropped may be absent.
   */
  dropCounts: Record<string, number>;
  /** Why the node refused to observe last time, or null. */
  refusal: string | null;
  /** The on-chain out-of-bounds record, when the node has read one (absent: never out of bounds or not read). */
  outOfBounds?: OutOfBoundsView;
  sources: SourceView[];
  /** Oldest first, bounded (see HISTORY_LIMIT). */
  history: HistoryPoint[];
}

export interface PeerView {
  /** Index of the peer in the committee (its observer index). */
  index: number;
  /** Signer address. */
  address: string;
  url: string;
  healthy: boolean;
  /** Last successful exchange with the peer, unix milliseconds. */
  lastSeen: number | null;
  lastError: string | null;
}

export type TxStatus = "pending" | "confirmed" | "failed" | "superseded";

export interface TxView {
  hash: string;
  /** Feeds the report updated (one for a single-feed report, several for a batch). */
  feeds: string[];
  /** Epoch-and-round of the report. */
  round: string;
  status: TxStatus;
  gasUsed: string | null;
  /** Unix milliseconds when sent. */
  at: number;
  error: string | null;
}

export interface NodeInfo {
  /** Human name of the node ("node-1"). */
  name: string;
  /** The node's signer address. */
  address: string;
  chainId: number | null;
  startedAt: number;
  /** Ready once the node has read its on-chain config and can take part in rounds. */
  ready: boolean;
  /** Why the node is not ready (empty when ready). */
  notReady: string[];
}

/** One RPC endpoint of the node's chain and its health (chain/provider-pool.ts); empty with a single endpoint. */
export type RpcProviderView = ProviderState;

export interface NodeState {
  node: NodeInfo;
  feeds: FeedView[];
  peers: PeerView[];
  /** The chain's RPC endpoints when the node fails over between several (config `node.chain.fallbackRpcUrls`). */
  rpcProviders: RpcProviderView[];
  /** Most recent first, bounded (see TX_LIMIT). */
  txs: TxView[];
  /**
   * The committee's service level over the node's recent landed transmissions, per oracle
   * (economics/sla-format.ts, the JSON `oracle-node sla --json` prints); null before the first one.
   */
  sla?: SlaJson | null;
}

/** Chart samples kept per feed: ~10 minutes at a 2 s poll, enough for the chart, small JSON. */
export const HISTORY_LIMIT = 300;
/** Recent transactions listed on the dashboard. */
export const TX_LIMIT = 50;

/** Appends to a bounded oldest-first list in place, dropping the oldest beyond `limit`. */
export function pushBounded<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

/** Prepends to a bounded newest-first list in place, dropping the oldest beyond `limit`. */
export function unshiftBounded<T>(list: T[], item: T, limit: number): void {
  list.unshift(item);
  if (list.length > limit) list.length = limit;
}

/** An empty state for a node that has not started its feeds yet. */
export function emptyNodeState(name: string, address: string): NodeState {
  return {
    node: { name, address, chainId: null, startedAt: Date.now(), ready: false, notReady: ["starting"] },
    feeds: [],
    peers: [],
    rpcProviders: [],
    txs: [],
  };
}
