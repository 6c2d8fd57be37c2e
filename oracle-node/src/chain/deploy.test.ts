import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, JsonRpcProvider, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { assetId, attach, deployFeeds, DeployError, readConfig, setConfig, addFeed, type Deployment } from "./deploy";
import { ArtifactError, loadArtifact } from "./artifacts";
import { computeConfigDigest, encodeReport, signReportBy } from "../protocol/report";

// deployFeeds against a real JSON-RPC endpoint (Hardhat's node on 127.0.0.1, port 0).
let chain: LocalChain;
let provider: JsonRpcProvider;
let deployer: Wallet;
let deployment: Deployment;
const signers = Array.from({ length: 4 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`deploy-test/${i}`))));

beforeAll(async () => {
  chain = await startLocalChain({ compile: false });
  provider = new JsonRpcProvider(chain.url, chain.chainId, { cacheTimeout: -1 });
  deployer = new Wallet(chain.accounts[0], provider);
  deployment = await deployFeeds(deployer, {
    feeds: [
      { description: "ETH / USD", decimals: 8, base: "ETH", quote: "USD", heartbeatSeconds: 600 },
      { description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD", minAnswer: 1n, maxAnswer: 10n ** 15n },
    ],
    signers: signers.map((s) => s.address),
    transmitters: [deployer.address, ...signers.slice(1).map((s) => s.address)],
    f: 1,
    offchainConfig: "0xabcd",
    withConsumer: true,
  });
}, 120_000);

afterAll(async () => {
  await chain?.close();
});

describe("deployFeeds", () => {
  it("deploys the aggregator, one proxy per feed, the registry and the consumer, and sets the config", async () => {
    expect(deployment.chainId).toBe(BigInt(chain.chainId));
    expect(deployment.feeds.map((f) => [f.feedIndex, f.description, f.aggregator])).toEqual([
      [0, "ETH / USD", deployment.aggregator],
      [1, "BTC / USD", deployment.aggregator],
    ]);
    expect(deployment.configDigest).toBe(
      computeConfigDigest({
        chainId: deployment.chainId,
        contractAddress: deployment.aggregator,
        configCount: 1,
        signers: signers.map((s) => s.address),
        transmitters: [deployer.address, ...signers.slice(1).map((s) => s.address)],
        f: 1,
        offchainConfig: "0xabcd",
      }),
    );
    const registry = attach("FeedRegistry", deployment.registry, deployer);
    expect(await registry.getFeed("BTC", "USD")).toBe(deployment.feeds[1].proxy);
    const proxy = attach("FeedProxy", deployment.feeds[1].proxy, deployer);
    expect(await proxy.description()).toBe("BTC / USD");
    const agg = attach("QuorumAggregator", deployment.aggregator, deployer);
    expect(await agg.feedInfo(1)).toEqual([8n, "BTC / USD", 1n, 10n ** 15n]);
    const consumer = attach("LendingConsumer", deployment.consumer!, deployer);
    const cfg = await consumer.s_assets(assetId("ETH"));
    expect([cfg[0], cfg[1]]).toEqual([deployment.feeds[0].proxy, 600n]);
  });

  it("produces a feed the committee can update through plain ethers", async () => {
    const agg = attach("QuorumAggregator", deployment.aggregator, deployer);
    const block = await provider.getBlock("latest");
    const report = encodeReport({
      configDigest: deployment.configDigest,
      epoch: 1,
      round: 1,
      observationsTimestamp: block!.timestamp,
      feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: [3000_00000000n, 3001_00000000n, 3002_00000000n] }],
    });
    const sigs = signReportBy(report, { chainId: deployment.chainId, verifyingContract: deployment.aggregator }, [
      { signerIndex: 2, key: signers[2] },
      { signerIndex: 0, key: signers[0] },
    ]);
    await (await agg.transmit(report, sigs)).wait();
    const proxy = attach("FeedProxy", deployment.feeds[0].proxy, deployer);
    const [roundId, answer] = await proxy.latestRoundData();
    expect([roundId, answer]).toEqual([(1n << 64n) | 1n, 3001_00000000n]);
  });

  it("adds feeds and rotates the config with the helpers", async () => {
    const agg = attach("QuorumAggregator", deployment.aggregator, deployer);
    expect(await addFeed(agg, { decimals: 18, description: "ETH / BTC" })).toBe(2);
    const before = await readConfig(agg);
    const after = await setConfig(
      agg,
      signers.map((s) => s.address),
      signers.map((s) => s.address),
      1,
    );
    expect(after.configCount).toBe(before.configCount + 1);
    expect(after.configDigest).not.toBe(before.configDigest);
  });

  it("rejects bad options before sending anything", async () => {
    const base = {
      feeds: [{ description: "X", decimals: 8, base: "X", quote: "USD" }],
      signers: signers.map((s) => s.address),
      transmitters: signers.map((s) => s.address),
      f: 1,
    };
    const nonce = await provider.getTransactionCount(deployer.address);
    await expect(deployFeeds(deployer, { ...base, f: 2 })).rejects.toThrow(DeployError);
    await expect(deployFeeds(deployer, { ...base, transmitters: [] })).rejects.toThrow(/transmitters/);
    await expect(deployFeeds(deployer, { ...base, signers: [] })).rejects.toThrow(/signers/);
    await expect(deployFeeds(deployer, { ...base, feeds: [] })).rejects.toThrow(/feeds/);
    await expect(deployFeeds(deployer, { ...base, feeds: [{ ...base.feeds[0], decimals: 19 }] })).rejects.toThrow(/decimals/);
    await expect(deployFeeds(deployer, { ...base, feeds: [{ ...base.feeds[0], base: "" }] })).rejects.toThrow(/base and quote/);
    await expect(deployFeeds(deployer, { ...base, feeds: [{ ...base.feeds[0], minAnswer: 5n, maxAnswer: 5n }] })).rejects.toThrow(/bounds/);
    expect(await provider.getTransactionCount(deployer.address)).toBe(nonce);
    expect(() => assetId("x".repeat(33))).toThrow(/longer than 32 bytes/);
  });
});

describe("loadArtifact", () => {
  it("loads ABI and bytecode and tells to compile when missing", () => {
    const a = loadArtifact("QuorumAggregator");
    // Creation code: hex bytes, starting with the free-memory-pointer set-up (PUSH1/PUSH2 ... PUSH1 0x40 MSTORE).
    expect(a.bytecode).toMatch(/^0x(?:6080|6[01][0-9a-f]{2,4})604052(?:[0-9a-f]{2})+$/);
    expect(new Contract(deployer.address, a.abi).interface.getFunction("transmit")).not.toBeNull();
    expect(() => loadArtifact("FeedProxy", "/nonexistent/artifacts")).toThrow(ArtifactError);
    expect(() => loadArtifact("FeedProxy", "/nonexistent/artifacts")).toThrow(/npx hardhat compile/);
  });
});
