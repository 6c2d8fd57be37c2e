import { describe, expect, it } from "vitest";
import { summaryLine } from "../../scripts/demo/summary";
import { secondChainEntry, SECOND_CHAIN_ID, type SecondChain } from "../../scripts/demo/second-chain";
import { nodeConfig } from "../../scripts/demo/nodes";
import { genericSourceDefinitions } from "../../scripts/demo/plan";
import { REPO_ROOT } from "../../scripts/demo/run";
import { parseConfig } from "../../oracle-node/src/config";
import { chainInstances } from "../../oracle-node/src/config/chain-instances";
import type { LocalChain } from "../../scripts/demo/chain";
import type { Simulator } from "../../oracle-node/src/simulator/simulator";

const ids = [0, 1, 2, 3].map((i) => ({
  name: `node-${i + 1}`,
  address: "0x" + String(i + 1).repeat(40),
  keystore: `/k/${i}.json`,
  passwordFile: `/k/${i}.pw`,
}));
const second = {
  chain: { url: "http://127.0.0.1:9002", chainId: SECOND_CHAIN_ID, close: async () => undefined },
  peerPorts: [9101, 9102, 9103, 9104],
  apiPorts: [9201, 9202, 9203, 9204],
  addressesFile: "/d/addresses.b.json",
} as unknown as SecondChain;

describe("demo --chains 2", () => {
  it("gives each node a config with a second chain instance the node accepts: own ports, database and addresses, every feed", () => {
    const generic = genericSourceDefinitions(REPO_ROOT, ["frankfurter", "open-er-api", "open-meteo"]);
    const chain = { url: "http://127.0.0.1:9001", chainId: 31337, accounts: [], close: async () => undefined } as LocalChain;
    const sim = { url: "http://127.0.0.1:9000" } as Simulator;
    const base = nodeConfig(ids[1], 1, {
      dir: "/d",
      repoRoot: REPO_ROOT,
      chain,
      sim,
      peerPorts: [9301, 9302, 9303, 9304],
      apiPort: 9401,
      heartbeatSeconds: 6,
      generic,
      addressesFile: "/d/addresses.json",
      filter: "mad",
    });
    const cfg = parseConfig({ ...base, chains: [secondChainEntry(second, ids[1], 1, "/d")] });
    const [a, b] = chainInstances(cfg);
    expect(b.chainName).toBe("b");
    expect(b.config.node.chain).toMatchObject({ chainId: SECOND_CHAIN_ID, rpcUrl: "http://127.0.0.1:9002", addressesFile: "/d/addresses.b.json" });
    expect(b.config.node.listen.port).toBe(9102);
    expect(b.config.node.peers.map((p) => p.url)).toEqual(["http://127.0.0.1:9101", "http://127.0.0.1:9103", "http://127.0.0.1:9104"]);
    expect(b.config.node.database.path).not.toBe(a.config.node.database.path);
    expect(b.config.feeds.map((f) => f.id)).toEqual(a.config.feeds.map((f) => f.id));
    expect(b.config.node.keystore).toEqual(a.config.node.keystore);
  });

  it("lists every chain in the headless summary only when there are more than one", () => {
    const feeds = [{ id: "BTC/USD", rounds: 3, answer: "1", fair: "1", dropped: {} }];
    const one = [{ chainId: 31337, feeds: [{ id: "BTC/USD", rounds: 3, answer: "1" }] }];
    expect(JSON.parse(summaryLine(feeds, one))).not.toHaveProperty("chains");
    const two = [...one, { chainId: SECOND_CHAIN_ID, feeds: [{ id: "BTC/USD", rounds: 4, answer: "2" }] }];
    expect((JSON.parse(summaryLine(feeds, two)) as { chains: unknown }).chains).toEqual(two);
  });
});
