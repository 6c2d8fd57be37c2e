import { describe, expect, it } from "vitest";
import {
  ConfigError,
  formatConfigErrors,
  loadConfig,
  parseConfig,
  parseConfigText,
  resolveBaseUrl,
  resolveSymbol,
  usedSourceIds,
  type NodeConfigInput,
} from ".";

/** A valid minimal config; each test changes one thing. */
function validConfig(): Record<string, any> {
  return {
    node: {
      keystore: { path: "keys/node.json", passwordEnv: "ORACLE_KEY_PASSWORD" },
      chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      peers: [
        { index: 0, url: "http://127.0.0.1:7001" },
        { index: 1, url: "http://127.0.0.1:7002" },
      ],
    },
    sources: {
      generic: [{ kind: "json", id: "fx-rates", url: "https://api.frankfurter.dev/v1/latest?from={base}&to={quote}", valuePath: "rates.{quote}" }],
    },
    feeds: [
      {
        id: "BTC/USD",
        description: "BTC / USD",
        decimals: 8,
        pair: "BTC/USD",
        sources: [{ id: "binance" }, { id: "kraken", symbol: "XBTUSD" }, { id: "okx" }],
        minSources: 2,
        deviationThresholdBps: 50,
        heartbeatSeconds: 3600,
      },
      {
        id: "EUR/USD",
        description: "EUR / USD",
        decimals: 8,
        pair: "EUR/USD",
        sources: [{ id: "fx-rates" }],
        minSources: 1,
        deviationThresholdBps: 20,
        heartbeatSeconds: 86400,
      },
    ],
  } satisfies NodeConfigInput;
}

/** The issues a config produces, as "path: message" lines. */
function problems(obj: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(obj, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe("config: valid files", () => {
  it("a minimal config parses and gets its defaults", () => {
    const cfg = parseConfig(validConfig(), { env: {} });
    // A feed without its own interval takes node.timing's (the documented 1000 ms).
    expect(cfg.feeds[0].pollIntervalMs).toBeUndefined();
    expect(cfg.node.timing.pollIntervalMs).toBe(1000);
    expect(cfg.node.timing.tickMs).toBe(50);
    expect(cfg.sources).toMatchObject({ timeoutMs: 2_000, maxRetries: 1, concurrency: 32, overrides: {} });
    expect(cfg.node.listen).toEqual({ host: "127.0.0.1", port: 7001 });
    expect(cfg.node.filter).toEqual({ kind: "onnx", modelPath: "models/anomaly-detector.onnx" });
    expect(cfg.sources.rateLimits).toBe("documented");
    expect(cfg.sources.generic[0]).toMatchObject({ id: "fx-rates", timestampUnit: "s", maxAgeMs: 120_000 });
    expect(usedSourceIds(cfg)).toEqual(["binance", "kraken", "okx", "fx-rates"]);
  });

  it("config/local.yaml (simulator) and config/mainnet.yaml (real APIs) parse", () => {
    const local = loadConfig("config/local.yaml", { env: { SIM_PORT: "9999" } });
    expect(local.feeds.map((f) => f.id)).toEqual(["BTC/USD", "ETH/USD", "SOL/USD", "EUR/USD", "BERLIN-TEMP/K", "AAPL/USD"]);
    expect(resolveBaseUrl(local, { id: "kraken" })).toBe("http://127.0.0.1:9999/kraken");
    expect(resolveBaseUrl(local, { id: "open-meteo" })).toBe("http://127.0.0.1:9999/open-meteo");
    const mainnet = loadConfig("config/mainnet.yaml", { env: { RPC_URL: "https://rpc.example.org" } });
    expect(mainnet.node.chain.rpcUrl).toBe("https://rpc.example.org");
    expect(mainnet.node.chain.chainId).toBe(1);
    expect(resolveBaseUrl(mainnet, { id: "kraken" })).toBeUndefined();
  });

  it("base URLs: feed entry, then sources.overrides, then baseUrlTemplate, else the documented URL", () => {
    const c = validConfig();
    c.sources.baseUrlTemplate = "http://127.0.0.1:8089/{id}";
    c.sources.overrides = { okx: { baseUrl: "http://mirror.example.org/" } };
    const cfg = parseConfig(c, { env: {} });
    expect(resolveBaseUrl(cfg, { id: "okx", baseUrl: "http://127.0.0.1:1/x" })).toBe("http://127.0.0.1:1/x");
    expect(resolveBaseUrl(cfg, { id: "okx" })).toBe("http://mirror.example.org");
    expect(resolveBaseUrl(cfg, { id: "binance" })).toBe("http://127.0.0.1:8089/binance");
  });

  it("symbols: the configured one, else the adapter's convention", () => {
    expect(resolveSymbol({ id: "kraken", symbol: "XBTUSD" }, "BTC/USD")).toBe("XBTUSD");
    expect(resolveSymbol({ id: "binance" }, "BTC/USD")).toBe("BTCUSDT");
  });

  it("${VAR} and ${VAR:-default} interpolate; a whole-value reference keeps its YAML type", () => {
    const cfg = parseConfigText(
      [
        "node:",
        "  keystore: { path: '${KEYS}/n.json', passwordEnv: PW }",
        "  chain: { rpcUrl: '${RPC:-http://127.0.0.1:8545}', chainId: '${CHAIN_ID}', aggregator: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }",
        "  api: { enabled: '${API_ON:-false}' }",
        "feeds:",
        "  - { id: X, description: 'cost $${HOME}', decimals: 8, pair: BTC/USD, sources: [{ id: okx }], minSources: 1, deviationThresholdBps: 1, heartbeatSeconds: 60 }",
      ].join("\n"),
      { env: { KEYS: "/etc/keys", CHAIN_ID: "10" } },
    );
    expect(cfg.node.keystore.path).toBe("/etc/keys/n.json");
    expect(cfg.node.chain.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(cfg.node.chain.chainId).toBe(10);
    expect(cfg.node.api.enabled).toBe(false);
    expect(cfg.feeds[0].description).toBe("cost ${HOME}");
  });
});

describe("config: every error names its path and what is wrong", () => {
  const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
    ["unknown key", (c) => (c.feeds[0].heartbeat = 5), /^feeds\[0\]\.heartbeat: unknown key/],
    ["wrong type", (c) => (c.feeds[0].decimals = "8"), /^feeds\[0\]\.decimals: .*expected number/],
    ["out of range", (c) => (c.feeds[0].decimals = 19), /^feeds\[0\]\.decimals: .*<=18/],
    ["missing key", (c) => delete c.feeds[1].heartbeatSeconds, /^feeds\[1\]\.heartbeatSeconds: required \(number\)/],
    ["bad pair", (c) => (c.feeds[0].pair = "btc-usd"), /^feeds\[0\]\.pair: must look like BASE\/QUOTE/],
    ["unknown source", (c) => (c.feeds[0].sources[1].id = "krakken"), /^feeds\[0\]\.sources\[1\]\.id: unknown source "krakken"; known sources: binance/],
    ["source listed twice", (c) => c.feeds[0].sources.push({ id: "binance" }), /^feeds\[0\]\.sources\[3\]\.id: source "binance" is listed twice/],
    ["minSources above the sources", (c) => (c.feeds[0].minSources = 4), /^feeds\[0\]\.minSources: is 4 but the feed lists only 3 source/],
    ["duplicate feed id", (c) => (c.feeds[1].id = "BTC/USD"), /^feeds\[1\]\.id: duplicate feed id "BTC\/USD" \(first at feeds\[0\]\)/],
    ["duplicate feed index", (c) => (c.feeds[1].feedIndex = 0), /^feeds\[1\]\.feedIndex: feed index 0 is already used/],
    ["bounds min >= max", (c) => (c.feeds[0].bounds = { min: "100", max: "10" }), /^feeds\[0\]\.bounds: min \(100\) must be below max \(10\)/],
    ["bounds not a decimal", (c) => (c.feeds[0].bounds = { max: "lots" }), /^feeds\[0\]\.bounds\.max: must be a decimal number/],
    ["no feeds", (c) => (c.feeds = []), /^feeds: needs at least one feed/],
    ["both password sources", (c) => (c.node.keystore.passwordFile = "/run/pw"), /^node\.keystore: set exactly one of passwordEnv/],
    ["no password source", (c) => delete c.node.keystore.passwordEnv, /^node\.keystore: set exactly one of passwordEnv/],
    ["a password in the file", (c) => (c.node.keystore.password = "hunter2"), /^node\.keystore\.password: never put a password in the config/],
    ["a private key in the file", (c) => (c.node.privateKey = "0xabc"), /^node\.privateKey: never put a key or secret/],
    ["password env not a name", (c) => (c.node.keystore.passwordEnv = "hunter 2"), /^node\.keystore\.passwordEnv: must be an environment variable name/],
    ["no contract address", (c) => delete c.node.chain.aggregator, /^node\.chain: set aggregator \(an address\) or addressesFile/],
    ["bad address", (c) => (c.node.chain.aggregator = "0x123"), /^node\.chain\.aggregator: must be a 0x-prefixed 20-byte hex address/],
    ["duplicate peer index", (c) => (c.node.peers[1].index = 0), /^node\.peers\[1\]\.index: peer index 0 is already used by node\.peers\[0\]/],
    ["peer index above the committee limit", (c) => (c.node.peers[1].index = 31), /^node\.peers\[1\]\.index: .*<=30/],
    ["api port = listen port", (c) => (c.node.api = { port: 7001 }), /^node\.api\.port: 7001 is also node\.listen\.port/],
    ["onnx threshold out of (0,1)", (c) => (c.node.filter = { kind: "onnx", threshold: 2 }), /^node\.filter\.threshold: /],
    ["unknown filter", (c) => (c.node.filter = { kind: "magic" }), /^node\.filter\.kind: .*"onnx"\|"mad"\|"none"/],
    ["generic id shadows a venue", (c) => (c.sources.generic[0].id = "binance"), /^sources\.generic\[0\]\.id: "binance" is a built-in source id/],
    ["generic source missing valuePath", (c) => delete c.sources.generic[0].valuePath, /^sources\.generic\[0\]\.valuePath: /],
    ["generic source unknown kind", (c) => (c.sources.generic[0].kind = "xml"), /^sources\.generic\[0\]\.kind: /],
    [
      "override for an unknown source",
      (c) => (c.sources.overrides = { nope: { baseUrl: "http://x.example" } }),
      /^sources\.overrides\.nope: unknown source "nope"/,
    ],
    [
      "baseUrl with a query",
      (c) => (c.feeds[0].sources[0].baseUrl = "http://127.0.0.1:1/?x=1"),
      /^feeds\[0\]\.sources\[0\]\.baseUrl: must be an http\(s\) URL/,
    ],
    [
      "template with another placeholder",
      (c) => (c.sources.baseUrlTemplate = "http://127.0.0.1:1/{venue}"),
      /^sources\.baseUrlTemplate: the only placeholder allowed is \{id\}/,
    ],
  ];

  it.each(cases)("%s", (_name, mutate, expected) => {
    const c = validConfig();
    mutate(c);
    const found = problems(c);
    expect(
      found.some((p) => expected.test(p)),
      found.join("\n"),
    ).toBe(true);
  });

  it("an unset environment variable names the value's path", () => {
    const c = validConfig();
    c.node.chain.rpcUrl = "${RPC_URL}";
    expect(problems(c, {})).toEqual(["node.chain.rpcUrl: environment variable RPC_URL is not set (write ${RPC_URL:-default} for a default)"]);
  });

  it("lists every problem at once, not just the first", () => {
    const c = validConfig();
    c.feeds[0].decimals = -1;
    c.feeds[1].pair = "eur";
    c.node.chain.chainId = 0;
    expect(problems(c)).toHaveLength(3);
  });

  it("cross-field rules are reported together with type errors elsewhere", () => {
    const c = validConfig();
    c.feeds[0].decimals = "8";
    c.feeds[0].minSources = 9;
    c.node.peers[1].index = 0;
    const found = problems(c);
    expect(found).toHaveLength(3);
    expect(found.some((p) => p.startsWith("feeds[0].minSources: is 9"))).toBe(true);
  });

  it("RPC failover: fallbacks default to none, and each endpoint is listed once (http(s) only)", () => {
    const plain = parseConfig(validConfig(), { env: {} });
    expect(plain.node.chain.fallbackRpcUrls).toEqual([]);
    expect(plain.node.chain.rpcHealth).toEqual({ checkIntervalMs: 2_000, maxLagBlocks: 3, recoverChecks: 3, timeoutMs: 5_000 });
    const cfg = validConfig();
    cfg.node.chain.fallbackRpcUrls = ["http://127.0.0.1:8545/", "http://127.0.0.1:8546", "http://127.0.0.1:8546", "ws://127.0.0.1:8547"];
    cfg.node.chain.rpcHealth = { maxLagBlocks: -1, recoverChecks: 0 };
    expect(problems(cfg)).toEqual([
      "node.chain.fallbackRpcUrls[3]: must be an http(s) URL",
      expect.stringMatching(/^node\.chain\.rpcHealth\.maxLagBlocks: /),
      expect.stringMatching(/^node\.chain\.rpcHealth\.recoverChecks: /),
      "node.chain.fallbackRpcUrls[0]: is the primary rpcUrl again",
      "node.chain.fallbackRpcUrls[2]: http://127.0.0.1:8546 is already node.chain.fallbackRpcUrls[1]",
    ]);
  });

  it("any malformed document ends as a ConfigError, never another exception", () => {
    const junk: unknown[] = [
      null,
      0,
      "x",
      [],
      true,
      { node: null },
      { feeds: "x" },
      { feeds: [null, 1, "a"] },
      { sources: { generic: [null, 3], overrides: [] } },
      { node: { peers: [null, { index: "a" }], keystore: 1, chain: [] } },
    ];
    const base = JSON.stringify(validConfig());
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values: unknown[] = [null, -1, 0, 1e308, "", "x", [], {}, [null], { id: 1 }, true, "${NOPE}", "0x", 1.5];
    for (let n = 0; n < 1_000; n++) {
      const obj = JSON.parse(base) as Record<string, unknown>;
      // Overwrite one random node of the tree with a random value.
      let at: Record<string, unknown> = obj;
      for (let depth = 0; depth < 4; depth++) {
        const keys = Object.keys(at);
        const k = keys[Math.floor(rand() * keys.length)];
        if (depth === 3 || at[k] === null || typeof at[k] !== "object" || rand() < 0.3) {
          at[k] = values[Math.floor(rand() * values.length)];
          break;
        }
        at = at[k] as Record<string, unknown>;
      }
      junk.push(obj);
    }
    for (const j of junk) {
      try {
        parseConfig(j, { env: {} });
      } catch (err) {
        expect(err, JSON.stringify(j).slice(0, 200)).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).issues.length).toBeGreaterThan(0);
      }
    }
  });

  it("YAML syntax errors give a line and column", () => {
    expect(() => parseConfigText("node:\n  keystore: [unclosed\n", { env: {} })).toThrow(/YAML line \d+ column \d+/);
    expect(() => parseConfigText("a: 1\na: 2\n", { env: {} })).toThrow(/YAML/);
    expect(() => parseConfigText("- just\n- a list\n", { env: {} })).toThrow(/must hold a YAML mapping/);
  });

  it("a missing file is one clear problem", () => {
    expect(() => loadConfig("/nonexistent/node.yaml")).toThrow(/\/nonexistent\/node\.yaml: 1 problem.*\n.*cannot read the file: ENOENT/);
  });

  it("formatConfigErrors prints one indented line per problem", () => {
    expect(
      formatConfigErrors([
        { path: "feeds[0].id", message: "bad" },
        { path: "", message: "whole" },
      ]),
    ).toBe("  feeds[0].id: bad\n  (file): whole");
  });
});

describe("quoteConversion", () => {
  it("accepts a rate that names a feed CURRENCY/QUOTE, and reads quoteCurrency per source", () => {
    const c = validConfig();
    c.quoteConversion = { rates: { EUR: "EUR/USD" } };
    c.feeds[0].sources[0].quoteCurrency = "USDT";
    const cfg = parseConfig(c, { env: {} });
    expect(cfg.quoteConversion).toEqual({ rates: { EUR: "EUR/USD" }, minRateSources: 3, maxRateDispersionBps: 50 });
    expect(cfg.feeds[0].sources[0].quoteCurrency).toBe("USDT");
  });

  it("rejects a rate naming no feed, a feed of another base, a chained rate and a lower-case currency", () => {
    const c = validConfig();
    c.quoteConversion = { rates: { USDT: "USDT/USD", USDC: "BTC/USD" } };
    expect(problems(c)).toEqual([
      'quoteConversion.rates.USDT: names no feed of this file: "USDT/USD"',
      'quoteConversion.rates.USDC: feed "BTC/USD" has pair "BTC/USD"; a USDC rate needs a pair USDC/QUOTE',
    ]);
    const chained = validConfig();
    chained.quoteConversion = { rates: { EUR: "EUR/USD", USD: "EUR/USD" } };
    expect(problems(chained).join("\n")).toMatch(/rates do not chain/);
    const lower = validConfig();
    lower.feeds[0].sources[0].quoteCurrency = "usdt";
    expect(problems(lower).join("\n")).toMatch(/quoteCurrency: must be a currency ticker/);
  });
});
