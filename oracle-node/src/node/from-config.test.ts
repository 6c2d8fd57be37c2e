import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../config";
import { runtimeFeeds, runtimeTiming, sourcePolicy } from "./from-config";
import { DEFAULT_TIMING } from "./options";

/** A valid config; `node` and `sources` sections merged in, two feeds (the second polls every 2 s). */
function config(node: Record<string, unknown> = {}, sources: Record<string, unknown> = {}) {
  return parseConfig(
    {
      node: {
        keystore: { path: "keys/node.json", passwordEnv: "ORACLE_KEY_PASSWORD" },
        chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
        ...node,
      },
      sources,
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
          pollIntervalMs: 2_000,
        },
      ],
    },
    { env: {} },
  );
}

describe("fromNodeConfig's parts", () => {
  it("timing: a config without node.timing gives exactly the runtime's defaults", () => {
    expect(runtimeTiming(config())).toEqual(DEFAULT_TIMING);
    expect(DEFAULT_TIMING.pollIntervalMs).toBe(1_000);
  });

  it("timing: each node.timing key and sources.timeoutMs reach the runtime, the rest keep their defaults", () => {
    const t = runtimeTiming(config({ timing: { voteResendMs: 777, maxReportSkewSec: 5, peerProbeMs: 9_000 } }, { timeoutMs: 1_500 }));
    expect(t).toEqual({ ...DEFAULT_TIMING, voteResendMs: 777, maxReportSkewSec: 5, peerProbeMs: 9_000, sourceTimeoutMs: 1_500 });
  });

  it("a feed without its own pollIntervalMs polls at node.timing.pollIntervalMs", () => {
    const feeds = runtimeFeeds(config({ timing: { pollIntervalMs: 5_000 } }));
    expect(feeds.map((f) => f.pollIntervalMs)).toEqual([5_000, 2_000]);
    expect(runtimeFeeds(config()).map((f) => f.pollIntervalMs)).toEqual([1_000, 2_000]);
  });

  it("node.timing.pollIntervalMs must align to the clock like a feed's", () => {
    try {
      config({ timing: { pollIntervalMs: 7_000 } });
      expect.unreachable("7000 ms was accepted");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        "node.timing.pollIntervalMs: pollIntervalMs 7000 does not divide a minute evenly, so polls could not stay aligned to the clock: use 6000 or 10000",
      ]);
    }
  });

  it("source policy: the schema's defaults, overrides' rate limits by id, all limits off under rateLimits: off", () => {
    expect(sourcePolicy(config())).toEqual({ maxRetries: 1, concurrency: 32, rateLimits: {} });
    const withLimit = { overrides: { okx: { rateLimit: { capacity: 2, refillPerSec: 0.5 } }, kraken: { baseUrl: "http://127.0.0.1:1" } } };
    expect(sourcePolicy(config({}, withLimit)).rateLimits).toEqual({ okx: { capacity: 2, refillPerSec: 0.5 } });
    expect(sourcePolicy(config({}, { ...withLimit, rateLimits: "off" })).rateLimits).toBe(false);
  });
});
