/**
 * Real consumer logic of protocols that read Chainlink feeds (minimal ports in contracts/test/),
 * run against our feeds through FeedProxy: Liquity v1's PriceFeed checks (with
 * getRoundData(roundId - 1)), Aave v3's AaveOracle read, Compound III's price feed checks.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport, type Deployed } from "../helpers/committee";

const USD = (v: number) => BigInt(Math.round(v * 1e8));
let epoch = 1;
async function push(d: Deployed, feed: number, answer: bigint) {
  const r = signedReport(d, {
    configDigest: d.configDigest,
    epoch: epoch++,
    round: 0,
    observationsTimestamp: await now(),
    feeds: [feedEntry(feed, [answer, answer, answer])],
  });
  await (await d.aggregator.transmit(r.report, r.signatures)).wait();
}

async function fixture() {
  const [owner] = await ethers.getSigners();
  const committee = makeCommittee(4, 1, owner.address, "consumers");
  // Feed 1 so the feed index is part of every aggregator round id behind the proxy.
  const d = await deployAggregator(owner, committee, [
    { decimals: 18, description: "BTC / ETH" },
    { decimals: 8, description: "ETH / USD" },
  ]);
  const proxy = await deployProxy(owner, d.address, 1);
  const proxyAddress = await proxy.getAddress();
  const liquity = await (await ethers.getContractFactory("LiquityPriceFeedPort", owner)).deploy(proxyAddress);
  return { owner, committee, d, proxy, proxyAddress, liquity };
}

describe("Consumer ports against our feeds through FeedProxy", () => {
  describe("Liquity v1 PriceFeed (broken / frozen / 50 % checks)", () => {
    it("is broken with a single round (no previous round to compare), working from the second", async () => {
      const { d, liquity } = await loadFixture(fixture);
      expect(await liquity.check()).to.deep.equal([true, false, false, 0n]);
      await push(d, 1, USD(3000));
      expect((await liquity.check())[0]).to.equal(true);
      await push(d, 1, USD(3100));
      expect(await liquity.check()).to.deep.equal([false, false, false, 3100n * 10n ** 18n]);
    });

    it("is frozen after 4 hours without an update, and flags a > 50 % move between consecutive rounds", async () => {
      const { d, liquity } = await loadFixture(fixture);
      await push(d, 1, USD(3000));
      await push(d, 1, USD(3000));
      await time.increase(14400 + 1);
      expect((await liquity.check()).slice(0, 2)).to.deep.equal([false, true]);
      await push(d, 1, USD(1400));
      expect(await liquity.check()).to.deep.equal([false, false, true, 1400n * 10n ** 18n]);
    });

    it("after a phase change: broken (not a revert) until the new phase has two rounds, then working", async () => {
      const { owner, committee, d, proxy, liquity } = await loadFixture(fixture);
      await push(d, 1, USD(3000));
      await push(d, 1, USD(3000));
      const d2 = await deployAggregator(owner, committee, [{ decimals: 8, description: "ETH / USD" }]);
      await proxy.proposeAggregator(d2.address, 0);
      await proxy.confirmAggregator(d2.address);
      // latestRoundData now returns roundId 2 << 64: roundId - 1 is phase 1's highest id, no round.
      expect((await proxy.latestRoundData())[0]).to.equal(2n << 64n);
      expect((await liquity.check())[0]).to.equal(true);
      await push(d2, 0, USD(3050));
      expect((await liquity.check())[0]).to.equal(true);
      await push(d2, 0, USD(3060));
      expect(await liquity.check()).to.deep.equal([false, false, false, 3060n * 10n ** 18n]);
    });
  });

  describe("Aave v3 AaveOracle.getAssetPrice", () => {
    it("reads latestAnswer through the proxy and falls back when the answer is not positive", async () => {
      const { owner, d, proxyAddress } = await loadFixture(fixture);
      const fallback = await (await ethers.getContractFactory("FixedPriceOracle", owner)).deploy(USD(1));
      const weth = ethers.Wallet.createRandom().address;
      const oracle = await (
        await ethers.getContractFactory("AaveOracleReadPort", owner)
      ).deploy([weth], [proxyAddress], await fallback.getAddress(), ethers.ZeroAddress, 10n ** 8n);
      expect(await oracle.getAssetPrice(weth)).to.equal(USD(1)); // no answer yet
      await push(d, 1, USD(3000));
      expect(await oracle.getAssetPrice(weth)).to.equal(USD(3000));
      await push(d, 1, -5n);
      expect(await oracle.getAssetPrice(weth)).to.equal(USD(1));
      expect(await oracle.getAssetPrice(ethers.ZeroAddress)).to.equal(10n ** 8n);
    });
  });

  describe("Compound III Comet price feed checks", () => {
    it("accepts an 8-decimal feed, refuses another, and refuses non-positive prices", async () => {
      const { owner, d, proxyAddress } = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("CometPriceFeedPort", owner);
      const comet = await factory.deploy(proxyAddress);
      await expect(comet.getPrice(proxyAddress)).to.be.revertedWithCustomError(comet, "BadPrice");
      await push(d, 1, USD(3000));
      expect(await comet.getPrice(proxyAddress)).to.equal(USD(3000));
      await push(d, 1, 0n);
      await expect(comet.getPrice(proxyAddress)).to.be.revertedWithCustomError(comet, "BadPrice");
      const btcEth = await deployProxy(owner, d.address, 0); // 18 decimals
      await expect(factory.deploy(await btcEth.getAddress())).to.be.revertedWithCustomError(comet, "BadDecimals");
    });
  });
});
