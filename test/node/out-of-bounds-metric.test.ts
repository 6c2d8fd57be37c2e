import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { createApiServer } from "../../oracle-node/src/api/server";
import { createMetrics } from "../../oracle-node/src/metrics/metrics";
import { buildFeed, buildState } from "./fixtures/node-state";

/** `oracle_feed_out_of_bounds` follows the feed view's out-of-bounds record at every scrape. */
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function gauge(body: string, feed: string): number | undefined {
  const line = body.split("\n").find((l) => l.startsWith(`oracle_feed_out_of_bounds{feed="${feed}"}`));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

describe("oracle_feed_out_of_bounds", () => {
  it("is 1 for a feed whose view says active, 0 for one without a record, and drops back to 0", async () => {
    const state = buildState();
    const held = buildFeed({ id: "LUNA/USD", pair: "LUNA/USD", outOfBounds: { active: true, refusedMedian: "0.00001", since: 1_652_227_200 } });
    state.feeds.push(held);
    const metrics = createMetrics({ processMetrics: false });
    app = createApiServer({ state: () => state, metrics });
    const body = (await app.inject({ url: "/metrics" })).body;
    expect(gauge(body, "LUNA/USD")).toBe(1);
    expect(gauge(body, "BTC/USD")).toBe(0);
    held.outOfBounds = { active: false, refusedMedian: "0.00001", since: 1_652_227_200 };
    expect(gauge((await app.inject({ url: "/metrics" })).body, "LUNA/USD")).toBe(0);
  });
});
