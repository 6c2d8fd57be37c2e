import pLimit from "p-limit";
import type { Logger } from "../log/logger";
import { SourceError } from "../quotes/quote";
import { RateLimiter } from "./http/rate-limiter";
import { DEFAULT_MAX_RETRIES } from "./http/client";
import type { RateLimitSpec, SourceAdapter, SourceContext, SourceRequest, SourceResult } from "./types";

/** In-flight HTTP requests per node: enough for 15 venues at once, gentle on a small host. */
export const DEFAULT_CONCURRENCY = 32;

/** The fetcher's retries per request: the HTTP client's default, which equals `sources.maxRetries`'s. */
export const DEFAULT_FETCH_MAX_RETRIES = DEFAULT_MAX_RETRIES;

export interface FetchJob {
  sourceId: string;
  adapter: SourceAdapter;
  requests: SourceRequest[];
  /** Replaces the adapter's scheme and host (simulator, mirror). */
  baseUrl?: string;
}

export interface SourceFetcherOptions {
  /** Bound on in-flight HTTP requests across all sources (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Retries per request after a timeout, 5xx or reset (default DEFAULT_FETCH_MAX_RETRIES); a round context's maxRetries wins. */
  maxRetries?: number;
  /** Per-source token-bucket overrides; `false` disables local rate limiting (simulator, benchmarks). */
  rateLimits?: Record<string, Pick<RateLimitSpec, "capacity" | "refillPerSec">> | false;
  logger?: Logger;
  /** Clock for the limiters (tests). */
  clock?: () => number;
  /** Every HTTP attempt's duration and outcome, for every round (the node's latency histogram). */
  onResponse?: SourceContext["onResponse"];
}

export type RoundContext = Omit<SourceContext, "baseUrl" | "limiter" | "semaphore">;

export interface FetchStats {
  /** HTTP attempts sent, per source id, since the fetcher was created. */
  requests: Map<string, number>;
}

/**
 * One round of fetching for a node: every source at once (in-flight requests bounded), each
 * venue's pairs in as few requests as its batch endpoint allows, each source behind its own
 * token bucket that persists across rounds. A failing source only fails its own results.
 */
export class SourceFetcher {
  private readonly limiters = new Map<string, RateLimiter>();
  /** One queue for the node's in-flight requests, across sources and rounds. */
  private readonly semaphore: pLimit.Limit;
  readonly stats: FetchStats = { requests: new Map() };

  constructor(private readonly opts: SourceFetcherOptions = {}) {
    this.semaphore = pLimit(opts.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** The limiter of a source (created on first use, sized from the adapter's documented limit). */
  limiterFor(sourceId: string, adapter: SourceAdapter): RateLimiter | undefined {
    if (this.opts.rateLimits === false) return undefined;
    let limiter = this.limiters.get(sourceId);
    if (!limiter) {
      limiter = new RateLimiter(this.opts.rateLimits?.[sourceId] ?? adapter.rateLimit, this.opts.clock);
      this.limiters.set(sourceId, limiter);
    }
    return limiter;
  }

  /**
   * Fetches every job; the map holds, per source id, one result per request in request order.
   * Jobs sharing a source id (and base URL and adapter) are merged into one adapter call, so
   * they batch together; the map holds their results concatenated in job order. Never rejects.
   */
  async fetchAll(jobs: FetchJob[], ctx: RoundContext): Promise<Map<string, SourceResult[]>> {
    // One adapter call per (source, base URL, adapter); remember where each job's results go.
    const calls: FetchJob[] = [];
    const placement: Array<{ call: number; offset: number }> = [];
    for (const job of jobs) {
      let call = calls.findIndex((c) => c.sourceId === job.sourceId && c.baseUrl === job.baseUrl && c.adapter === job.adapter);
      if (call < 0) call = calls.push({ ...job, requests: [] }) - 1;
      placement.push({ call, offset: calls[call].requests.length });
      calls[call].requests.push(...job.requests);
    }
    const results = await Promise.all(calls.map((c) => this.fetchJob(c, ctx)));
    const out = new Map<string, SourceResult[]>();
    jobs.forEach((job, i) => {
      const { call, offset } = placement[i];
      const mine = results[call].slice(offset, offset + job.requests.length);
      out.set(job.sourceId, [...(out.get(job.sourceId) ?? []), ...mine]);
    });
    return out;
  }

  private async fetchJob(job: FetchJob, ctx: RoundContext): Promise<SourceResult[]> {
    const started = Date.now();
    const sourceCtx: SourceContext = {
      ...ctx,
      baseUrl: job.baseUrl,
      limiter: this.limiterFor(job.sourceId, job.adapter),
      semaphore: this.semaphore,
      maxRetries: ctx.maxRetries ?? this.opts.maxRetries ?? DEFAULT_FETCH_MAX_RETRIES,
      onRequest: (id, url) => {
        this.stats.requests.set(job.sourceId, (this.stats.requests.get(job.sourceId) ?? 0) + 1);
        ctx.onRequest?.(id, url);
      },
      // Labelled by the configured source id (a generic source or a second base URL may share
      // an adapter whose own id differs).
      onResponse: (_id, seconds, outcome) => {
        this.opts.onResponse?.(job.sourceId, seconds, outcome);
        ctx.onResponse?.(job.sourceId, seconds, outcome);
      },
    };
    let results: SourceResult[];
    try {
      results = await job.adapter.fetch(job.requests, sourceCtx);
      if (!Array.isArray(results) || results.length !== job.requests.length) {
        throw new Error(`adapter returned ${Array.isArray(results) ? results.length : typeof results} results for ${job.requests.length} requests`);
      }
    } catch (err) {
      const error = err instanceof SourceError ? err : new SourceError("malformed", job.sourceId, err instanceof Error ? err.message : String(err));
      results = job.requests.map(() => ({ ok: false, error }));
    }
    const log = this.opts.logger ?? ctx.logger;
    if (log) {
      const failed = results.filter((r) => !r.ok) as Array<{ ok: false; error: SourceError }>;
      const classes: Record<string, number> = {};
      for (const f of failed) classes[f.error.failure] = (classes[f.error.failure] ?? 0) + 1;
      log.debug({ source: job.sourceId, pairs: job.requests.length, failed: failed.length, classes, ms: Date.now() - started }, "source fetched");
    }
    return results;
  }

  /** Total HTTP attempts sent since creation (benchmarks: requests per round). */
  totalRequests(): number {
    let n = 0;
    for (const v of this.stats.requests.values()) n += v;
    return n;
  }
}
