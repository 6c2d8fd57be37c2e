import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { toFeedUnits } from "../quotes/decimal";
import type { FailureClass, Quote, SourceError } from "../quotes/quote";
import type { FeedRoundResult, RoundFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { SourceFetcher, type FetchJob } from "../sources/fetcher";
import { convertFeedQuotes, rateFeedsFor, ratePairsOf, trustRate, type QuoteConversionRule, type RateVerdict } from "../quotes/convert";
import { sourceQuoteCurrency } from "../sources/quote-currency";
import { splitPair } from "../sources/symbols";
import type { RuntimeFeed, SourcePolicy } from "./options";

/**
 * This node's own view of the market: fetch the sources of the feeds being polled (the poll
 * schedule asks for the feeds whose interval came due), run the filter over them, and keep the
 * latest filtered median per feed in feed units (the value it will sign). One fetch per feed at
 * a time (single flight per feed); `get(notBefore, feeds)` answers from the cache, waiting for a
 * scheduled poll in flight when those feeds are older than `notBefore`, and never fetches itself.
 */
export interface OwnObservation {
  feedIndex: number;
  /** Filtered median in feed units, or null when the node refuses (too few sources survived). */
  value: bigint | null;
  result: FeedRoundResult;
  /** Every source's raw result this refresh: the quote or its classified failure. */
  sources: Array<{ id: string; quote: Quote | null; error: SourceError | null }>;
  /** When the fetch behind this feed's value started, unix ms. */
  fetchedAt: number;
}

export interface ObservationSnapshot {
  /** When the oldest fetch behind its feeds started, unix ms (each feed has its own). */
  fetchedAt: number;
  feeds: Map<number, OwnObservation>;
}

export class Observer {
  private readonly latest = new Map<number, OwnObservation>();
  private readonly inflight = new Map<number, { startedAt: number; promise: Promise<ObservationSnapshot> }>();
  private readonly fetcher: SourceFetcher;
  private readonly log: Logger;
  /** Called with each fetch's own feeds (not the merged view). */
  onSnapshot?: (s: ObservationSnapshot) => void;
  /** Called once per source HTTP attempt with its duration (s) and "ok" or its failure class. */
  onSourceResponse?: (sourceId: string, seconds: number, outcome: "ok" | FailureClass) => void;
  /** Configured conversions, "USDT/USD" -> the id of the feed whose answer is that rate. */
  private readonly ratePairs: Map<string, string>;
  /** Each feed's sources' quote currencies, in source order. */
  private readonly currencies = new Map<string, string[]>();

  constructor(
    private readonly feeds: readonly RuntimeFeed[],
    private readonly filter: RoundFilter,
    readonly filterState: FilterState,
    private readonly sourceTimeoutMs: number,
    logger: Logger = silentLogger,
    policy: SourcePolicy = {},
    private readonly conversion?: QuoteConversionRule,
  ) {
    this.log = logger.child({ component: "observer" });
    this.ratePairs = conversion ? ratePairsOf(conversion, feeds) : new Map<string, string>();
    for (const f of feeds)
      this.currencies.set(
        f.id,
        f.sources.map((s) => sourceQuoteCurrency(s.adapter, f.pair, s.symbol, s.quoteCurrency)),
      );
    this.fetcher = new SourceFetcher({
      rateLimits: policy.rateLimits,
      concurrency: policy.concurrency,
      maxRetries: policy.maxRetries,
      logger: this.log,
      onResponse: (id, seconds, outcome) => this.onSourceResponse?.(id, seconds, outcome),
    });
  }

  /** The latest observation of every feed observed so far; null before the first. */
  current(): ObservationSnapshot | null {
    if (this.latest.size === 0) return null;
    return snapshotOf(new Map(this.latest));
  }

  /**
   * The newest scheduled data for `feeds` (default: all): when some are older than `notBefore`
   * and a poll of them is in flight, waits for that poll; it never fetches itself. A leader's
   * `notBefore` thus cannot add source traffic beyond this node's own poll schedule (a faulty one
   * asking for "now" in every round would otherwise spend the venues' rate budgets); the caller
   * decides whether what it gets is fresh enough.
   */
  async get(notBefore: number, feeds?: readonly number[]): Promise<ObservationSnapshot | null> {
    const stale = this.known(feeds).filter((i) => (this.latest.get(i)?.fetchedAt ?? -Infinity) < notBefore);
    const polls = new Set(stale.flatMap((i) => (this.inflight.has(i) ? [this.inflight.get(i)!.promise] : [])));
    if (polls.size) await Promise.allSettled([...polls]);
    return this.current();
  }

  /**
   * Fetches and filters these feeds (default: all) and resolves with the merged view. A feed
   * already being fetched joins that fetch instead of starting another.
   */
  refresh(feeds?: readonly number[]): Promise<ObservationSnapshot> {
    const joins: Promise<unknown>[] = [];
    const fresh: number[] = [];
    for (const i of this.known(feeds)) {
      const f = this.inflight.get(i);
      if (f) joins.push(f.promise);
      else fresh.push(i);
    }
    if (fresh.length) {
      const startedAt = Date.now();
      const entry = { startedAt, promise: this.run(fresh, startedAt) };
      for (const i of fresh) this.inflight.set(i, entry);
      entry.promise
        .finally(() => {
          for (const i of fresh) if (this.inflight.get(i) === entry) this.inflight.delete(i);
        })
        .catch(() => undefined); // the error reaches the caller through `joins`
      joins.push(entry.promise);
    }
    return Promise.all(joins).then(() => this.current() ?? snapshotOf(new Map()));
  }

  /** The requested feed indices this node observes, each once, in config order. */
  private known(feeds?: readonly number[]): number[] {
    const all = this.feeds.map((f) => f.feedIndex);
    if (!feeds) return all;
    const want = new Set(feeds);
    return all.filter((i) => want.has(i));
  }

  private async run(feedIndices: readonly number[], startedAt: number): Promise<ObservationSnapshot> {
    const feedsNow = this.withRateFeeds(feedIndices);
    const jobs: FetchJob[] = [];
    const order = new Map<string, Array<{ feed: RuntimeFeed; sourceId: string }>>();
    for (const feed of feedsNow) {
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
    const filtered = await this.filterConverted(feedsNow, perFeed);
    const feeds = new Map<number, OwnObservation>();
    feedsNow.forEach((f, i) => {
      const result = filtered[i];
      const value = result.observation === null ? null : toFeedUnits(result.observation, f.decimals);
      const o = { feedIndex: f.feedIndex, value, result, sources: perFeed.get(f.id) ?? [], fetchedAt: startedAt };
      feeds.set(f.feedIndex, o);
      this.latest.set(f.feedIndex, o);
    });
    const snap = { fetchedAt: startedAt, feeds };
    this.onSnapshot?.(snap);
    return snap;
  }

  /** The polled feeds plus the rate feeds their sources need (USDT/USD for a USDT book), in config order. */
  private withRateFeeds(feedIndices: readonly number[]): RuntimeFeed[] {
    const polled = new Set(feedIndices);
    const ids = new Set<string>();
    for (const f of this.feeds) {
      if (!polled.has(f.feedIndex)) continue;
      ids.add(f.id);
      for (const r of rateFeedsFor(this.currencies.get(f.id) ?? [], splitPair(f.pair).quote, this.ratePairs)) ids.add(r);
    }
    return this.feeds.filter((f) => ids.has(f.id));
  }

  /**
   * Filters the rate feeds first, applies the trust rule to their results (quotes/convert.ts),
   * converts the other feeds' quotes with the trusted rates (or drops them), then filters those:
   * one round, one filter, results in `feedsNow` order.
   */
  private async filterConverted(feedsNow: readonly RuntimeFeed[], perFeed: Map<string, OwnObservation["sources"]>): Promise<FeedRoundResult[]> {
    const now = Date.now();
    const rateIds = new Set(this.ratePairs.values());
    const input = (f: RuntimeFeed, quotes: Quote[]) => ({
      feedId: f.id,
      quotes,
      minSources: f.minSources,
      now,
      // Each source already rejected quotes older than its own limit (FX rates are daily).
      maxAgeMs: Math.max(...f.sources.map((s) => s.adapter.maxAgeMs)),
    });
    const quotesOf = (f: RuntimeFeed) => (perFeed.get(f.id) ?? []).flatMap((s) => (s.quote ? [s.quote] : []));
    const rateFeeds = feedsNow.filter((f) => rateIds.has(f.id));
    const rest = feedsNow.filter((f) => !rateIds.has(f.id));
    const rateResults = rateFeeds.length
      ? await this.filter.run(
          rateFeeds.map((f) => input(f, quotesOf(f))),
          this.filterState,
        )
      : [];
    const verdicts = new Map<string, RateVerdict>();
    rateFeeds.forEach((f, i) => {
      const v = trustRate(f.id, rateResults[i], this.conversion!);
      verdicts.set(f.id, v);
      if (v.rate === null) this.log.warn({ feed: f.id, reason: v.reason }, "no trustworthy rate this round: quotes needing it are dropped");
    });
    const converted = rest.map((f) => this.convert(f, perFeed.get(f.id) ?? [], verdicts));
    const restResults = rest.length
      ? await this.filter.run(
          rest.map((f, i) => input(f, converted[i].quotes)),
          this.filterState,
        )
      : [];
    const byId = new Map<string, FeedRoundResult>();
    rateFeeds.forEach((f, i) => byId.set(f.id, rateResults[i]));
    rest.forEach((f, i) => byId.set(f.id, { ...restResults[i], dropped: [...converted[i].dropped, ...restResults[i].dropped] }));
    return feedsNow.map((f) => byId.get(f.id)!);
  }

  private convert(f: RuntimeFeed, sources: OwnObservation["sources"], verdicts: Map<string, RateVerdict>) {
    const currencies = this.currencies.get(f.id) ?? [];
    const byId = new Map(f.sources.map((s, i) => [s.id, currencies[i]]));
    const quotes = sources.flatMap((s) => (s.quote ? [{ quote: s.quote, currency: byId.get(s.id) ?? splitPair(f.pair).quote }] : []));
    return convertFeedQuotes(quotes, splitPair(f.pair).quote, this.ratePairs, verdicts);
  }
}

function snapshotOf(feeds: Map<number, OwnObservation>): ObservationSnapshot {
  let fetchedAt = Infinity;
  for (const o of feeds.values()) fetchedAt = Math.min(fetchedAt, o.fetchedAt);
  return { fetchedAt: Number.isFinite(fetchedAt) ? fetchedAt : 0, feeds };
}
