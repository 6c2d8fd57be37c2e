import { describe, expect, it } from "vitest";
import { createFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { parseDecimal } from "../quotes/decimal";
import type { SourceAdapter, SourceRequest, SourceResult } from "../sources/types";
import { Observer, type ObservationSnapshot } from "./observer";
import type { RuntimeFeed } from "./options";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An in-memory venue: answers every pair at its current price after `delayMs`, and logs what was asked. */
function venue(id: string, prices: Record<string, string>, delayMs = 20) {
  const asked: string[][] = [];
  const adapter: SourceAdapter = {
    id,
    defaultBaseUrl: "http://127.0.0.1:1",
    rateLimit: { capacity: 1_000, refillPerSec: 1_000, penaltyMs: 1_000, note: "test venue" },
    batch: false,
    maxAgeMs: 60_000,
    defaultSymbol: (pair) => pair,
    async fetch(reqs: SourceRequest[]): Promise<SourceResult[]> {
      asked.push(reqs.map((r) => r.pair));
      await sleep(delayMs);
      return reqs.map((r) => ({ ok: true, quote: { source: id, pair: r.pair, price: parseDecimal(prices[r.pair]), receivedAt: Date.now() } }));
    },
  };
  return { adapter, asked };
}

function feed(feedIndex: number, pair: string, sources: SourceAdapter[]): RuntimeFeed {
  return {
    id: pair,
    feedIndex,
    pair,
    description: pair,
    decimals: 8,
    deviationBps: 50,
    heartbeatSec: 3_600,
    toleranceBps: 100,
    minSources: 1,
    sources: sources.map((a) => ({ id: a.id, adapter: a })),
  };
}

async function observer(delayMs = 20) {
  const prices: Record<string, string> = { "BTC/USD": "100000", "ETH/USD": "3000" };
  const a = venue("venue-a", prices, delayMs);
  const b = venue("venue-b", prices, delayMs);
  const o = new Observer(
    [feed(0, "BTC/USD", [a.adapter, b.adapter]), feed(3, "ETH/USD", [a.adapter, b.adapter])],
    await createFilter({ kind: "none" }),
    new FilterState(),
    1_000,
    undefined,
    { rateLimits: false },
  );
  const seen: ObservationSnapshot[] = [];
  o.onSnapshot = (s) => seen.push(s);
  const pairsAsked = () => [...a.asked, ...b.asked].flat();
  return { o, prices, seen, pairsAsked };
}

describe("Observer: per-feed polls", () => {
  it("a poll of some feeds fetches only their sources and merges into the latest view", async () => {
    const { o, prices, seen, pairsAsked } = await observer();
    expect(o.current()).toBeNull();
    await o.refresh([0]);
    expect(pairsAsked()).toEqual(["BTC/USD", "BTC/USD"]);
    expect([...o.current()!.feeds.keys()]).toEqual([0]);
    expect(o.current()!.feeds.get(0)!.value).toBe(100_000n * 10n ** 8n);
    const btcAt = o.current()!.feeds.get(0)!.fetchedAt;
    await sleep(5);
    prices["ETH/USD"] = "3100";
    await o.refresh([3]);
    const snap = o.current()!;
    expect([...snap.feeds.keys()].sort()).toEqual([0, 3]);
    expect(snap.feeds.get(3)!.value).toBe(3_100n * 10n ** 8n);
    expect(snap.feeds.get(0)!.fetchedAt).toBe(btcAt);
    expect(snap.feeds.get(3)!.fetchedAt).toBeGreaterThan(btcAt);
    // The merged view's fetchedAt is its oldest feed's; each listener call carries only its own feeds.
    expect(snap.fetchedAt).toBe(btcAt);
    expect(seen.map((s) => [...s.feeds.keys()])).toEqual([[0], [3]]);
  });

  it("a feed already being fetched joins that fetch instead of starting another", async () => {
    const { o, pairsAsked } = await observer(50);
    await Promise.all([o.refresh([0, 3]), o.refresh([0]), o.refresh([3]), o.refresh()]);
    expect(pairsAsked().filter((p) => p === "BTC/USD")).toHaveLength(2);
    expect(pairsAsked().filter((p) => p === "ETH/USD")).toHaveLength(2);
  });

  it("attack (issue 13.9): get(notBefore) never fetches beyond the poll schedule; it waits for a scheduled poll in flight", async () => {
    const { o, pairsAsked } = await observer(30);
    await o.refresh();
    const before = pairsAsked().length;
    // A leader asking for data newer than anything polled, again and again: no source request.
    for (let k = 0; k < 20; k++) await o.get(Date.now() + 1_000, [0, 3]);
    expect(pairsAsked().length).toBe(before);
    // A scheduled poll in flight is waited for, and its data answers.
    const t = Date.now();
    const poll = o.refresh([3]);
    const snap = await o.get(t, [3]);
    await poll;
    expect(pairsAsked().length).toBe(before + 2);
    expect(snap!.feeds.get(3)!.fetchedAt).toBeGreaterThanOrEqual(t);
  });
});
