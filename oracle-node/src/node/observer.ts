import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { toFeedUnits } from "../quotes/decimal";
import type { Quote, SourceError } from "../quotes/quote";
import type { FeedRoundResult, RoundFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { SourceFetcher, type FetchJob } from "../sources/fetcher";
import type { RuntimeFeed } from "./options";

/**
 * This node's own view of the market: fetch every source of every feed at once, run the filter
 * over the round, and keep the latest filtered median per feed in feed units (the value it will
 * sign). One refresh at a time (single flight); `get(notBefore)` answers from the cache when it
 * is fresh enough, else waits for a new refresh.
 */
export interface OwnObservation {
  feedIndex: number;
  /** Filtered median in feed units, or null when the node refuses (too few sources survived). */
  value: bigint | null;
  result: FeedRoundResult;
  /** Every source's raw result this refresh: the quote or its classified failure. */
  sources: Array<{ id: string; quote: Quote | null; error: SourceError | null }>;
}

export interface ObservationSnapshot {
  /** When the fetch behind it started, unix ms. */
  fetchedAt: number;
  feeds: Map<number, OwnObservation>;
}

export class Observer {
  private latest: ObservationSnapshot | null = null;
  private inflight: { startedAt: number; promise: Promise<ObservationSnapshot> } | null = null;
  private readonly fetcher: SourceFetcher;
  private readonly log: Logger;
  onSnapshot?: (s: ObservationSnapshot) => void;

  constructor(
    private readonly feeds: readonly RuntimeFeed[],
    private readonly filter: RoundFilter,
    readonly filterState: FilterState,
    private readonly sourceTimeoutMs: number,
    logger: Logger = silentLogger,
    rateLimits?: false,
  ) {
    this.log = logger.child({ component: "observer" });
    this.fetcher = new SourceFetcher({ rateLimits: rateLimits, logger: this.log });
  }

  current(): ObservationSnapshot | null {
    return this.latest;
  }

  /** A snapshot whose fetch started at or after `notBefore`. */
  async get(notBefore: number): Promise<ObservationSnapshot> {
    if (this.latest && this.latest.fetchedAt >= notBefore) return this.latest;
    if (this.inflight && this.inflight.startedAt >= notBefore) return this.inflight.promise;
    if (this.inflight) await this.inflight.promise.catch(() => undefined);
    if (this.latest && this.latest.fetchedAt >= notBefore) return this.latest;
    return this.refresh();
  }

  refresh(): Promise<ObservationSnapshot> {
    if (this.inflight) return this.inflight.promise;
    const startedAt = Date.now();
    const promise = this.run(startedAt).finally(() => {
      this.inflight = null;
    });
    this.inflight = { startedAt, promise };
    return promise;
  }

  private async run(startedAt: number): Promise<ObservationSnapshot> {
    const jobs: FetchJob[] = [];
    const order = new Map<string, Array<{ feed: RuntimeFeed; sourceId: string }>>();
    for (const feed of this.feeds) {
      for (const s of feed.sources) {
        jobs.push({ sourceId: s.id, adapter: s.adapter, requests: [{ pair: feed.pair, symbol: s.symbol }], baseUrl: s.baseUrl });
        const list = order.get(s.id) ?? [];
        list.push({ feed, sourceId: s.id });
        order.set(s.id, list);
      }
    }
    const results = await this.fetcher.fetchAll(jobs, { timeoutMs: this.sourceTimeoutMs, now: Date.now, logger: this.log });
    const perFeed = new Map<string, OwnObservation["sources"]>();
    for (const [sourceId, list] of order) {
      const rs = results.get(sourceId) ?? [];
      list.forEach(({ feed }, i) => {
        const r = rs[i];
        const entry = r && r.ok ? { id: sourceId, quote: r.quote, error: null } : { id: sourceId, quote: null, error: r && !r.ok ? r.error : null };
        const arr = perFeed.get(feed.id) ?? [];
        arr.push(entry);
        perFeed.set(feed.id, arr);
      });
    }
    const now = Date.now();
    const filtered = await this.filter.run(
      this.feeds.map((f) => ({
        feedId: f.id,
        quotes: (perFeed.get(f.id) ?? []).flatMap((s) => (s.quote ? [s.quote] : [])),
        minSources: f.minSources,
        now,
        // Each source already rejected quotes older than its own limit (FX rates are daily).
        maxAgeMs: Math.max(...f.sources.map((s) => s.adapter.maxAgeMs)),
      })),
      this.filterState,
    );
    const feeds = new Map<number, OwnObservation>();
    this.feeds.forEach((f, i) => {
      const result = filtered[i];
      const value = result.observation === null ? null : toFeedUnits(result.observation, f.decimals);
      feeds.set(f.feedIndex, { feedIndex: f.feedIndex, value, result, sources: perFeed.get(f.id) ?? [] });
    });
    const snap = { fetchedAt: startedAt, feeds };
    this.latest = snap;
    this.onSnapshot?.(snap);
    return snap;
  }
}
