import { z } from "zod";
import { parseDecimal } from "../quotes/decimal";
import { GenericSourceConfigSchema } from "../sources/generic-config";
import { checkConfig } from "./cross-field";
import { MIN_POLL_INTERVAL_MS, pollIntervalProblem } from "../node/poll-cadence";

/**
 * The node config file, as one zod schema that is also the TypeScript type. Strict objects
 * everywhere: an unknown or misspelt key is an error, never silently ignored. Cross-field rules
 * (known source ids, unique ids, minSources <= sources, one password source, ...) live in
 * `checkConfig` (cross-field.ts) so every error names its path. docs/configuration.md documents every key
 * (a test keeps the two in step).
 */

/** Feed ids appear in logs, metrics, URLs and the on-chain description: printable and short. */
const FEED_ID_RE = /^[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}$/;
const PAIR_RE = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/;
const SOURCE_ID_RE = /^[a-z][a-z0-9-]{1,39}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const CURRENCY_RE = /^[A-Z0-9]{1,20}$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A chain's committee: n <= 31 oracles (the aggregator's limit). */
export const MAX_ORACLES = 31;

const httpUrl = z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: "must be an http(s) URL (scheme, host, optional path; no query)" });
const port = z.int().min(1).max(65_535);
const host = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, { message: "must be a host name or IP address" });
/** Decimal text ("1000.5"); a plain YAML number is taken by its shortest decimal text. */
const decimalText = z.preprocess(
  (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : v),
  z.string().refine(
    (s) => {
      try {
        parseDecimal(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a decimal number, e.g. "1000.5"' },
  ),
);
const positiveMs = z.int().positive();
/** The longest poll interval a config may ask for: a feed polled less than hourly is not a price feed. */
const MAX_POLL_INTERVAL_MS = 3_600_000;
/**
 * A poll interval the clock-aligned schedule can keep (node/poll-cadence.ts): 100-500 ms
 * dividing a second, whole seconds dividing a minute, whole minutes dividing an hour.
 */
const pollInterval = z
  .int()
  .min(MIN_POLL_INTERVAL_MS)
  .max(MAX_POLL_INTERVAL_MS)
  .superRefine((ms, ctx) => {
    // Out of range is already reported by min/max; only say why an in-range value is not aligned.
    const problem = ms >= MIN_POLL_INTERVAL_MS && ms <= MAX_POLL_INTERVAL_MS ? pollIntervalProblem(ms) : null;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const FeedSourceSchema = z.strictObject({
  /** A built-in adapter id (binance, kraken, ...) or the id of a generic source under sources.generic. */
  id: z.string().regex(SOURCE_ID_RE, { message: "must be 2-40 chars of a-z, 0-9 and '-', starting with a letter" }),
  /** The venue's own symbol for this feed's pair; default: the adapter's convention. */
  symbol: z.string().min(1).max(64).optional(),
  /** Replaces the source's documented scheme and host for this feed only. */
  baseUrl: httpUrl.optional(),
  /** The currency this source's book is quoted in (USDT for BTCUSDT); default: read from the symbol (sources/quote-currency.ts). */
  quoteCurrency: z.string().regex(CURRENCY_RE, { message: "must be a currency ticker in upper case, e.g. USDT" }).optional(),
});

export const BoundsSchema = z.strictObject({
  /** Lowest believable answer, decimal text in the pair's units. */
  min: decimalText.optional(),
  /** Highest believable answer. */
  max: decimalText.optional(),
});

export const FeedSchema = z.strictObject({
  /** Unique feed id, used in logs, metrics and the dashboard ("BTC/USD"). */
  id: z.string().regex(FEED_ID_RE, { message: "must be 1-64 chars of letters, digits and / _ . : -" }),
  /** Human description, also the aggregator's description(). */
  description: z.string().min(1).max(200),
  /** Decimals of the on-chain answer (8 for USD pairs, Chainlink style). */
  decimals: z.int().min(0).max(18),
  /** The pair every source is asked for, BASE/QUOTE in upper case. */
  pair: z.string().regex(PAIR_RE, { message: "must look like BASE/QUOTE in upper case, e.g. BTC/USD" }),
  /** Index of the feed inside the multi-feed aggregator; default: its position in `feeds`. */
  feedIndex: z.int().min(0).max(255).optional(),
  sources: z.array(FeedSourceSchema).min(1, { message: "needs at least one source" }),
  /** Fewest valid, unfiltered quotes the node needs to observe this feed at all. */
  minSources: z.int().min(1),
  /** A new round starts when the answer would move by at least this many basis points. */
  deviationThresholdBps: z.number().positive().max(10_000),
  /** A new round starts at the latest this long after the last one. */
  heartbeatSeconds: z
    .int()
    .positive()
    .max(7 * 24 * 3600),
  /**
   * A signed report older than this (its observations timestamp) is refused on chain
   * (`ReportTooOld`) and never sent by a node; default min(300, heartbeatSeconds).
   */
  maxReportAgeSeconds: z
    .int()
    .positive()
    .max(7 * 24 * 3600)
    .optional(),
  /** How often the node polls this feed's sources; default `node.timing.pollIntervalMs`. */
  pollIntervalMs: pollInterval.optional(),
  /** A report whose answer is further than this from the node's own observation is not signed. */
  toleranceBps: z.number().positive().max(10_000).default(100),
  bounds: BoundsSchema.optional(),
  /**
   * Pull mode: the committee signs a report of this feed on every poll, transmitted only when
   * deviation or heartbeat say so; every node serves the latest ones (GET /v1/reports/latest).
   */
  pull: z.boolean().default(false),
});

export const VenueOverrideSchema = z.strictObject({
  /** Replaces the venue's documented scheme and host for every feed. */
  baseUrl: httpUrl.optional(),
  /** Replaces the documented rate limit the node's own token bucket uses. */
  rateLimit: z.strictObject({ capacity: z.number().positive(), refillPerSec: z.number().positive() }).optional(),
});

export const SourcesSchema = z.strictObject({
  /**
   * Base URL for every source without an explicit one; `{id}` expands to the source id
   * ("http://127.0.0.1:8089/{id}" points every venue at the local simulator).
   */
  baseUrlTemplate: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: "must be an http(s) URL, optionally with {id}" })
    .optional(),
  /** Per-source overrides by source id. */
  overrides: z.record(z.string(), VenueOverrideSchema).default({}),
  /** Generic JSON/CSV sources defined in this file (FX, weather, stocks). */
  generic: z.array(GenericSourceConfigSchema).default([]),
  /** "documented": the node throttles itself to each venue's documented limit; "off" for the simulator and benchmarks. */
  rateLimits: z.enum(["documented", "off"]).default("documented"),
  /** Per HTTP attempt; the request is aborted when it runs out. */
  timeoutMs: positiveMs.max(60_000).default(2_000),
  /** Retries after a timeout or 5xx. */
  maxRetries: z.int().min(0).max(5).default(1),
  /** In-flight HTTP requests across all sources. */
  concurrency: z.int().min(1).max(256).default(32),
});

/**
 * Quote-currency conversion (quotes/convert.ts): a quote in a currency mapped here, in a feed
 * quoted in another one, is converted with the rate feed's answer of the same round, or dropped
 * when that rate is not trustworthy (too few sources, sources disagreeing).
 */
export const QuoteConversionSchema = z.strictObject({
  /** Currency -> id of the feed (pair CURRENCY/QUOTE, e.g. USDT/USD) whose answer converts it; empty: no conversion. */
  rates: z.record(z.string().regex(CURRENCY_RE, { message: "must be a currency ticker in upper case, e.g. USDT" }), z.string().min(1)).default({}),
  /** Fewest kept quotes behind a rate in a round; fewer and the quotes needing it are dropped. */
  minRateSources: z.int().min(1).max(32).default(3),
  /** Largest spread (max - min) of a rate's kept quotes, bps of the rate; wider and the quotes needing it are dropped. */
  maxRateDispersionBps: z.number().positive().max(10_000).default(50),
});

export const KeystoreSchema = z.strictObject({
  /** Encrypted JSON keystore (`oracle-node keys new`). */
  path: z.string().min(1),
  /** Name of the environment variable holding the keystore password (not the password). */
  passwordEnv: z.string().regex(ENV_NAME_RE, { message: "must be an environment variable name, e.g. ORACLE_KEY_PASSWORD" }).optional(),
  /** A file whose first line is the password (mode 0600). */
  passwordFile: z.string().min(1).optional(),
});

const rpcUrl = z.string().regex(/^(https?|wss?):\/\/\S+$/, { message: "must be an http(s) or ws(s) URL" });
/** Endpoints of one chain the node fails over between (the primary `rpcUrl` plus these). */
export const MAX_FALLBACK_RPC_URLS = 7;

/** How the node judges its RPC endpoints when it has more than one (chain/provider-pool.ts). */
export const RpcHealthSchema = z.strictObject({
  /** Every endpoint is asked its chain id and head this often. */
  checkIntervalMs: positiveMs.min(100).max(600_000).default(2_000),
  /** An endpoint whose head trails the best one by more than this many blocks is demoted. */
  maxLagBlocks: z.int().min(0).max(10_000).default(3),
  /** A demoted endpoint is used again after this many good checks in a row. */
  recoverChecks: z.int().min(1).max(100).default(3),
  /** Per RPC call: a slower answer counts as a failure of that endpoint. */
  timeoutMs: positiveMs.max(60_000).default(5_000),
});

export const ChainSchema = z.strictObject({
  /** The primary JSON-RPC endpoint. */
  rpcUrl,
  /**
   * More endpoints of the same chain (http(s) only): reads fail over to the healthiest, every
   * transaction is broadcast to all (same signed bytes, one nonce). Empty: one endpoint, no pool.
   */
  fallbackRpcUrls: z
    .array(z.string().regex(/^https?:\/\/\S+$/, { message: "must be an http(s) URL" }))
    .max(MAX_FALLBACK_RPC_URLS)
    .default([]),
  rpcHealth: RpcHealthSchema.prefault({}),
  chainId: z.int().positive(),
  /** The multi-feed aggregator every feed of this committee lives in. */
  aggregator: z.string().regex(ADDRESS_RE, { message: "must be a 0x-prefixed 20-byte hex address" }).optional(),
  /** JSON file written by `oracle-node deploy` with the deployed addresses (used when aggregator is absent). */
  addressesFile: z.string().min(1).optional(),
  /** Blocks to wait before a transmission counts as done. */
  confirmations: z.int().min(0).max(64).default(1),
  /** Cap on maxFeePerGas for transmissions and fee bumps, gwei (decimal text). */
  maxFeePerGasGwei: decimalText.optional(),
});

export const PeerSchema = z.strictObject({
  /** The peer's position in the committee (its oracle index on chain). */
  index: z
    .int()
    .min(0)
    .max(MAX_ORACLES - 1),
  /** Base URL of the peer's endpoint. */
  url: httpUrl,
  /** The peer's signer address, when known ahead of the on-chain config. */
  address: z.string().regex(ADDRESS_RE, { message: "must be a 0x-prefixed 20-byte hex address" }).optional(),
});

export const FilterSchema = z.strictObject({
  /** onnx: the trained anomaly model; mad: robust-statistics baseline; none: plain median. */
  kind: z.enum(["onnx", "mad", "none"]).default("onnx"),
  /** The ONNX model file (kind onnx). */
  modelPath: z.string().min(1).default("models/anomaly-detector.onnx"),
  /** Score above which a quote is dropped; default: the model card's threshold. */
  threshold: z.number().gt(0).lt(1).optional(),
});

/**
 * Protocol timing. Every default of the runtime lives here: `node/options.ts` derives
 * RuntimeTiming and DEFAULT_TIMING from this schema (plus `sources.timeoutMs`).
 */
export const TimingSchema = z.strictObject({
  /** Poll interval of every feed that sets no `pollIntervalMs` of its own. */
  pollIntervalMs: pollInterval.default(1_000),
  /** How often the leader checks whether a round is due, and the pacemaker checks progress: cheap, local checks only. */
  tickMs: positiveMs.default(50),
  /** How often the node reads new transmissions from the chain: one eth_getLogs per poll. */
  watchIntervalMs: positiveMs.default(200),
  /** The leader's wait for observations and report signatures: a silent peer never stalls a round longer. */
  roundTimeoutMs: positiveMs.default(2_000),
  /** After 2f+1 observations, how long the leader waits for the rest (lets the last honest ones in). */
  observationGraceMs: positiveMs.default(25),
  /** An overdue feed not reported within this makes the node vote for the next epoch (leader). */
  progressTimeoutMs: positiveMs.default(4_000),
  /** Backup transmitter k waits k times this before sending (only if not on chain yet). */
  transmitStaggerMs: positiveMs.default(2_000),
  /** Shortest time between two rounds of one leader: a leader cannot flood its committee. */
  minRoundIntervalMs: positiveMs.default(100),
  /** How often the node checks that the aggregator's config is still the one it runs under (one eth_call). */
  configCheckMs: positiveMs.default(30_000),
  /** A pacemaker vote is repeated this often while the epoch it wants has not started. */
  voteResendMs: positiveMs.default(1_000),
  /** A follower's own data may trail the leader's request by this much at most (slow sources, clock skew). */
  maxObservationLagMs: positiveMs.default(5_000),
  /** How far a report's timestamp may lead this node's own data time (and clock), seconds: under the aggregator's 5 s future skew. */
  maxReportSkewSec: z.int().positive().max(60).default(3),
  /** The filter's history is persisted at most this often (it changes every poll). */
  filterSaveIntervalMs: positiveMs.default(5_000),
  /** After a failed round (no quorum, no signatures) the leader waits this long before the next: no storm. */
  failedRoundBackoffMs: positiveMs.default(1_000),
  /** A peer not heard from for this long is probed with a ping (keeps peer health fresh). */
  peerProbeMs: positiveMs.default(4_000),
  /** How long the node keeps retrying its start-up reads (committee, feeds, head block) before it gives up. */
  startupRpcDeadlineMs: positiveMs.default(60_000),
  /** How far back the node keeps signed pull reports for GET /v1/reports?at= (bounded memory). */
  pullHistorySeconds: z.int().positive().max(3_600).default(300),
});

/** The economics contract (stake, rewards, alerts, equivocation proofs): docs/economics.md. */
export const EconomicsSchema = z.strictObject({
  /** Its address; when absent, the addresses file's `economics` entry (if any). Without one, proofs are only logged. */
  address: z.string().regex(ADDRESS_RE, { message: "must be a 0x-prefixed 20-byte hex address" }).optional(),
  /** The OracleRewards contract the live SLA view (dashboard, /metrics) reads rewards from; when absent, the addresses file's `economics.rewards` (if any). */
  rewards: z.string().regex(ADDRESS_RE, { message: "must be a 0x-prefixed 20-byte hex address" }).optional(),
  /** Submit the equivocation proofs this node finds (from its own key, through its transaction manager). */
  submitProofs: z.boolean().default(true),
  /** Rounds of signed-report evidence kept per committee signer (the bound on what a flooding member can make a node hold). */
  evidenceRoundsPerSigner: z.int().min(8).max(4_096).default(256),
});

export const NodeSchema = z.strictObject({
  /** Name in logs and on the dashboard. */
  name: z.string().min(1).max(64).default("oracle-node"),
  keystore: KeystoreSchema,
  chain: ChainSchema,
  peers: z.array(PeerSchema).default([]),
  /** Where this node serves its peer endpoint. */
  listen: z.strictObject({ host: host.default("127.0.0.1"), port: port.default(7001) }).prefault({}),
  /** SQLite database (sign claims, filter history, transmissions). */
  database: z.strictObject({ path: z.string().min(1).default("data/oracle-node.db") }).prefault({}),
  filter: FilterSchema.prefault({}),
  /** Health, metrics and dashboard server. */
  api: z.strictObject({ enabled: z.boolean().default(true), host: host.default("127.0.0.1"), port: port.default(8080) }).prefault({}),
  logging: z.strictObject({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") }).prefault({}),
  /** Protocol timing; every key has its default here. */
  timing: TimingSchema.prefault({}),
  economics: EconomicsSchema.prefault({}),
});

/** More chains one node process serves besides `node.chain` (chain-instances.ts), each its own protocol instance. */
export const MAX_EXTRA_CHAINS = 15;
const CHAIN_NAME_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * One more chain this process serves: its own committee (peers), aggregator, RPC endpoints, fees,
 * transaction manager, peer port and SQLite file; the key is `node.keystore` unless it names its
 * own. Everything else (sources, filter, timing, logging) is shared with `node`.
 */
export const ExtraChainSchema = z.strictObject({
  /** Short name in logs, metrics and the node name ("<node.name>/<name>"). */
  name: z.string().regex(CHAIN_NAME_RE, { message: "must be 1-32 chars of a-z, 0-9 and '-'" }),
  chain: ChainSchema,
  peers: z.array(PeerSchema).default([]),
  /** This chain's peer endpoint (host: `node.listen.host`): one transport per chain. */
  listen: z.strictObject({ port }),
  /** This chain's SQLite file: sign claims and nonces never mix between chains. */
  database: z.strictObject({ path: z.string().min(1) }),
  /** Serves this chain's health, metrics and dashboard on `node.api.host` at this port; none when absent. */
  apiPort: port.optional(),
  /** This chain's own key; default `node.keystore` (one key for every chain). */
  keystore: KeystoreSchema.optional(),
  /** Ids of the `feeds` this chain carries; default all of them. */
  feeds: z.array(z.string().min(1)).min(1).optional(),
});

export const NodeConfigSchema = z
  .strictObject({
    /** Config format version. */
    version: z.literal(1).default(1),
    node: NodeSchema,
    /** More chains served by this process; empty: the one chain of `node.chain`. */
    chains: z.array(ExtraChainSchema).max(MAX_EXTRA_CHAINS).default([]),
    sources: SourcesSchema.prefault({}),
    quoteConversion: QuoteConversionSchema.prefault({}),
    feeds: z.array(FeedSchema).min(1, { message: "needs at least one feed" }),
  })
  // Cross-field rules run even after type errors elsewhere, so one pass reports every problem.
  .superRefine(checkConfig, { when: () => true });

export type NodeConfig = z.infer<typeof NodeConfigSchema>;
export type NodeConfigInput = z.input<typeof NodeConfigSchema>;
export type FeedConfig = z.infer<typeof FeedSchema>;
export type FeedSourceConfig = z.infer<typeof FeedSourceSchema>;
export type SourcesConfig = z.infer<typeof SourcesSchema>;
export type QuoteConversionConfig = z.output<typeof QuoteConversionSchema>;
export type NodeSettings = z.infer<typeof NodeSchema>;
export type PeerConfig = z.infer<typeof PeerSchema>;
export type ChainConfig = z.output<typeof ChainSchema>;
export type ExtraChainConfig = z.output<typeof ExtraChainSchema>;
export type RpcHealthConfig = z.output<typeof RpcHealthSchema>;
export type TimingConfig = z.output<typeof TimingSchema>;
export type FilterConfig = z.output<typeof FilterSchema>;
export type EconomicsConfig = z.output<typeof EconomicsSchema>;
export type VenueOverrideConfig = z.output<typeof VenueOverrideSchema>;
