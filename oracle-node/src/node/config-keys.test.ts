import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig, type NodeConfig } from "../config";
import { TimingSchema } from "../config/schema";
import { schemaKeyPaths } from "../config/schema-keys";
import { feedSpecsFromConfig } from "../deploy/from-config";
import { writeKeystore } from "../keys";
import { fromNodeConfig } from "./from-config";

/**
 * Every key of the config schema is read by the runtime or is reserved with a reason. The config
 * is wrapped in a proxy that records every key read, then handed to what consumes a config file:
 * `fromNodeConfig` (the node's runtime options) and `feedSpecsFromConfig` (`oracle-node deploy`).
 * Keys another module reads straight from the config (the start command's log level and API
 * server, the generic sources' definitions) are checked against that module's source. A key
 * nobody reads fails the test, so deleting a key's use, or adding a key without one, cannot go
 * unnoticed.
 */

/** Keys the runtime does not read, each with why it exists anyway. */
const RESERVED: Record<string, string> = {
  version: "the file format's version: the schema accepts only 1, so there is nothing to branch on until format 2 exists",
};

/**
 * Subtrees read by a module this test cannot run (a CLI command's action), or handed whole to one
 * that re-parses them with its own schema (so the proxy would see every key read at once):
 * checked below against that module's source instead.
 */
const DELEGATED: Record<string, { reason: string; dirs: string[] }> = {
  "node.api.": { reason: "`oracle-node start` starts the API server from them", dirs: ["oracle-node/src/cli/commands/start.ts"] },
  chains: {
    reason: "`oracle-node start` expands each entry into a single-chain config (config/chain-instances.ts), one protocol instance per chain",
    dirs: ["oracle-node/src/config/chain-instances.ts"],
  },
  "node.chain.rpcHealth.": {
    reason: "fromNodeConfig hands the section whole to makeChainProvider, which reads each key when it builds the provider pool",
    dirs: ["oracle-node/src/chain/provider-pool.ts"],
  },
  "node.logging.": { reason: "`oracle-node start` creates the logger from them", dirs: ["oracle-node/src/cli/commands/start.ts"] },
  "sources.generic[].": {
    reason: "each generic source's definition goes whole to createGeneric{Json,Csv}Source (sources/generic), which parses it with generic-config.ts",
    dirs: ["oracle-node/src/sources/generic", "oracle-node/src/config/resolve.ts"],
  },
};

/** Records the documentation path ("feeds[].sources[].id", "sources.overrides.<id>") of every key read. */
function trackReads<T>(value: T, isRecord: (path: string) => boolean): { value: T; read: Set<string> } {
  const read = new Set<string>();
  const wrap = (v: unknown, path: string): unknown => {
    if (v === null || typeof v !== "object") return v;
    return new Proxy(v, {
      get(target, prop, receiver) {
        const child: unknown = Reflect.get(target, prop, receiver);
        if (typeof prop === "symbol") return child;
        if (Array.isArray(target)) return /^\d+$/.test(prop) ? wrap(child, `${path}[]`) : child;
        const p = isRecord(path) ? `${path}.<id>` : path === "" ? prop : `${path}.${prop}`;
        read.add(p);
        return wrap(child, p);
      },
    });
  };
  return { value: wrap(value, "") as T, read };
}

const KEYS = schemaKeyPaths();
const isRecord = (path: string) => KEYS.some((k) => k.startsWith(`${path}.<id>`));
/** The subtree's own key ("node.api") and every key under it ("node.api.port"). */
const under = (prefix: string, key: string) => key.startsWith(prefix) || key === prefix.slice(0, -1);
const delegated = (key: string) => Object.keys(DELEGATED).some((prefix) => under(prefix, key));

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "config-keys-"));
  writeFileSync(join(dir, "password.txt"), "correct horse battery\n", { mode: 0o600 });
  await writeKeystore(join(dir, "node.json"), "0x" + "11".repeat(32), "correct horse battery", { cost: "light" });
  writeFileSync(
    join(dir, "addresses.json"),
    JSON.stringify({
      aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      feeds: [{ feedIndex: 0, proxy: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" }],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config that takes every branch a consumer has: overrides, a template, generic sources, bounds, peers. */
function fullConfig(): NodeConfig {
  return parseConfig(
    {
      node: {
        keystore: { path: "node.json", passwordFile: "password.txt" },
        chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, addressesFile: "addresses.json", maxFeePerGasGwei: "50" },
        peers: [{ index: 1, url: "http://127.0.0.1:7002", address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }],
        filter: { kind: "mad", threshold: 0.5 },
      },
      sources: {
        baseUrlTemplate: "http://127.0.0.1:8089/{id}",
        overrides: { okx: { baseUrl: "http://127.0.0.1:8090/okx", rateLimit: { capacity: 5, refillPerSec: 1 } } },
        generic: [
          { kind: "json", id: "fx-rates", url: "https://api.frankfurter.dev/v1/latest?from={base}&to={quote}", valuePath: "rates.{quote}" },
          { kind: "csv", id: "stooq", url: "https://stooq.com/q/l/?s={symbol}&f=sd2t2c&h&e=csv", column: "Close", timestamp: { dateColumn: "Date" } },
        ],
      },
      feeds: [
        {
          id: "BTC/USD",
          description: "BTC / USD",
          decimals: 8,
          pair: "BTC/USD",
          sources: [{ id: "binance" }, { id: "kraken", symbol: "XBTUSD", baseUrl: "http://127.0.0.1:8091/kraken" }, { id: "okx" }],
          minSources: 2,
          deviationThresholdBps: 50,
          heartbeatSeconds: 3600,
          pollIntervalMs: 2000,
          bounds: { min: "1", max: "10000000" },
        },
        {
          id: "EUR/USD",
          description: "EUR / USD",
          decimals: 8,
          pair: "EUR/USD",
          sources: [{ id: "fx-rates" }, { id: "stooq" }],
          minSources: 1,
          deviationThresholdBps: 20,
          heartbeatSeconds: 86400,
        },
      ],
    },
    { env: {} },
  );
}

/** The keys the consumers of a config file read. */
async function keysRead(): Promise<Set<string>> {
  const { value, read } = trackReads(fullConfig(), isRecord);
  const opts = await fromNodeConfig(value, { configPath: join(dir, "node.yaml") });
  feedSpecsFromConfig(value);
  // The consumers ran for real (so the reads are the real ones).
  expect(opts.maxFeePerGasCap).toBe(50_000_000_000n);
  expect(opts.feeds[0].address).toBe("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
  return read;
}

/** Non-test TypeScript files under a directory (or the file itself). */
function sourcesUnder(path: string): string[] {
  if (path.endsWith(".ts")) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(path, f));
}

describe("config keys: each is read by the runtime or reserved", () => {
  it("no schema key is left unread, outside the reserved and delegated ones", async () => {
    const read = await keysRead();
    const unread = KEYS.filter((k) => !read.has(k) && !(k in RESERVED) && !delegated(k));
    expect(unread, `schema keys nothing reads (wire them or add them to RESERVED with a reason):\n${unread.join("\n")}`).toEqual([]);
  });

  it("a reserved key is in the schema and really unread (else it leaves the list)", async () => {
    const read = await keysRead();
    for (const [key, reason] of Object.entries(RESERVED)) {
      expect(KEYS).toContain(key);
      expect(read.has(key), `${key} is read: drop it from RESERVED`).toBe(false);
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  it("the tracker sees a key's use disappear (it can fail)", async () => {
    const { value, read } = trackReads(fullConfig(), isRecord);
    feedSpecsFromConfig(value);
    expect(read.has("feeds[].bounds.min")).toBe(true);
    expect(read.has("sources.maxRetries")).toBe(false);
    const policy = trackReads(fullConfig(), isRecord);
    void policy.value.sources.overrides.okx?.rateLimit?.capacity;
    expect([...policy.read]).toEqual([
      "sources",
      "sources.overrides",
      "sources.overrides.<id>",
      "sources.overrides.<id>.rateLimit",
      "sources.overrides.<id>.rateLimit.capacity",
    ]);
  });

  it("every delegated key is read by the module named for it", () => {
    for (const [prefix, { dirs }] of Object.entries(DELEGATED)) {
      const text = dirs
        .flatMap(sourcesUnder)
        .map((f) => readFileSync(f, "utf8"))
        .join("\n");
      // A key counts as read when its name is read (".volumeColumn") or its parent object is spread ("...cfg.rateLimit").
      const readIn = (k: string) => {
        const [leaf, parent] = k.split(".").reverse();
        return new RegExp(`\\.${leaf}\\b`).test(text) || (parent !== undefined && new RegExp(`\\.\\.\\.[\\w.]*\\.${parent}\\b`).test(text));
      };
      const unread = KEYS.filter((k) => under(prefix, k)).filter((k) => !readIn(k));
      expect(unread, `keys under ${prefix} that ${dirs.join(", ")} never read`).toEqual([]);
    }
  });

  it("every node.timing key is read by the node (RuntimeTiming carries them all)", () => {
    const runtime = sourcesUnder("oracle-node/src")
      .filter((f) => !f.includes("/config/") && !f.endsWith("node/options.ts") && !f.endsWith("node/from-config.ts"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const unread = Object.keys(TimingSchema.shape).filter((k) => !new RegExp(`\\.${k}\\b`).test(runtime));
    expect(unread, "node.timing keys no runtime module reads").toEqual([]);
  });
});
