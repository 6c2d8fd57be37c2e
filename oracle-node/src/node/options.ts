import type { SigningKey } from "ethers";
import {
  SourcesSchema,
  TimingSchema,
  type ChainConfig,
  type EconomicsConfig,
  type FeedConfig,
  type FilterConfig,
  type PeerConfig,
  type RpcHealthConfig,
  type SourcesConfig,
  type TimingConfig,
  type VenueOverrideConfig,
} from "../config/schema";
import type { SourceAdapter } from "../sources/types";
import type { QuoteConversionRule } from "../quotes/convert";
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
  /** The currency the source's book is quoted in (config `quoteCurrency`); absent: sources/quote-currency.ts infers it. */
  quoteCurrency?: string;
}

/**
 * A feed as the runtime sees it. Fields named as in the config keep its types (`feeds[].*`); the
 * renamed ones are resolved by `runtimeFeeds` (integer bps, the feed index filled in).
 */
export interface RuntimeFeed extends Pick<FeedConfig, "id" | "pair" | "description" | "decimals" | "minSources" | "pollIntervalMs"> {
  /** The feed's index inside the aggregator (config `feedIndex`, default its position). */
  feedIndex: number;
  /** Config `deviationThresholdBps`, rounded up to whole bps. */
  deviationBps: number;
  /** Config `heartbeatSeconds`. */
  heartbeatSec: FeedConfig["heartbeatSeconds"];
  /** A report answer further than this from this node's own observation is refused (config `toleranceBps`, whole bps). */
  toleranceBps: number;
  /** A signed report older than this (observations timestamp) is never sent; default protocol/report-age.ts. */
  maxReportAgeSec?: number;
  sources: RuntimeSource[];
  /** Proxy or aggregator address shown to users. */
  address?: string;
  /** Config `pull`: a report signed every poll, served by the API (default false). */
  pull?: FeedConfig["pull"];
}

/** A committee peer (config `node.peers[]`). */
export type RuntimePeer = Pick<PeerConfig, "index" | "url" | "address">;

/**
 * The protocol's timing: every `node.timing` key of the config schema (documented there and in
 * docs/configuration.md, defaults included), plus the source HTTP timeout from `sources.timeoutMs`.
 */
export interface RuntimeTiming extends TimingConfig {
  /** Source HTTP timeout per attempt (config `sources.timeoutMs`). */
  sourceTimeoutMs: SourcesConfig["timeoutMs"];
}

/**
 * The runtime's timing when nothing overrides it: the schema's defaults, obtained by parsing an
 * empty section, so no default is written twice. For options built without a config file (tests,
 * benchmarks); `fromNodeConfig` fills every field from the config.
 */
export const DEFAULT_TIMING: RuntimeTiming = Object.freeze({ ...TimingSchema.parse({}), sourceTimeoutMs: SourcesSchema.parse({}).timeoutMs });

/** How the node fetches its sources (config `sources.*`): retries, in-flight bound, rate limits. */
export interface SourcePolicy {
  /** Retries after a timeout, 5xx or reset (config `sources.maxRetries`). */
  maxRetries?: SourcesConfig["maxRetries"];
  /** In-flight HTTP requests across all sources (config `sources.concurrency`). */
  concurrency?: SourcesConfig["concurrency"];
  /**
   * Per-source token-bucket overrides by source id (config `sources.overrides.<id>.rateLimit`),
   * or `false`: local rate limits off (config `sources.rateLimits: off`; simulator, benchmarks).
   */
  rateLimits?: Record<string, NonNullable<VenueOverrideConfig["rateLimit"]>> | false;
}

export interface RuntimeOptions {
  name: string;
  /** Signs observations, reports and peer messages, and sends transmissions. */
  key: SigningKey;
  rpcUrl: string;
  /** More endpoints of the chain (config `node.chain.fallbackRpcUrls`): with any, the node uses a ProviderPool. */
  fallbackRpcUrls?: ChainConfig["fallbackRpcUrls"];
  /** How the pool judges its endpoints (config `node.chain.rpcHealth`); default: the schema's. */
  rpcHealth?: RpcHealthConfig;
  chainId: number;
  aggregator: string;
  peers: RuntimePeer[];
  listenHost: string;
  listenPort: number;
  databasePath: string;
  filter: Pick<FilterConfig, "kind"> & Partial<Omit<FilterConfig, "kind">>;
  feeds: RuntimeFeed[];
  timing?: Partial<RuntimeTiming>;
  confirmations?: ChainConfig["confirmations"];
  maxFeePerGasCap?: bigint;
  logger?: Logger;
  metrics?: NodeMetrics;
  /** Source fetching policy; absent fields keep the fetcher's defaults. */
  sourcePolicy?: SourcePolicy;
  /** Equivocation evidence and proofs (config `node.economics`); absent: evidence kept and logged, nothing submitted. */
  economics?: Partial<EconomicsConfig>;
  /** Stablecoin / FX conversion of quotes (config `quoteConversion`); absent: none (quotes read at par). */
  quoteConversion?: QuoteConversionRule;
}
