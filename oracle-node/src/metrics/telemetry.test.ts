import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics";
import { Telemetry, type RoundInfo } from "./telemetry";
import { snapshot } from "../../../test/support/node-fixtures";

const FEEDS = new Map([
  [0, { id: "BTC/USD", decimals: 8 }],
  [1, { id: "ETH/USD", decimals: 8 }],
]);

async function metricValue(m: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (metric?.values as Array<{ labels: Record<string, string | number>; value: number }> | undefined)?.find((x) =>
    Object.entries(labels).every(([k, l]) => x.labels[k] === l),
  );
  return v?.value;
}

describe("Telemetry", () => {
  it("emits a round with its traffic and counts it per feed", async () => {
    const m = createMetrics();
    const t = new Telemetry(FEEDS, m);
    const seen: RoundInfo[] = [];
    t.events.on("round", (r) => seen.push(r));
    const before = { messagesSent: 10, bytesSent: 1_000, messagesReceived: 5 };
    const after = { messagesSent: 16, bytesSent: 1_900, messagesReceived: 8 };
    t.round({ epoch: 2, round: 3, feeds: [0, 1], outcome: "reported", stages: { observeMs: 40, signMs: 20 } }, before, after);
    expect(seen).toEqual([{ epoch: 2, round: 3, feeds: [0, 1], outcome: "reported", stages: { observeMs: 40, signMs: 20 }, messages: 9, bytes: 900 }]);
    expect(await metricValue(m, "oracle_rounds_total", { feed: "ETH/USD", outcome: "reported" })).toBe(1);
  });

  it("a landed transmission sets the on-chain answer and is emitted with when it was seen", async () => {
    const m = createMetrics();
    const t = new Telemetry(FEEDS, m);
    const seen: number[] = [];
    t.events.on("transmission", (x) => seen.push(x.seenAt));
    const tx = {
      epoch: 1,
      round: 1,
      configDigest: "0x",
      transmitter: "0x",
      txHash: "0x",
      blockNumber: 1,
      updatedAt: 1,
      feeds: [{ feedIndex: 0, answer: 6_500_000_000_000n, confidence: 0n, observationsTimestamp: 1 }],
      refused: [],
    };
    t.landed(tx, 1234);
    expect(seen).toEqual([1234]);
    expect(await metricValue(m, "oracle_onchain_answer", { feed: "BTC/USD" })).toBe(65_000);
    expect(await metricValue(m, "oracle_rounds_total", { feed: "BTC/USD", outcome: "landed" })).toBe(1);
  });

  it("counts refusals from a snapshot, and works without metrics", async () => {
    const m = createMetrics();
    const t = new Telemetry(FEEDS, m);
    t.snapshot(snapshot({ 0: null, 1: 5n }));
    expect(await metricValue(m, "oracle_refusals_total", { feed: "BTC/USD" })).toBe(1);
    const bare = new Telemetry(FEEDS);
    let fatal = "";
    bare.events.on("fatal", (r) => (fatal = r));
    bare.snapshot(snapshot({ 0: null }));
    bare.observed(0);
    bare.fatal("config changed");
    expect(fatal).toBe("config changed");
  });
});
