import { Contract, type Provider } from "ethers";
import { DEMO_FEEDS, WEATHER, type DemoFeed } from "./plan";
import { fetchJson, type NodeProc } from "./nodes";
import type { FeedRow } from "./view";
import type { FeedSummary, OracleSummary } from "./summary";
import type { Simulator } from "../../oracle-node/src/simulator/simulator";
import { formatDecimal, fromFeedUnits, parseDecimal } from "../../oracle-node/src/quotes/decimal";
import type { NodeState } from "../../oracle-node/src/api/state";
import { rewardsReader } from "./rewards";

/** What a running demo offers its caller (the CLI's live view, the headless run, the dashboard test). */

export interface FeedProgress {
  feed: DemoFeed;
  /** Rounds on chain for this feed (the aggregator's round number through the proxy). */
  rounds: number;
  answer: string | null;
  updatedAt: number | null;
}

export interface ChainProgress {
  chainId: number;
  feeds: FeedProgress[];
}

export interface DemoHandle {
  workDir: string;
  chainUrl: string;
  simulatorUrl: string;
  /** Dashboard of each node (node-1 first). */
  dashboards: string[];
  feeds: DemoFeed[];
  /** Event lines: attacks injected, nodes exited. */
  events: string[];
  /** True once the calm period is over and the attacks run. */
  attacked(): boolean;
  /** When the attacks were injected (unix ms), or null. */
  attackedAt(): number | null;
  progress(): Promise<FeedProgress[]>;
  /** Every chain's progress, the first chain first (one entry without `--chains 2`). */
  chains(): Promise<ChainProgress[]>;
  /** node-1's state, or null if it does not answer. */
  nodeState(index?: number): Promise<NodeState | null>;
  /** The simulator's true value of a feed, exact decimal text. */
  fair(feed: DemoFeed): string;
  rows(): Promise<FeedRow[]>;
  summary(): Promise<FeedSummary[]>;
  /** node-1's per-oracle SLA over its recent landed reports (empty before the first), with each oracle's rewards from the chain. */
  sla(): Promise<OracleSummary[]>;
  /** Nodes that exited on their own (crash), with their exit code. */
  crashed(): Array<{ name: string; code: number | null; signal: string | null }>;
  /** Stops nodes, simulator and chain; removes the temp dir unless kept. */
  stop(keepDir?: boolean): Promise<void>;
}

const PROXY_ABI = ["function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)"];
/**
 * A proxy round id is phaseId << 64 | aggregator round id, and a QuorumAggregator round id is
 * feedIndex << 32 | round: the low 32 bits are the feed's own round count in the phase.
 */
const FEED_ROUND_MASK = (1n << 32n) - 1n;

export interface HandleParts {
  workDir: string;
  chainUrl: string;
  sim: Simulator;
  provider: Provider;
  /** One proxy address per demo feed, in DEMO_FEEDS order. */
  proxies: string[];
  chainId: number;
  /** The OracleRewards contract of the first chain (null: no economics deployed). */
  rewards: string | null;
  /** More chains the same nodes serve (`--chains 2`): their provider and proxies. */
  extraChains: Array<{ chainId: number; provider: Provider; proxies: string[] }>;
  procs: NodeProc[];
  events: string[];
  attackedAt: () => number | null;
  stop: (keepDir?: boolean) => Promise<void>;
}

/** The simulator's true value of a feed (the weather feed is in kelvin, the simulator answers °C). */
function fairValue(sim: Simulator, feed: DemoFeed): string {
  if (feed.pair === "BERLIN/KELVIN") {
    const celsius = parseDecimal(sim.weather("temperature_2m", WEATHER.latitude, WEATHER.longitude));
    return formatDecimal(celsius + parseDecimal(WEATHER.offsetKelvin));
  }
  return sim.fairPrice(feed.pair);
}

/** Each feed's latest round through its proxy (no round yet: the proxy reverts, shown as 0 rounds). */
function progressReader(provider: Provider, addresses: string[]): () => Promise<FeedProgress[]> {
  const proxies = addresses.map((a) => new Contract(a, PROXY_ABI, provider));
  return () =>
    Promise.all(
      DEMO_FEEDS.map(async (feed, k): Promise<FeedProgress> => {
        try {
          const [roundId, answer, , updatedAt] = (await proxies[k].latestRoundData()) as [bigint, bigint, bigint, bigint];
          // No report yet in this phase: roundId is phaseId << 64 and updatedAt 0.
          if (updatedAt === 0n) return { feed, rounds: 0, answer: null, updatedAt: null };
          return { feed, rounds: Number(roundId & FEED_ROUND_MASK), answer: formatDecimal(fromFeedUnits(answer, feed.decimals)), updatedAt: Number(updatedAt) };
        } catch {
          return { feed, rounds: 0, answer: null, updatedAt: null };
        }
      }),
    );
}

/** A terminal-view row per feed: the chain's answer next to node-1's view of its sources. */
function toRow(p: FeedProgress, fair: string, state: NodeState | null): FeedRow {
  const view = state?.feeds.find((x) => x.id === p.feed.id);
  return {
    id: p.feed.id,
    fair,
    answer: p.answer,
    confidence: view?.onchain?.confidence ?? null,
    updatedAt: p.updatedAt,
    rounds: p.rounds,
    droppedNow: (view?.sources ?? []).filter((s) => s.dropped).map((s) => ({ source: s.id, reason: s.reason ?? "filtered" })),
    refusal: view?.refusal ?? null,
  };
}

export function demoHandle(parts: HandleParts): DemoHandle {
  const { procs, sim } = parts;
  const progress = progressReader(parts.provider, parts.proxies);
  const extra = parts.extraChains.map((c) => ({ chainId: c.chainId, progress: progressReader(c.provider, c.proxies) }));
  const chains = async (): Promise<ChainProgress[]> => [
    { chainId: parts.chainId, feeds: await progress() },
    ...(await Promise.all(extra.map(async (c) => ({ chainId: c.chainId, feeds: await c.progress() })))),
  ];
  const nodeState = (index = 0) => fetchJson<NodeState>(`${procs[index].apiUrl}/api/state`);
  const fair = (feed: DemoFeed) => fairValue(sim, feed);
  const rewardsOf = rewardsReader(parts.provider, parts.rewards);
  return {
    workDir: parts.workDir,
    chainUrl: parts.chainUrl,
    simulatorUrl: sim.url,
    dashboards: procs.map((p) => p.apiUrl + "/"),
    feeds: DEMO_FEEDS,
    events: parts.events,
    attacked: () => parts.attackedAt() !== null,
    attackedAt: parts.attackedAt,
    progress,
    chains,
    nodeState,
    fair,
    rows: async () => {
      const [prog, state] = await Promise.all([progress(), nodeState(0)]);
      return prog.map((p) => toRow(p, fair(p.feed), state));
    },
    summary: async () => {
      const [prog, state] = await Promise.all([progress(), nodeState(0)]);
      return prog.map((p) => ({
        id: p.feed.id,
        rounds: p.rounds,
        answer: p.answer ?? "",
        fair: fair(p.feed),
        dropped: state?.feeds.find((x) => x.id === p.feed.id)?.dropCounts ?? {},
      }));
    },
    sla: async () => {
      const oracles = (await nodeState(0))?.sla?.oracles ?? [];
      const rewards = await rewardsOf(oracles);
      return oracles.map((o, i) => ({
        oracle: o.index,
        inclusionRate: o.inclusionRate === null ? null : Number(o.inclusionRate.toFixed(3)),
        rewardsAccrued: rewards[i],
        signatureShare: o.signatureShare === null ? null : Number(o.signatureShare.toFixed(3)),
        transmissions: o.transmissions.landed,
        deviationP95Bps: o.deviationBps?.p95 ?? null,
      }));
    },
    crashed: () => procs.filter((p) => p.exited).map((p) => ({ name: p.identity.name, code: p.exited!.code, signal: p.exited!.signal })),
    stop: parts.stop,
  };
}
