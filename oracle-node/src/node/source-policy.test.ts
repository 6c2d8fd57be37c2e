import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig, SourcesSchema } from "../config";
import { createFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { DEFAULT_CONCURRENCY, DEFAULT_FETCH_MAX_RETRIES } from "../sources/fetcher";
import { runtimeFeeds, runtimeTiming, sourcePolicy } from "./from-config";
import { Observer } from "./observer";

/**
 * `sources.maxRetries`, `sources.concurrency` and `sources.overrides.<id>.rateLimit`, each from
 * a config file through `fromNodeConfig`'s policy into the Observer's fetcher, against a real
 * HTTP server on loopback that counts what it receives.
 */

const BASES = ["BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "LTC", "DOT"];

/** What the server answers every request with, after `delayMs`. */
interface Answer {
  status: number;
  body: string;
  delayMs?: number;
}

let server: Server;
let baseUrl: string;
/** Every request's path, in arrival order. */
let requests: string[] = [];
/** Arrival time (ms, performance.now) of every request, by the first path segment (the source id). */
let arrivals = new Map<string, number[]>();
let inFlight = 0;
let peak = 0;
let answer: Answer = { status: 503, body: "unavailable" };
/** Bumped by reset(): a request of an earlier test never touches this test's counters. */
let generation = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    const source = path.split("/")[1];
    const mine = generation;
    requests.push(path);
    arrivals.set(source, [...(arrivals.get(source) ?? []), performance.now()]);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    const { status, body, delayMs } = answer;
    setTimeout(() => {
      if (mine === generation) inFlight -= 1;
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    }, delayMs ?? 0);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

function reset(next: Answer): void {
  generation += 1;
  arrivals = new Map();
  requests = [];
  inFlight = 0;
  peak = 0;
  answer = next;
}

/** A config whose feeds use `sources` (each at its own path of the loopback server), one feed per base. */
function config(sources: Record<string, unknown>, ids: string[], bases = BASES) {
  const overrides = (sources.overrides ?? {}) as Record<string, Record<string, unknown>>;
  for (const id of ids) overrides[id] = { ...overrides[id], baseUrl: `${baseUrl}/${id}` };
  return parseConfig(
    {
      node: {
        keystore: { path: "keys/node.json", passwordEnv: "ORACLE_KEY_PASSWORD" },
        chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      },
      sources: { ...sources, overrides },
      feeds: bases.map((b) => ({
        id: `${b}/USD`,
        description: `${b} / USD`,
        decimals: 8,
        pair: `${b}/USD`,
        sources: ids.map((id) => ({ id })),
        minSources: 1,
        deviationThresholdBps: 50,
        heartbeatSeconds: 3600,
      })),
    },
    { env: {} },
  );
}

/** One poll of every feed, by an Observer built from the config as the node builds it. */
async function pollOnce(cfg: ReturnType<typeof config>): Promise<void> {
  const observer = new Observer(
    runtimeFeeds(cfg),
    await createFilter({ kind: "none" }),
    new FilterState(),
    runtimeTiming(cfg).sourceTimeoutMs,
    undefined,
    sourcePolicy(cfg),
  );
  await observer.refresh();
}

describe("sources.maxRetries", () => {
  it("sets how often a failing (5xx) request is retried: 0 sends each request once, 2 three times", async () => {
    const sent = async (maxRetries?: number) => {
      reset({ status: 503, body: "unavailable" });
      await pollOnce(config(maxRetries === undefined ? { rateLimits: "off" } : { rateLimits: "off", maxRetries }, ["coinbase"], ["BTC"]));
      return requests.length;
    };
    expect(await sent(0)).toBe(1);
    expect(await sent(2)).toBe(3);
    // The documented default: one retry.
    expect(await sent()).toBe(2);
  });

  it("is never applied to an answer that is not a server fault (4xx)", async () => {
    reset({ status: 404, body: JSON.stringify({ message: "NotFound" }) });
    await pollOnce(config({ rateLimits: "off", maxRetries: 3 }, ["coinbase"], ["BTC"]));
    expect(requests.length).toBe(1);
  });
});

describe("sources.concurrency", () => {
  it("bounds the requests in flight: 1 sends them one by one, 4 four at a time", async () => {
    const peakWith = async (concurrency: number) => {
      reset({ status: 503, body: "unavailable", delayMs: 60 });
      // Coinbase has no batch endpoint: one request per feed, eight in all.
      await pollOnce(config({ rateLimits: "off", maxRetries: 0, concurrency }, ["coinbase"]));
      expect(requests.length).toBe(BASES.length);
      return peak;
    };
    expect(await peakWith(1)).toBe(1);
    expect(await peakWith(4)).toBe(4);
  });
});

describe("sources.overrides.<id>.rateLimit", () => {
  it("throttles that source to its own token bucket and no other", async () => {
    reset({ status: 503, body: "unavailable" });
    const cfg = config({ maxRetries: 0, overrides: { coinbase: { rateLimit: { capacity: 1, refillPerSec: 5 } } } }, ["coinbase", "gemini"], BASES.slice(0, 3));
    await pollOnce(cfg);
    const spread = (id: string) => {
      const t = arrivals.get(id) ?? [];
      expect(t).toHaveLength(3);
      return Math.max(...t) - Math.min(...t);
    };
    // 1 token, then one every 200 ms: the third request waits about 400 ms.
    expect(spread("coinbase")).toBeGreaterThanOrEqual(350);
    // Gemini keeps its documented bucket (20 at once): its three go out together.
    expect(spread("gemini")).toBeLessThan(150);
  });

  it("is off with the rest of the local limits under sources.rateLimits: off", async () => {
    reset({ status: 503, body: "unavailable" });
    const cfg = config(
      { rateLimits: "off", maxRetries: 0, overrides: { coinbase: { rateLimit: { capacity: 1, refillPerSec: 5 } } } },
      ["coinbase"],
      BASES.slice(0, 3),
    );
    expect(sourcePolicy(cfg).rateLimits).toBe(false);
    await pollOnce(cfg);
    const t = arrivals.get("coinbase")!;
    expect(Math.max(...t) - Math.min(...t)).toBeLessThan(150);
  });
});

describe("the fetcher's own defaults are the schema's", () => {
  it("maxRetries and concurrency agree with sources.* defaults", () => {
    const d = SourcesSchema.parse({});
    expect(DEFAULT_FETCH_MAX_RETRIES).toBe(d.maxRetries);
    expect(DEFAULT_CONCURRENCY).toBe(d.concurrency);
  });
});
