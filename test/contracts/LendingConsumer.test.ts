import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { assetId } from "../../oracle-node/src/chain/deploy";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport, type Deployed } from "./helpers/committee";

const ETH = assetId("ETH");
const HEARTBEAT = 3600;
const MAX_CONFIDENCE_BPS = 100; // 1 %
const COLLATERAL_FACTOR_BPS = 7500;

const BTC = assetId("BTC");
const SATURATED = (1n << 72n) - 1n;

let epoch = 1;
async function price(d: Deployed, observations: bigint[], feed = 0) {
  const r = signedReport(d, {
    configDigest: d.configDigest,
    epoch: epoch++,
    round: 0,
    observationsTimestamp: await now(),
    feeds: [feedEntry(feed, observations)],
  });
  await (await d.aggregator.transmit(r.report, r.signatures)).wait();
}

async function fixture() {
  const [owner, user, stranger] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(4, 1, owner.address, "lending"), [
    { decimals: 8, description: "ETH / USD" },
    { decimals: 8, description: "BTC / USD" },
  ]);
  const proxy = await deployProxy(owner, d.address, 0);
  const btcProxy = await deployProxy(owner, d.address, 1);
  const consumer = await (await ethers.getContractFactory("LendingConsumer", owner)).deploy(owner.address);
  await consumer.configureAsset(ETH, await proxy.getAddress(), HEARTBEAT, MAX_CONFIDENCE_BPS, COLLATERAL_FACTOR_BPS);
  return { owner, user, stranger, d, proxy, btcProxy, consumer };
}

describe("LendingConsumer (example)", () => {
  it("values collateral at a fresh, positive, tight price and lends up to the collateral factor", async () => {
    const { d, consumer, user } = await loadFixture(fixture);
    await price(d, [2999_00000000n, 3000_00000000n, 3001_00000000n]);
    expect(await consumer.price(ETH)).to.deep.equal([3000_00000000n, 8n]);
    expect(await consumer.collateralValue(ETH, 2n * 10n ** 18n)).to.equal(6000n * 10n ** 18n);
    await expect(consumer.connect(user).depositCollateral(ETH, 10n ** 18n)).to.emit(consumer, "CollateralDeposited");
    await consumer.connect(user).depositCollateral(ETH, 10n ** 18n);
    expect(await consumer.borrowingPower(user.address)).to.equal(4500n * 10n ** 18n);
    await expect(consumer.connect(user).borrow(4000n * 10n ** 18n))
      .to.emit(consumer, "Borrowed")
      .withArgs(user.address, 4000n * 10n ** 18n, 4000n * 10n ** 18n);
    await expect(consumer.connect(user).borrow(501n * 10n ** 18n))
      .to.be.revertedWithCustomError(consumer, "InsufficientCollateral")
      .withArgs(501n * 10n ** 18n, 500n * 10n ** 18n);
  });

  it("rejects a feed with no answer yet and a stale answer (per-feed heartbeat)", async () => {
    const { d, consumer } = await loadFixture(fixture);
    await expect(consumer.price(ETH)).to.be.revertedWithCustomError(consumer, "StalePrice").withArgs(ETH, 0, HEARTBEAT);
    await price(d, [3000n, 3000n, 3000n]);
    await time.increase(HEARTBEAT + 1);
    await expect(consumer.price(ETH)).to.be.revertedWithCustomError(consumer, "StalePrice");
  });

  it("rejects non-positive answers", async () => {
    const { d, consumer } = await loadFixture(fixture);
    await price(d, [-2n, 0n, 1n]);
    await expect(consumer.price(ETH)).to.be.revertedWithCustomError(consumer, "NonPositivePrice").withArgs(ETH, 0n);
    await price(d, [-9n, -5n, -1n]);
    await expect(consumer.price(ETH)).to.be.revertedWithCustomError(consumer, "NonPositivePrice").withArgs(ETH, -5n);
  });

  it("rejects a price whose confidence is wider than the asset's limit", async () => {
    const { d, consumer, user } = await loadFixture(fixture);
    // Half the IQR is 50 on a price of 3000: 1.67 % > 1 %.
    await price(d, [2950n, 3000n, 3050n]);
    await expect(consumer.price(ETH)).to.be.revertedWithCustomError(consumer, "LowConfidence").withArgs(ETH, 50n, 3000n, MAX_CONFIDENCE_BPS);
    await consumer.connect(user).depositCollateral(ETH, 10n ** 18n);
    // The refused collateral lends nothing, without reverting.
    expect(await consumer.borrowingPower(user.address)).to.equal(0n);
    await expect(consumer.connect(user).borrow(1n)).to.be.revertedWithCustomError(consumer, "InsufficientCollateral").withArgs(1n, 0n);
  });

  it("refuses a zero deposit, so one deposit is counted once (no repeated entries, no multiplied power)", async () => {
    const { d, consumer, user } = await loadFixture(fixture);
    await price(d, [3000n * 10n ** 8n, 3000n * 10n ** 8n, 3000n * 10n ** 8n]);
    // Zero deposits before the first real one used to register the asset once each (10x power).
    for (let i = 0; i < 9; i++) {
      await expect(consumer.connect(user).depositCollateral(ETH, 0n)).to.be.revertedWithCustomError(consumer, "ZeroDeposit").withArgs(ETH);
    }
    await consumer.connect(user).depositCollateral(ETH, 10n ** 18n);
    expect(await consumer.borrowingPower(user.address)).to.equal(2250n * 10n ** 18n);
    await expect(consumer.connect(user).depositCollateral(ETH, 0n)).to.be.revertedWithCustomError(consumer, "ZeroDeposit");
    await consumer.connect(user).depositCollateral(ETH, 10n ** 18n);
    expect(await consumer.borrowingPower(user.address)).to.equal(4500n * 10n ** 18n);
    await expect(consumer.connect(user).borrow(4501n * 10n ** 18n)).to.be.revertedWithCustomError(consumer, "InsufficientCollateral");
  });

  it("treats a saturated confidence (2^72-1) as the lowest confidence, with its own error", async () => {
    const { d, proxy, consumer } = await loadFixture(fixture);
    // One faulty observer far out on each side of an honest 3000: the spread saturates.
    await price(d, [-(1n << 100n), 3000n * 10n ** 8n, 1n << 100n]);
    expect((await proxy.latestConfidence())[1]).to.equal(SATURATED);
    await expect(consumer.price(ETH)).to.be.revertedWithCustomError(consumer, "ConfidenceSaturated").withArgs(ETH);
  });

  it("does not brick when faulty observers saturate one feed's confidence: the other collateral still lends", async () => {
    const { d, btcProxy, consumer, user } = await loadFixture(fixture);
    await consumer.configureAsset(BTC, await btcProxy.getAddress(), HEARTBEAT, MAX_CONFIDENCE_BPS, COLLATERAL_FACTOR_BPS);
    await price(d, [3000n * 10n ** 8n, 3000n * 10n ** 8n, 3000n * 10n ** 8n], 0);
    await price(d, [90_000n * 10n ** 8n, 90_000n * 10n ** 8n, 1n << 100n], 1);
    await consumer.connect(user).depositCollateral(ETH, 10n ** 18n);
    await consumer.connect(user).depositCollateral(BTC, 10n ** 18n);
    await expect(consumer.price(BTC)).to.be.revertedWithCustomError(consumer, "ConfidenceSaturated");
    expect(await consumer.borrowingPower(user.address)).to.equal(2250n * 10n ** 18n);
    await expect(consumer.connect(user).borrow(2250n * 10n ** 18n)).to.emit(consumer, "Borrowed");
    // The feed recovers: BTC counts again.
    await price(d, [90_000n * 10n ** 8n, 90_000n * 10n ** 8n, 90_000n * 10n ** 8n], 1);
    expect(await consumer.borrowingPower(user.address)).to.equal(67_500n * 10n ** 18n);
  });

  it("with f faulty observers collapsing confidence to 0, still prices at a median inside the honest range", async () => {
    const [owner, user] = await ethers.getSigners();
    // n = 7, f = 2, 2f+1 = 5 observations: honest 2900, 3000, 3100 (1.67 % half-IQR on their own);
    // the two faulty observers report 3000 twice, so the quartiles meet: confidence 0.
    const d7 = await deployAggregator(owner, makeCommittee(7, 2, owner.address, "lending7"), [{ decimals: 8, description: "ETH / USD" }]);
    const proxy7 = await deployProxy(owner, d7.address, 0);
    const consumer = await (await ethers.getContractFactory("LendingConsumer", owner)).deploy(owner.address);
    await consumer.configureAsset(ETH, await proxy7.getAddress(), HEARTBEAT, MAX_CONFIDENCE_BPS, COLLATERAL_FACTOR_BPS);
    await price(d7, [2900n, 3000n, 3000n, 3000n, 3100n]);
    expect((await proxy7.latestConfidence())[1]).to.equal(0n);
    const [answer] = await consumer.price(ETH);
    expect(answer >= 2900n && answer <= 3100n).to.equal(true);
    await consumer.connect(user).depositCollateral(ETH, 10n ** 26n);
    expect(await consumer.borrowingPower(user.address)).to.equal(2250n * 10n ** 18n);
  });

  it("rejects unknown assets, bad configs, strangers, and mismatched price/confidence rounds", async () => {
    const { consumer, stranger, owner } = await loadFixture(fixture);
    await expect(consumer.price(BTC)).to.be.revertedWithCustomError(consumer, "UnknownAsset").withArgs(BTC);
    await expect(consumer.depositCollateral(BTC, 1n)).to.be.revertedWithCustomError(consumer, "UnknownAsset");
    await expect(consumer.configureAsset(BTC, ethers.ZeroAddress, 0, 100, 100)).to.be.revertedWithCustomError(consumer, "InvalidAssetConfig");
    await expect(consumer.configureAsset(BTC, ethers.ZeroAddress, 60, 10_001, 100)).to.be.revertedWithCustomError(consumer, "InvalidAssetConfig");
    await expect(consumer.configureAsset(BTC, ethers.ZeroAddress, 60, 100, 10_001)).to.be.revertedWithCustomError(consumer, "InvalidAssetConfig");
    await expect(consumer.connect(stranger).configureAsset(BTC, ethers.ZeroAddress, 60, 100, 100)).to.be.revertedWithCustomError(
      consumer,
      "OwnableUnauthorizedAccount",
    );
    const mismatched = await (await ethers.getContractFactory("MismatchedProxy", owner)).deploy();
    await consumer.configureAsset(BTC, await mismatched.getAddress(), 60, 100, 100);
    await expect(consumer.price(BTC)).to.be.revertedWithCustomError(consumer, "RoundMismatch").withArgs(2, 1);
  });

  it("lends nothing when debt already exceeds the (fallen) collateral value", async () => {
    const { d, consumer, user } = await loadFixture(fixture);
    await price(d, [3000n, 3000n, 3000n]);
    await consumer.connect(user).depositCollateral(ETH, 10n ** 26n);
    await consumer.connect(user).borrow(2000n * 10n ** 18n);
    await price(d, [1000n, 1000n, 1000n]);
    expect(await consumer.borrowingPower(user.address)).to.equal(0n);
  });
});
