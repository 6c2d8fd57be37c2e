import { describe, expect, it } from "vitest";
import { pollCadence, pollIntervalProblem, VALID_POLL_INTERVALS_MS } from "./poll-cadence";
import { PollSchedule } from "./poll-schedule";
import { ConfigError, parseConfig } from "../config";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("pollCadence", () => {
  it("turns whole seconds, minutes and hours that divide their unit into node-cron expressions", () => {
    expect(pollCadence(1_000)).toEqual({ kind: "cron", intervalMs: 1_000, expression: "* * * * * *" });
    expect(pollCadence(5_000)).toEqual({ kind: "cron", intervalMs: 5_000, expression: "*/5 * * * * *" });
    expect(pollCadence(60_000)).toEqual({ kind: "cron", intervalMs: 60_000, expression: "0 * * * * *" });
    expect(pollCadence(900_000)).toEqual({ kind: "cron", intervalMs: 900_000, expression: "0 */15 * * * *" });
    expect(pollCadence(3_600_000)).toEqual({ kind: "cron", intervalMs: 3_600_000, expression: "0 0 * * * *" });
  });

  it("runs intervals under a second, below cron's resolution, on a timer", () => {
    expect(pollCadence(250)).toEqual({ kind: "timer", intervalMs: 250 });
    expect(pollCadence(100)).toEqual({ kind: "timer", intervalMs: 100 });
  });

  it("refuses an interval that does not divide its unit, naming the nearest valid ones", () => {
    expect(pollIntervalProblem(7_000)).toBe(
      "pollIntervalMs 7000 does not divide a minute evenly, so polls could not stay aligned to the clock: use 6000 or 10000",
    );
    expect(pollIntervalProblem(300)).toMatch(/does not divide a second evenly.*use 250 or 500/);
    expect(pollIntervalProblem(90_000)).toMatch(/does not divide an hour evenly.*use 60000 or 120000/);
    expect(pollIntervalProblem(1_500)).toMatch(/use 1000 or 2000/);
    expect(pollIntervalProblem(50)).toMatch(/from 100 to/);
    expect(pollIntervalProblem(1_000.5)).toMatch(/whole number/);
    expect(() => pollCadence(45_000)).toThrow(/use 30000 or 60000/);
  });

  it("accepts every listed interval and every listed one divides its unit", () => {
    for (const ms of VALID_POLL_INTERVALS_MS) {
      expect(pollIntervalProblem(ms)).toBeNull();
      const unit = ms < 1_000 ? 1_000 : ms < 60_000 ? 60_000 : ms < 3_600_000 ? 3_600_000 : 86_400_000;
      expect(unit % ms).toBe(0);
    }
  });
});

describe("PollSchedule", () => {
  it("polls each feed at its own interval, feeds of one interval together", async () => {
    const calls: Array<{ at: number; keys: number[] }> = [];
    const s = new PollSchedule({
      targets: [
        { key: 0, name: "FAST/A", intervalMs: 100 },
        { key: 1, name: "FAST/B", intervalMs: 100 },
        { key: 2, name: "SLOW", intervalMs: 500 },
        { key: 3, name: "CRON", intervalMs: 1_000 },
      ],
      poll: async (keys) => {
        calls.push({ at: Date.now(), keys: [...keys].sort() });
      },
    });
    expect(s.describe()).toEqual([
      { intervalMs: 100, schedule: "timer every 100 ms", keys: [0, 1] },
      { intervalMs: 500, schedule: "timer every 500 ms", keys: [2] },
      { intervalMs: 1_000, schedule: "* * * * * *", keys: [3] },
    ]);
    const t0 = Date.now();
    s.start();
    await sleep(2_100);
    await s.stop();
    const t1 = Date.now();
    // Aligned ticks: one per multiple of the interval between start and stop (a late timer on a
    // busy machine may drop one, never add one).
    const ticks = (ms: number) => Math.floor(t1 / ms) - Math.floor(t0 / ms);
    const fast = s.statsFor(0).polls;
    expect(s.statsFor(1).polls).toBe(fast);
    expect(fast).toBeLessThanOrEqual(ticks(100));
    expect(fast).toBeGreaterThanOrEqual(ticks(100) - 3);
    expect(s.statsFor(2).polls).toBeLessThanOrEqual(ticks(500));
    expect(s.statsFor(2).polls).toBeGreaterThanOrEqual(ticks(500) - 1);
    // node-cron fires at every whole second.
    expect(s.statsFor(3).polls).toBeLessThanOrEqual(ticks(1_000));
    expect(s.statsFor(3).polls).toBeGreaterThanOrEqual(ticks(1_000) - 1);
    expect(ticks(1_000)).toBeGreaterThanOrEqual(2);
    for (const c of calls) expect([[0, 1], [2], [3]]).toContainEqual(c.keys);
    // The cron feed's ticks are aligned to whole seconds of the clock.
    for (const c of calls.filter((x) => x.keys[0] === 3)) expect(c.at % 1_000).toBeLessThan(150);
    expect(s.statsFor(0).skipped).toBe(0);
  });

  it("polls every feed once, in one call, at start when asked", async () => {
    const calls: number[][] = [];
    const s = new PollSchedule({
      targets: [
        { key: 4, name: "A", intervalMs: 60_000 },
        { key: 7, name: "B", intervalMs: 5_000 },
      ],
      poll: async (keys) => {
        calls.push([...keys].sort());
      },
      pollAtStart: true,
    });
    s.start();
    await sleep(20);
    await s.stop();
    expect(calls[0]).toEqual([4, 7]);
    expect(s.statsFor(4).polls).toBeGreaterThanOrEqual(1);
  });

  it("skips and counts a tick while the previous poll of the same feed still runs", async () => {
    let active = 0;
    let maxActive = 0;
    const s = new PollSchedule({
      targets: [{ key: 0, name: "SLOW/SOURCE", intervalMs: 100 }],
      poll: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(350);
        active -= 1;
      },
    });
    s.start();
    await sleep(1_250);
    await s.stop();
    const st = s.statsFor(0);
    expect(maxActive).toBe(1);
    expect(st.polls).toBeGreaterThanOrEqual(2);
    expect(st.polls).toBeLessThanOrEqual(4);
    expect(st.skipped).toBeGreaterThanOrEqual(5);
    // Every tick was either a poll or a skip.
    expect(st.polls + st.skipped).toBeGreaterThanOrEqual(8);
  });

  it("stop() waits for the polls in flight and no poll starts after it", async () => {
    let finished = 0;
    let started = 0;
    const s = new PollSchedule({
      targets: [
        { key: 0, name: "A", intervalMs: 100 },
        { key: 1, name: "B", intervalMs: 1_000 },
      ],
      poll: async () => {
        started += 1;
        await sleep(300);
        finished += 1;
      },
      pollAtStart: true,
    });
    s.start();
    await sleep(150);
    expect(started).toBeGreaterThan(finished);
    await s.stop();
    expect(finished).toBe(started);
    const after = started;
    await sleep(1_100);
    expect(started).toBe(after);
  });

  it("a failing poll is counted and logged, and the schedule goes on", async () => {
    let n = 0;
    const s = new PollSchedule({
      targets: [{ key: 0, name: "FLAKY", intervalMs: 100 }],
      poll: async () => {
        n += 1;
        if (n % 2 === 1) throw new Error("venue down");
      },
    });
    s.start();
    await sleep(550);
    await s.stop();
    expect(s.statsFor(0).failures).toBeGreaterThanOrEqual(2);
    expect(s.statsFor(0).polls).toBeGreaterThan(s.statsFor(0).failures);
  });

  it("counts the cron ticks it missed while the event loop was blocked", async () => {
    const s = new PollSchedule({ targets: [{ key: 0, name: "BLOCKED", intervalMs: 1_000 }], poll: async () => {} });
    s.start();
    await sleep(50);
    const until = Date.now() + 2_300;
    while (Date.now() < until) {
      // A handler hogging the loop: node-cron's timer fires over a second late.
    }
    await sleep(100);
    await s.stop();
    expect(s.statsFor(0).missed).toBeGreaterThanOrEqual(1);
  });

  it("refuses an interval it cannot schedule, naming the feed", () => {
    expect(() => new PollSchedule({ targets: [{ key: 0, name: "ETH/USD", intervalMs: 7_000 }], poll: async () => {} })).toThrow(
      "feed ETH/USD: pollIntervalMs 7000 does not divide a minute evenly, so polls could not stay aligned to the clock: use 6000 or 10000",
    );
    expect(() => new PollSchedule({ targets: [], poll: async () => {} })).toThrow(/no feeds/);
    expect(
      () =>
        new PollSchedule({
          targets: [
            { key: 1, name: "A", intervalMs: 1_000 },
            { key: 1, name: "B", intervalMs: 1_000 },
          ],
          poll: async () => {},
        }),
    ).toThrow(/appears twice/);
  });
});

describe("config: feeds[].pollIntervalMs", () => {
  const config = (pollIntervalMs: number) => ({
    node: {
      keystore: { path: "keys/node.json", passwordEnv: "ORACLE_KEY_PASSWORD" },
      chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      peers: [{ index: 1, url: "http://127.0.0.1:7002" }],
    },
    feeds: [
      {
        id: "BTC/USD",
        description: "BTC / USD",
        decimals: 8,
        pair: "BTC/USD",
        sources: [{ id: "binance" }],
        minSources: 1,
        deviationThresholdBps: 50,
        heartbeatSeconds: 3600,
        pollIntervalMs: 1_000,
      },
      {
        id: "ETH/USD",
        description: "ETH / USD",
        decimals: 8,
        pair: "ETH/USD",
        sources: [{ id: "binance" }],
        minSources: 1,
        deviationThresholdBps: 50,
        heartbeatSeconds: 3600,
        pollIntervalMs,
      },
    ],
  });
  const problems = (obj: unknown): string[] => {
    try {
      parseConfig(obj, { env: {} });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
      throw err;
    }
  };

  it("accepts intervals aligned to the clock", () => {
    for (const ms of [250, 1_000, 5_000, 60_000, 3_600_000]) expect(problems(config(ms))).toEqual([]);
  });

  it("refuses one that is not, at the feed's path, naming the nearest valid values", () => {
    expect(problems(config(7_000))).toEqual([
      "feeds[1].pollIntervalMs: pollIntervalMs 7000 does not divide a minute evenly, so polls could not stay aligned to the clock: use 6000 or 10000",
    ]);
    expect(problems(config(1_500))).toEqual([expect.stringMatching(/^feeds\[1\]\.pollIntervalMs: .*use 1000 or 2000$/)]);
  });
});
