import type { FastifyInstance } from "fastify";
import type { ServedReport } from "../pull/report-store";

/**
 * The pull-report routes (docs/consumers.md "Pull reports"):
 *   GET /v1/reports/latest?feeds=BTC/USD,ETH/USD   the newest signed report carrying every feed
 *   GET /v1/reports?feeds=BTC/USD&at=<unix s>      the newest one stamped at or before `at`
 * Feeds are named by config id or by feed index; only pull feeds (config `pull`) are served.
 * Every query is validated before anything is looked up: a malformed one gets a 400, an unknown
 * or non-pull feed a 404, and no report young enough a 404. Answers carry the report bytes and
 * packed signatures as verifyReport takes them, the decoded answers and the report's age.
 */
export interface ReportRoutesOptions {
  store: { latest(feeds: readonly number[]): ServedReport | null; at(feeds: readonly number[], atSec: number): ServedReport | null };
  feeds: ReadonlyArray<{ id: string; feedIndex: number; decimals: number; pull?: boolean }>;
  now?: () => number;
}

/** Longest `feeds` parameter: 32 feed ids of 64 characters and their commas fit well below. */
export const MAX_FEEDS_PARAM_CHARS = 2_048;
/** Feeds per request: a report carries at most 255, a consumer asks for a handful. */
export const MAX_FEEDS_PER_REQUEST = 32;
/** How far `at` may lie in the future (clock skew between consumer and node), seconds. */
const AT_FUTURE_SLACK_SEC = 60;

class BadQuery extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function registerReportRoutes(app: FastifyInstance, o: ReportRoutesOptions): void {
  const byId = new Map(o.feeds.map((f) => [f.id, f]));
  const byIndex = new Map(o.feeds.map((f) => [f.feedIndex, f]));
  const now = o.now ?? Date.now;

  const parseFeeds = (raw: unknown): number[] => {
    if (typeof raw !== "string" || raw.length === 0) throw new BadQuery(400, "query parameter feeds is required, once");
    if (raw.length > MAX_FEEDS_PARAM_CHARS) throw new BadQuery(400, `feeds longer than ${MAX_FEEDS_PARAM_CHARS} characters`);
    const names = raw.split(",");
    if (names.length > MAX_FEEDS_PER_REQUEST) throw new BadQuery(400, `more than ${MAX_FEEDS_PER_REQUEST} feeds`);
    const out = new Set<number>();
    for (const name of names) {
      const feed = /^\d{1,3}$/.test(name) ? byIndex.get(Number(name)) : byId.get(name);
      if (!feed) throw new BadQuery(404, `unknown feed ${JSON.stringify(name.slice(0, 64))}`);
      if (!feed.pull) throw new BadQuery(404, `feed ${feed.id} is not a pull feed`);
      out.add(feed.feedIndex);
    }
    return [...out].sort((a, b) => a - b);
  };

  const parseAt = (raw: unknown): number => {
    if (typeof raw !== "string" || !/^\d{1,10}$/.test(raw)) throw new BadQuery(400, "query parameter at must be unix seconds, once");
    const at = Number(raw);
    if (at > now() / 1000 + AT_FUTURE_SLACK_SEC) throw new BadQuery(400, "at lies in the future");
    return at;
  };

  const answer = (r: ServedReport | null) => {
    if (!r) return null;
    return {
      epoch: r.epoch,
      round: r.round,
      observationsTimestamp: r.observationsTimestamp,
      ageMs: r.ageMs,
      report: r.report,
      signatures: r.signatures,
      feeds: r.feeds.map((f) => ({ ...f, id: byIndex.get(f.feedIndex)?.id ?? null, decimals: byIndex.get(f.feedIndex)?.decimals ?? null })),
    };
  };

  const handle = (lookup: (q: Record<string, unknown>) => ServedReport | null) => async (req: { query: unknown }, reply: { code(n: number): { send(b: unknown): unknown }; header(k: string, v: string): unknown }) => {
    reply.header("cache-control", "no-store");
    try {
      const body = answer(lookup((req.query ?? {}) as Record<string, unknown>));
      if (!body) return reply.code(404).send({ error: "no signed report of these feeds within their maximum report age" });
      return reply.code(200).send(body);
    } catch (err) {
      if (err instanceof BadQuery) return reply.code(err.status).send({ error: err.message });
      throw err;
    }
  };

  app.get(
    "/v1/reports/latest",
    handle((q) => o.store.latest(parseFeeds(q.feeds))),
  );
  app.get(
    "/v1/reports",
    handle((q) => {
      const feeds = parseFeeds(q.feeds);
      return o.store.at(feeds, parseAt(q.at));
    }),
  );
}
