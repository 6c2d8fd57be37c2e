import { describe, expect, it } from "vitest";
import { ChainView, type ChainReader } from "./chain-view";
import type { Transmission } from "./transmission-watcher";

const DIGEST = "0x" + "ab".repeat(32);

function transmission(epoch: number, round: number, feeds: Array<[number, bigint]>, digest = DIGEST): Transmission {
  return {
    epoch,
    round,
    configDigest: digest,
    transmitter: "0x" + "01".repeat(20),
    txHash: "0x" + "02".repeat(32),
    blockNumber: 10,
    updatedAt: 1_700_000_000,
    feeds: feeds.map(([feedIndex, answer]) => ({ feedIndex, answer, confidence: 5n, observationsTimestamp: 1_700_000_000 })),
    refused: [],
  };
}

function view(over: { reader?: Partial<ChainReader>; polls?: Transmission[][] } = {}) {
  let now = 1_000_000;
  const shown: Array<{ idx: number; answer: bigint | null; roundId: string; landed?: boolean }> = [];
  const oob: Array<{ idx: number; active: boolean; refusedMedian: bigint; since: number }> = [];
  const polls = [...(over.polls ?? [])];
  const watcher = { failures: 0, poll: async () => polls.shift() ?? [] };
  const reader: ChainReader = {
    committee: async () => ({ configDigest: DIGEST }),
    latestEpochRound: async () => ({ configDigest: DIGEST, epoch: 3, round: 7 }),
    latest: async (i) => ({
      answer: i === 0 ? 100n : null,
      updatedAt: i === 0 ? 1_699_999_000 : 0,
      startedAt: i === 0 ? 1_699_999_000 : 0,
      roundId: i === 0 ? "12" : "0",
    }),
    latestConfidence: async () => 2n,
    outOfBounds: async () => ({ active: false, refusedMedian: 0n, since: 0 }),
    ...over.reader,
  };
  const cv = new ChainView({
    configDigest: DIGEST,
    feeds: [0, 1],
    committeeSize: 4,
    transmitStaggerMs: 1_000,
    reader,
    watcher,
    sink: {
      setOnchain: (idx, answer, _c, roundId, _u, landed) => shown.push({ idx, answer, roundId, landed }),
      setOutOfBounds: (idx, state) => oob.push({ idx, ...state }),
    },
    now: () => now,
  });
  return { cv, shown, oob, watcher, advance: (ms: number) => (now += ms) };
}

describe("ChainView", () => {
  it("reads every feed and the committee's progress at startup", async () => {
    const t = view();
    await t.cv.refresh();
    expect(t.cv.progress()).toEqual({ epoch: 3, round: 7 });
    expect(t.cv.onchainView(0)).toMatchObject({ answer: 100n, updatedAt: 1_699_999_000 });
    expect(t.cv.onchainView(1)).toEqual({ answer: null, updatedAt: 0, sinceMs: 0 });
    expect(t.cv.allOnChain([0, 1], 3, 7)).toBe(true);
    expect(t.cv.allOnChain([0], 3, 8)).toBe(false);
    expect(t.shown.map((s) => s.idx)).toEqual([0, 1]);
  });

  it("ignores the progress of another config at startup", async () => {
    const t = view({ reader: { latestEpochRound: async () => ({ configDigest: "0x" + "cd".repeat(32), epoch: 9, round: 9 }) } });
    await t.cv.refresh();
    expect(t.cv.progress()).toEqual({ epoch: 0, round: 0 });
    expect(t.cv.allOnChain([0], 0, 1)).toBe(false);
  });

  it("applies this committee's transmissions, per feed, and skips other configs", async () => {
    const t = view({ polls: [[transmission(4, 1, [[0, 110n]]), transmission(9, 9, [[1, 1n]], "0x" + "cd".repeat(32))]] });
    await t.cv.refresh();
    const seen = await t.cv.poll();
    expect(seen.map((s) => s.t.epoch)).toEqual([4]);
    expect(t.cv.progress()).toEqual({ epoch: 4, round: 1 });
    expect(t.cv.onchainView(0).answer).toBe(110n);
    expect(t.cv.allOnChain([0], 4, 1)).toBe(true);
    expect(t.cv.allOnChain([1], 4, 1)).toBe(false); // feed 1 is still at (3, 7)
    expect(t.shown.at(-1)).toEqual({ idx: 0, answer: 110n, roundId: "13", landed: true });
  });

  it("keeps a feed pending until its report lands or every backup had its turn", async () => {
    const t = view();
    await t.cv.refresh();
    t.cv.markPending([0, 1], 4, 2);
    expect(t.cv.isPending(0)).toBe(true);
    t.cv.apply(transmission(4, 2, [[0, 120n]]), 0);
    expect(t.cv.isPending(0)).toBe(false);
    expect(t.cv.isPending(1)).toBe(true);
    t.advance(1_000 * 5 + 5_000 - 1); // stagger x (n + 1) + slack
    expect(t.cv.isPending(1)).toBe(true);
    t.advance(1);
    expect(t.cv.isPending(1)).toBe(false);
  });

  it("an older transmission neither clears a newer pending report nor moves the progress back", async () => {
    const t = view();
    await t.cv.refresh();
    t.cv.markPending([0], 5, 1);
    t.cv.apply(transmission(4, 9, [[0, 90n]]), 0);
    expect(t.cv.isPending(0)).toBe(true);
    expect(t.cv.progress()).toEqual({ epoch: 4, round: 9 });
    t.cv.apply(transmission(4, 3, [[0, 80n]]), 0);
    expect(t.cv.progress()).toEqual({ epoch: 4, round: 9 });
  });

  it("is blind while the watcher fails", () => {
    const t = view();
    expect(t.cv.blind).toBe(false);
    t.watcher.failures = 2;
    expect(t.cv.blind).toBe(true);
  });

  it("reports a changed config digest, and nothing when the RPC fails", async () => {
    let digest = DIGEST.toUpperCase().replace("0X", "0x");
    let fail = false;
    const t = view({
      reader: {
        committee: async () => {
          if (fail) throw new Error("down");
          return { configDigest: digest };
        },
      },
    });
    expect(await t.cv.configChanged()).toBeNull(); // case does not matter
    digest = "0x" + "cd".repeat(32);
    expect(await t.cv.configChanged()).toBe(digest);
    fail = true;
    expect(await t.cv.configChanged()).toBeNull();
  });

  it("a refused out-of-bounds median: the answer holds, pending clears, the flag shows until a median lands in bounds", async () => {
    const t = view();
    await t.cv.refresh();
    t.cv.markPending([0, 1], 4, 1);
    const refused: Transmission = { ...transmission(4, 1, [[1, 50n]]), refused: [{ feedIndex: 0, median: 5n, minAnswer: 10n, maxAnswer: 1_000n }] };
    expect(t.cv.apply(refused, 2_000_000)).toBe(true);
    // Feed 1 moved; feed 0 kept its answer but the report's (epoch, round) is spent for it too.
    expect(t.cv.isPending(0)).toBe(false);
    expect(t.cv.isPending(1)).toBe(false);
    expect(t.cv.allOnChain([0, 1], 4, 1)).toBe(true);
    expect(t.cv.outOfBounds(0)).toEqual({ active: true, refusedMedian: 5n, since: 1_700_000_000 });
    expect(t.cv.outOfBounds(1).active).toBe(false);
    expect(t.oob.at(-1)).toEqual({ idx: 0, active: true, refusedMedian: 5n, since: 1_700_000_000 });
    expect(t.shown.filter((s) => s.idx === 0 && s.landed)).toEqual([]);
    // The round decision measures deviation from the refused median, not from the held answer.
    expect(t.cv.onchainView(0)).toEqual({ answer: 5n, updatedAt: 1_700_000_000, sinceMs: 2_000_000 });
    // A second refusal keeps the episode's start; an in-bounds median ends it.
    t.cv.apply({ ...transmission(4, 2, []), updatedAt: 1_700_000_060, refused: [{ feedIndex: 0, median: 4n, minAnswer: 10n, maxAnswer: 1_000n }] }, 2_060_000);
    expect(t.cv.outOfBounds(0)).toEqual({ active: true, refusedMedian: 4n, since: 1_700_000_000 });
    t.cv.apply(transmission(4, 3, [[0, 20n]]), 2_100_000);
    expect(t.cv.outOfBounds(0).active).toBe(false);
    expect(t.oob.at(-1)).toMatchObject({ idx: 0, active: false });
    expect(t.cv.onchainView(0)).toMatchObject({ answer: 20n });
  });

  it("reads a feed's standing out-of-bounds record at startup", async () => {
    const t = view({
      reader: {
        outOfBounds: async (i) => (i === 0 ? { active: true, refusedMedian: 3n, since: 1_699_999_500 } : { active: false, refusedMedian: 0n, since: 0 }),
      },
    });
    await t.cv.refresh();
    expect(t.cv.outOfBounds(0)).toEqual({ active: true, refusedMedian: 3n, since: 1_699_999_500 });
    expect(t.cv.onchainView(0)).toMatchObject({ answer: 3n, updatedAt: 1_699_999_500 });
    expect(t.oob.map((o) => [o.idx, o.active])).toEqual([
      [0, true],
      [1, false],
    ]);
  });
});
