import { describe, expect, it } from "vitest";
import { parseConfig } from "./load";
import { ConfigError } from "./errors";
import { chainInstances } from "./chain-instances";

function base(): Record<string, any> {
  return {
    node: {
      name: "op",
      keystore: { path: "keys/node.json", passwordEnv: "PW" },
      chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      peers: [{ index: 1, url: "http://127.0.0.1:7002" }],
    },
    feeds: ["BTC/USD", "ETH/USD"].map((pair) => ({
      id: pair,
      description: pair,
      decimals: 8,
      pair,
      sources: [{ id: "binance" }, { id: "kraken" }],
      minSources: 1,
      deviationThresholdBps: 50,
      heartbeatSeconds: 3600,
    })),
  };
}

function second(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "l2",
    chain: { rpcUrl: "http://127.0.0.1:9545", fallbackRpcUrls: ["http://127.0.0.1:9546"], chainId: 10, aggregator: "0x" + "ab".repeat(20) },
    peers: [{ index: 0, url: "http://127.0.0.1:7102" }],
    listen: { port: 7101 },
    database: { path: "data/l2.db" },
    ...over,
  };
}

function problems(obj: unknown): string[] {
  try {
    parseConfig(obj, { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe("chains: one process, one protocol instance per chain", () => {
  it("a config without chains is the one-chain case, unchanged", () => {
    const cfg = parseConfig(base(), { env: {} });
    expect(cfg.chains).toEqual([]);
    const inst = chainInstances(cfg);
    expect(inst).toHaveLength(1);
    expect(inst[0]).toEqual({ chainName: "", config: cfg });
  });

  it("each extra chain gets its own chain, committee, port, store and name; the key and feeds are shared unless it says otherwise", () => {
    const raw = base();
    raw.chains = [
      second(),
      second({
        name: "l3",
        listen: { port: 7201 },
        database: { path: "data/l3.db" },
        feeds: ["ETH/USD"],
        apiPort: 8081,
        keystore: { path: "keys/l3.json", passwordFile: "pw.txt" },
      }),
    ];
    const [a, b, c] = chainInstances(parseConfig(raw, { env: {} }));
    expect(a.config.node.chain.chainId).toBe(31337);
    expect(b.chainName).toBe("l2");
    expect(b.config.node).toMatchObject({
      name: "op/l2",
      keystore: { path: "keys/node.json", passwordEnv: "PW" },
      listen: { host: "127.0.0.1", port: 7101 },
      database: { path: "data/l2.db" },
      peers: [{ index: 0, url: "http://127.0.0.1:7102" }],
      api: { enabled: false },
    });
    expect(b.config.node.chain).toMatchObject({ chainId: 10, rpcUrl: "http://127.0.0.1:9545", fallbackRpcUrls: ["http://127.0.0.1:9546"], confirmations: 1 });
    expect(b.config.feeds.map((f) => f.id)).toEqual(["BTC/USD", "ETH/USD"]);
    expect(c.config.feeds.map((f) => f.id)).toEqual(["ETH/USD"]);
    expect(c.config.node.keystore).toEqual({ path: "keys/l3.json", passwordFile: "pw.txt" });
    expect(c.config.node.api).toMatchObject({ enabled: true, port: 8081 });
    for (const i of [a, b, c]) expect(i.config.chains).toEqual([]);
  });

  it("refuses shared ports, stores and names, unknown feeds, a second password source and a repeated RPC URL", () => {
    const raw = base();
    raw.chains = [
      second({ listen: { port: 7001 }, database: { path: "data/oracle-node.db" } }),
      second({ listen: { port: 8080 }, feeds: ["XAU/USD", "XAU/USD"], keystore: { path: "k.json", passwordEnv: "A", passwordFile: "b" } }),
      second({
        name: "l4",
        listen: { port: 7301 },
        database: { path: "data/l4.db" },
        apiPort: 7301,
        chain: { rpcUrl: "http://x:1", fallbackRpcUrls: ["http://x:1/"], chainId: 5 },
      }),
    ];
    expect(problems(raw)).toEqual([
      "chains[0].listen.port: port is already node.listen.port",
      "chains[0].database.path: file is already node.database.path",
      'chains[1].name: chain name "l2" is already chains[0].name',
      "chains[1].listen.port: port is already node.api.port",
      "chains[1].keystore: set exactly one of passwordEnv (an environment variable name) or passwordFile",
      'chains[1].feeds[0]: unknown feed "XAU/USD"; feeds: BTC/USD, ETH/USD',
      'chains[1].feeds[1]: unknown feed "XAU/USD"; feeds: BTC/USD, ETH/USD',
      'chains[1].feeds[1]: feed "XAU/USD" is listed twice',
      "chains[2].apiPort: port is already chains[2].listen.port",
      "chains[2].chain: set aggregator (an address) or addressesFile (written by `oracle-node deploy`)",
      "chains[2].chain.fallbackRpcUrls[0]: is the primary rpcUrl again",
    ]);
  });
});
