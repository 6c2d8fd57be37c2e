import { describe, expect, it } from "vitest";
import { parseConfig } from "../../oracle-node/src/config";
import { addressesJson, feedSpecsFromConfig, maxFaulty, parseAddressList } from "../../oracle-node/src/deploy/from-config";
import { readAddressesFile } from "../../oracle-node/src/node/from-config";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function config(feeds: Array<Record<string, unknown>>) {
  return parseConfig({
    version: 1,
    node: { keystore: { path: "k.json", passwordEnv: "PW" }, chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, addressesFile: "a.json" } },
    feeds: feeds.map((f) => ({
      description: "d",
      decimals: 8,
      sources: [{ id: "binance" }],
      minSources: 1,
      deviationThresholdBps: 50,
      heartbeatSeconds: 60,
      ...f,
    })),
  });
}

describe("deploy from a node config", () => {
  it("turns feeds into specs in feed-index order with bounds in feed units", () => {
    const cfg = config([
      { id: "ETH/USD", pair: "ETH/USD", feedIndex: 1, decimals: 8 },
      { id: "BTC/USD", pair: "BTC/USD", feedIndex: 0, decimals: 8, bounds: { min: "0.5", max: "10000000" }, heartbeatSeconds: 120 },
    ]);
    const specs = feedSpecsFromConfig(cfg);
    expect(specs.map((s) => `${s.base}/${s.quote}`)).toEqual(["BTC/USD", "ETH/USD"]);
    expect(specs[0]).toMatchObject({ minAnswer: 50_000_000n, maxAnswer: 1_000_000_000_000_000n, heartbeatSeconds: 120 });
    expect(specs[1].minAnswer).toBeUndefined();
  });

  it("refuses feed indices with a gap, since deploy creates feeds at 0..n-1", () => {
    const cfg = config([{ id: "BTC/USD", pair: "BTC/USD", feedIndex: 2 }]);
    expect(() => feedSpecsFromConfig(cfg)).toThrow(/feed BTC\/USD has feedIndex 2/);
  });

  it("parses committee address lists and names the bad entry", () => {
    expect(parseAddressList(" 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 ,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "--signers")).toEqual([
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    ]);
    expect(() => parseAddressList("0x70997970c51812dc3a010c7d01b50e0d17dc79c8,0x1234", "--signers")).toThrow("--signers: entry 2 (0x1234) is not an address");
    expect(() => parseAddressList(" , ", "--signers")).toThrow(/no addresses/);
  });

  it("picks the largest f with 3f < n", () => {
    expect([1, 3, 4, 6, 7, 31].map(maxFaulty)).toEqual([0, 0, 1, 1, 2, 10]);
  });

  it("writes an addresses file the node reads back", () => {
    const json = addressesJson(
      {
        aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        feeds: [
          {
            description: "BTC / USD",
            base: "BTC",
            quote: "USD",
            decimals: 8,
            feedIndex: 0,
            aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            proxy: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
          },
        ],
        registry: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
        configDigest: "0x" + "01".repeat(32),
        configCount: 1,
        chainId: 31337n,
        configBlockNumber: 3,
      },
      ["BTC/USD"],
    );
    expect(json.chainId).toBe(31337);
    expect(json.consumer).toBeNull();
    const path = join(mkdtempSync(join(tmpdir(), "addr-")), "a.json");
    writeFileSync(path, JSON.stringify(json));
    const back = readAddressesFile(path);
    expect(back.aggregator).toBe(json.aggregator);
    expect(back.feeds?.[0]).toMatchObject({ feedIndex: 0, proxy: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" });
  });
});
