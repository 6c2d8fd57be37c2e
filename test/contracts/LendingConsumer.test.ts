import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { assetId } from "../../oracle-node/src/chain/deploy";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport, type Deployed } from "./helpers/committee";

const ETH = assetId("ETH");
const HEARTBEAT = 3600;
const MAX_CONFIDENCE_BPS = 100; // 1 %
const COLLATERAL_FACTOR_BPS = 7500;

let epoch = 1;
async function price(d: Deployed, observations: bigint[]) {
  const r = signedReport(d, { configDigest: d.configDigest, epoch: epoch++, round: 0, observationsTimestamp: await now(), feeds: [feedEntry(0, observations)] });
  await (await d.aggregator.transmit(r.report, r.signatures)).wait();
}

async function fixture() {
  const [owner, user, stranger] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(4, 1, owner.address, "lending"), [{ decimals: 8, description: "ETH / USD" }]);
  const proxy = await deployProxy(owner, d.address, 0);
  const consumer = await (await ethers.getContractFactory("LendingConsumer", owner)).deploy(owner.address);
  await consumer.configureAsset(ETH, await proxy.getAddress(), HEARTBEAT, MAX_CONFIDENCE_BPS, COLLATERAL_FACTOR_BPS);
  return { owner, user, stranger, d, proxy, consumer };
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
    await expect(consumer.connect(user).borrow(4000n * 10n ** 18n)).to.emit(consumer, "Borrowed").withArgs(user.address, 4000n * 10n ** 18n, 4000n * 10n ** 18n);
    await expect(consumer.connect(user).borrow(501n * 10n ** 18n)).to.be.revertedWithCustomError(consumer, "InsufficientCollateral").withArgs(501n * 10n ** 18n, 500n * 10n ** 18n);
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
    await consumer.connect(user).depositCollateral(ETH, 1n);
    await expect(consumer.borrowingPower(user.address)).to.be.revertedWithCustomError(consumer, "LowConfidence");
  });

  it("rejects unknown assets, bad configs, strangers, and mismatched price/confidence rounds", async () => {
    const { consumer, stranger, owner } = await loadFixture(fixture);
    const BTC = assetId("BTC");
    await expect(consumer.price(BTC)).to.be.revertedWithCustomError(consumer, "UnknownAsset").withArgs(BTC);
    await expect(consumer.depositCollateral(BTC, 1n)).to.be.revertedWithCustomError(consumer, "UnknownAsset");
    await expect(consumer.configureAsset(BTC, ethers.ZeroAddress, 0, 100, 100)).to.be.revertedWithCustomError(consumer, "InvalidAssetConfig");
    await expect(consumer.configureAsset(BTC, ethers.ZeroAddress, 60, 10_001, 100)).to.be.revertedWithCustomError(consumer, "InvalidAssetConfig");
    await expect(consumer.configureAsset(BTC, ethers.ZeroAddress, 60, 100, 10_001)).to.be.revertedWithCustomError(consumer, "InvalidAssetConfig");
    await expect(consumer.connect(stranger).configureAsset(BTC, ethers.ZeroAddress, 60, 100, 100)).to.be.revertedWithCustomError(consumer, "OwnableUnauthorizedAccount");
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
