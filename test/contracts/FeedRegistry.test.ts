import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256 } from "ethers";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport } from "./helpers/committee";

async function fixture() {
  const [owner, stranger] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(4, 1, owner.address, "registry"), [
    { description: "ETH / USD" },
    { decimals: 18, description: "BTC / ETH" },
  ]);
  const eth = await deployProxy(owner, d.address, 0);
  const btc = await deployProxy(owner, d.address, 1);
  const registry = await (await ethers.getContractFactory("FeedRegistry", owner)).deploy(owner.address);
  return { owner, stranger, d, eth, btc, registry };
}

describe("FeedRegistry", () => {
  it("maps pairs to proxies and forwards reads", async () => {
    const { d, eth, btc, registry } = await loadFixture(fixture);
    const ethAddress = await eth.getAddress();
    await expect(registry.setFeed("ETH", "USD", ethAddress))
      .to.emit(registry, "FeedSet")
      .withArgs("ETH", "USD", ethers.ZeroAddress, ethAddress);
    await registry.setFeed("BTC", "ETH", await btc.getAddress());
    expect(await registry.getFeed("ETH", "USD")).to.equal(ethAddress);
    expect(await registry.hasFeed("ETH", "USD")).to.equal(true);
    expect(await registry.hasFeed("USD", "ETH")).to.equal(false);
    expect(await registry.decimals("BTC", "ETH")).to.equal(18n);
    const r = signedReport(d, { configDigest: d.configDigest, epoch: 1, round: 0, observationsTimestamp: await now(), feeds: [feedEntry(0, [3n, 4n, 5n])] });
    await d.aggregator.transmit(r.report, r.signatures);
    const [roundId, answer] = await registry.latestRoundData("ETH", "USD");
    expect([roundId, answer]).to.deep.equal([(1n << 64n) | 1n, 4n]);
    expect(await registry.pairKey("ETH", "USD")).to.equal(keccak256(AbiCoder.defaultAbiCoder().encode(["string", "string"], ["ETH", "USD"])));
    expect(await registry.typeAndVersion()).to.equal("FeedRegistry 1.0.0");
  });

  it("replaces and removes feeds, and lists the live pairs", async () => {
    const { eth, btc, registry } = await loadFixture(fixture);
    const [ethAddress, btcAddress] = [await eth.getAddress(), await btc.getAddress()];
    await registry.setFeed("ETH", "USD", ethAddress);
    await registry.setFeed("BTC", "ETH", btcAddress);
    await expect(registry.setFeed("ETH", "USD", btcAddress))
      .to.emit(registry, "FeedSet")
      .withArgs("ETH", "USD", ethAddress, btcAddress);
    expect(await registry.getPairs()).to.deep.equal([
      ["ETH", "BTC"],
      ["USD", "ETH"],
      [btcAddress, btcAddress],
    ]);
    await registry.setFeed("ETH", "USD", ethers.ZeroAddress);
    expect(await registry.getPairs()).to.deep.equal([["BTC"], ["ETH"], [btcAddress]]);
    await expect(registry.getFeed("ETH", "USD")).to.be.revertedWithCustomError(registry, "FeedNotFound").withArgs("ETH", "USD");
    await expect(registry.latestRoundData("ETH", "USD")).to.be.revertedWithCustomError(registry, "FeedNotFound");
    await registry.setFeed("ETH", "USD", ethAddress);
    expect((await registry.getPairs())[0]).to.deep.equal(["ETH", "BTC"]);
  });

  it("rejects empty symbols and strangers", async () => {
    const { eth, registry, stranger } = await loadFixture(fixture);
    const a = await eth.getAddress();
    await expect(registry.setFeed("", "USD", a)).to.be.revertedWithCustomError(registry, "EmptySymbol");
    await expect(registry.setFeed("ETH", "", a)).to.be.revertedWithCustomError(registry, "EmptySymbol");
    await expect(registry.connect(stranger).setFeed("ETH", "USD", a)).to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount");
  });
});
