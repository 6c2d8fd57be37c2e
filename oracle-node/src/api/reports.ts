import type { FastifyInstance, FastifyReply } from "fastify";
import type { ServedReport } from "../pull/report-store";

/**
 * The pull-report routes (docs/consumers.md "Pull reports"):
 *   GET /v1/reports/latest?feeds=BTC/USD,ETH/USD[&chain=<name|chainId>]   the newest signed report
 *       carrying every feed, within the feeds' maximum report age
 *   GET /v1/reports?feeds=BTC/USD&at=<unix s>[&chain=...]   the newest one stamped at or before `at`
 *       (history of node.timing.pullHistorySeconds)
 * A node serving many chains (config `chains`) signs separate reports per chain: `chain` names
 * one by its `chains[].name` or its chain id; without it, the first chain (`node.chain`).
 * Feeds are named by config id or by feed index; only pull feeds (config `pull`) are served.
 * Every query is validated before anything is looked up: a malformed one gets a 400, an unknown
 * chain, an unknown or non-pull feed a 404, and no report young enough a 404. Answers carry the
 * report bytes and packed signatures as verifyReport takes them, the decoded answers, the
 * report's age and the chain (id and aggregator) it was signed for.
 */
export interface ReportStoreView {
  latest(feeds: readonly number[]): ServedReport | null;
  at(feeds: readonly number[], atSec: number): ServedReport | null;
}

export interface ReportChain {
  /** `chains[].name`; "" for the first chain (`node.chain`), which is also named by its chain id. */
  name: string;
  chainId: number;
  aggregator: string;
  store: ReportStoreView;
  feeds: ReadonlyArray<{ id: string; feedIndex: number; decimals: number; pull?: boolean }>;
}

export interface ReportRoutesOptions {
  /** The node's chains, the first the default. */
  chains: readonly ReportChain[];
  now?: () => number;
}

/** Longest `feeds` parameter: 32 feed ids of 64 characters and their commas fit well below. */
export const MAX_FEEDS_PARAM_CHARS = 2_048;
/** Feeds per request: a report carries at most 255, a consumer asks for a handful. */
export const MAX_FEEDS_PER_REQUEST = 32;
/** How far `at` may lie in the future (clock skew between consumer and node), seconds. */
const AT_FUTURE_SLACK_SEC = 60;
/** A chain name (1-32 chars, config CHAIN_NAME_RE) or a chain id (at most 20 digits). */
const CHAIN_PARAM_RE = /^[a-z0-9-]{1,32}$/;

class BadQuery extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, unknown>;

/** The chain a query names: by chain id first (digits), else by `chains[].name`; default the first. */
function pickChain(chains: readonly ReportChain[], raw: unknown): ReportChain {
  if (chains.length === 0) throw new BadQuery(404, "this node serves no chain");
  if (raw === undefined) return chains[0];
  if (typeof raw !== "string" || !CHAIN_PARAM_RE.test(raw)) throw new BadQuery(400, "query parameter chain must be a chain name or chain id, once");
  const byId = /^\d+$/.test(raw) ? chains.find((c) => String(c.chainId) === raw) : undefined;
  const chain = byId ?? chains.find((c) => c.name !== "" && c.name === raw);
  if (!chain) throw new BadQuery(404, `unknown chain ${JSON.stringify(raw)}; chains: ${chains.map((c) => c.name || c.chainId).join(", ")}`);
  return chain;
}

/** The feed indexes a `feeds` parameter names (ids or indexes, comma-separated), sorted, each once. */
function parseFeeds(chain: ReportChain, raw: unknown): number[] {
  if (typeof raw !== "string" || raw.length === 0) throw new BadQuery(400, "query parameter feeds is required, once");
  if (raw.length > MAX_FEEDS_PARAM_CHARS) throw new BadQuery(400, `feeds longer than ${MAX_FEEDS_PARAM_CHARS} characters`);
  const names = raw.split(",");
  if (names.length > MAX_FEEDS_PER_REQUEST) throw new BadQuery(400, `more than ${MAX_FEEDS_PER_REQUEST} feeds`);
  const out = new Set<number>();
  for (const name of names) {
    const feed = /^\d{1,3}$/.test(name) ? chain.feeds.find((f) => f.feedIndex === Number(name)) : chain.feeds.find((f) => f.id === name);
    if (!feed) throw new BadQuery(404, `unknown feed ${JSON.stringify(name.slice(0, 64))}`);
    if (!feed.pull) throw new BadQuery(404, `feed ${feed.id} is not a pull feed`);
    out.add(feed.feedIndex);
  }
  return [...out].sort((a, b) => a - b);
}

function parseAt(raw: unknown, nowMs: number): number {
  if (typeof raw !== "string" || !/^\d{1,10}$/.test(raw)) throw new BadQuery(400, "query parameter at must be unix seconds, once");
  const at = Number(raw);
  if (at > nowMs / 1000 + AT_FUTURE_SLACK_SEC) throw new BadQuery(400, "at lies in the future");
  return at;
}

function answer(chain: ReportChain, r: ServedReport) {
  const byIndex = new Map(chain.feeds.map((f) => [f.feedIndex, f]));
  return {
    chain: { name: chain.name, chainId: chain.chainId, aggregator: chain.aggregator },
    epoch: r.epoch,
    round: r.round,
    observationsTimestamp: r.observationsTimestamp,
    ageMs: r.ageMs,
    report: r.report,
    signatures: r.signatures,
    feeds: r.feeds.map((f) => ({ ...f, id: byIndex.get(f.feedIndex)?.id ?? null, decimals: byIndex.get(f.feedIndex)?.decimals ?? null })),
  };
}

export function registerReportRoutes(app: FastifyInstance, o: ReportRoutesOptions): void {
  const now = o.now ?? Date.now;
  const handle = (lookup: (chain: ReportChain, q: Query) => ServedReport | null) => async (req: { query: unknown }, reply: FastifyReply) => {
    reply.header("cache-control", "no-store");
    try {
      const q = (req.query ?? {}) as Query;
      const chain = pickChain(o.chains, q.chain);
      const found = lookup(chain, q);
      if (!found) return reply.code(404).send({ error: "no signed report of these feeds within their maximum report age" });
      return reply.code(200).send(answer(chain, found));
    } catch (err) {
      if (err instanceof BadQuery) return reply.code(err.status).send({ error: err.message });
      throw err;
    }
  };
  app.get(
    "/v1/reports/latest",
    handle((chain, q) => chain.store.latest(parseFeeds(chain, q.feeds))),
  );
  app.get(
    "/v1/reports",
    handle((chain, q) => {
      const feeds = parseFeeds(chain, q.feeds);
      return chain.store.at(feeds, parseAt(q.at, now()));
    }),
  );
}
