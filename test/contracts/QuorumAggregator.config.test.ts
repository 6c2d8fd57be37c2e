import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { computeConfigDigest } from "../../oracle-node/src/protocol/report";
import { INT128_MAX, INT128_MIN, deployAggregator, feedEntry, keyFor, makeCommittee, now, signedReport } from "./helpers/committee";

/** Storage slot of s_feeds (the dynamic array's length) in QuorumAggregator's layout: after Ownable2Step (2), AggregatorAccounting (s_hot, s_signers, s_transmitters, s_sla: 40 slots, s_staking sharing its slot with s_latestConfigBlockNumber), s_configDigest, s_f. */
const FEEDS_LENGTH_SLOT = 48;

async function fixture() {
  const [owner, transmitter, stranger] = await ethers.getSigners();
  const agg = await (await ethers.getContractFactory("QuorumAggregator", owner)).deploy(owner.address);
  const addrs = (seed: string, n: number) => Array.from({ length: n }, (_, i) => keyFor(seed, i).address);
  return { agg, owner, transmitter, stranger, addrs };
}

describe("QuorumAggregator configuration", () => {
  describe("setConfig", () => {
    it("stores the committee, bumps the count, emits ConfigSet with the digest the codec computes", async () => {
      const { agg, owner, addrs } = await loadFixture(fixture);
      const signers = addrs("s", 4);
      const transmitters = addrs("t", 4);
      const tx = await agg.setConfig(signers, transmitters, 1, "0x1234");
      const receipt = await tx.wait();
      const { chainId } = await ethers.provider.getNetwork();
      const digest = computeConfigDigest({
        chainId,
        contractAddress: await agg.getAddress(),
        configCount: 1,
        signers,
        transmitters,
        f: 1,
        offchainConfig: "0x1234",
      });
      await expect(tx).to.emit(agg, "ConfigSet").withArgs(0, digest, 1, signers, transmitters, 1, "0x1234");
      const [count, block, onChain] = await agg.latestConfigDetails();
      expect([count, block, onChain]).to.deep.equal([1n, BigInt(receipt!.blockNumber), digest]);
      const [s, t, f] = await agg.getOracles();
      expect([s, t, f]).to.deep.equal([signers, transmitters, 1n]);
      const tx2 = await agg.setConfig(signers, transmitters, 1, "0x1234");
      await expect(tx2)
        .to.emit(agg, "ConfigSet")
        .withArgs(receipt!.blockNumber, (d: string) => d !== digest, 2, signers, transmitters, 1, "0x1234");
      expect(owner.address).to.equal(await agg.owner());
    });

    it("rejects bad committee sizes", async () => {
      const { agg, addrs } = await loadFixture(fixture);
      await expect(agg.setConfig([], [], 1, "0x"))
        .to.be.revertedWithCustomError(agg, "InvalidOracleCount")
        .withArgs(0, 0);
      await expect(agg.setConfig(addrs("s", 32), addrs("t", 32), 10, "0x"))
        .to.be.revertedWithCustomError(agg, "InvalidOracleCount")
        .withArgs(32, 32);
      await expect(agg.setConfig(addrs("s", 4), addrs("t", 3), 1, "0x"))
        .to.be.revertedWithCustomError(agg, "InvalidOracleCount")
        .withArgs(4, 3);
    });

    it("rejects f = 0 and 3f >= n", async () => {
      const { agg, addrs } = await loadFixture(fixture);
      await expect(agg.setConfig(addrs("s", 4), addrs("t", 4), 0, "0x"))
        .to.be.revertedWithCustomError(agg, "InvalidFaultTolerance")
        .withArgs(0, 4);
      await expect(agg.setConfig(addrs("s", 6), addrs("t", 6), 2, "0x"))
        .to.be.revertedWithCustomError(agg, "InvalidFaultTolerance")
        .withArgs(2, 6);
      await expect(agg.setConfig(addrs("s", 31), addrs("t", 31), 10, "0x")).not.to.be.reverted;
    });

    it("rejects zero addresses and duplicates", async () => {
      const { agg, addrs } = await loadFixture(fixture);
      const s = addrs("s", 4);
      const t = addrs("t", 4);
      await expect(agg.setConfig([s[0], ethers.ZeroAddress, s[2], s[3]], t, 1, "0x"))
        .to.be.revertedWithCustomError(agg, "ZeroAddress")
        .withArgs(1);
      await expect(agg.setConfig(s, [t[0], t[1], t[2], ethers.ZeroAddress], 1, "0x"))
        .to.be.revertedWithCustomError(agg, "ZeroAddress")
        .withArgs(3);
      await expect(agg.setConfig([s[0], s[1], s[0], s[3]], t, 1, "0x"))
        .to.be.revertedWithCustomError(agg, "DuplicateSignerAddress")
        .withArgs(s[0]);
      await expect(agg.setConfig(s, [t[0], t[1], t[2], t[1]], 1, "0x"))
        .to.be.revertedWithCustomError(agg, "DuplicateTransmitterAddress")
        .withArgs(t[1]);
    });

    it("is owner only", async () => {
      const { agg, stranger, addrs } = await loadFixture(fixture);
      await expect(agg.connect(stranger).setConfig(addrs("s", 4), addrs("t", 4), 1, "0x"))
        .to.be.revertedWithCustomError(agg, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });

    it("restarts every feed's epoch-and-round and invalidates reports of the old digest", async () => {
      const [owner, transmitter] = await ethers.getSigners();
      const committee = makeCommittee(4, 1, transmitter.address, "restart");
      const d = await deployAggregator(owner, committee, [{}, {}]);
      const agg = d.aggregator.connect(transmitter);
      const r = signedReport(d, {
        configDigest: d.configDigest,
        epoch: 40,
        round: 2,
        observationsTimestamp: await now(),
        feeds: [feedEntry(0, [1n, 2n, 3n]), feedEntry(1, [1n, 2n, 3n])],
      });
      await agg.transmit(r.report, r.signatures);
      expect((await agg.latestTransmissionDetails()).epoch).to.equal(40n);
      await d.aggregator.setConfig(
        committee.signers.map((s) => s.address),
        committee.transmitters,
        1,
        "0x01",
      );
      const [, , digest2] = await agg.latestConfigDetails();
      const details = await agg.latestTransmissionDetails();
      expect([details.configDigest, details.epoch, details.round, details.epochAndRound]).to.deep.equal([digest2, 0n, 0n, 0n]);
      await expect(agg.transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch").withArgs(digest2, d.configDigest);
      const d2 = { ...d, configDigest: digest2 };
      const r2 = signedReport(d2, { configDigest: digest2, epoch: 1, round: 0, observationsTimestamp: await now(), feeds: [feedEntry(1, [4n, 5n, 6n])] });
      await expect(agg.transmit(r2.report, r2.signatures)).not.to.be.reverted;
      expect((await agg.latestTransmissionDetails()).epochAndRound).to.equal(256n);
    });

    it("reverts ConfigStoreFailed when the config store cannot be created (out of gas)", async () => {
      const { agg, addrs } = await loadFixture(fixture);
      for (let i = 0; i < 3; i++) await agg.addFeed(8, `F${i}`, INT128_MIN, INT128_MAX);
      const s = addrs("s", 31);
      const t = addrs("t", 31);
      // Search the gas limit at which CREATE runs out of gas (63/64 of the gas goes to it) while
      // the caller keeps enough to revert with the custom error.
      let lo = 100_000;
      let hi = 3_000_000;
      let found = false;
      for (let step = 0; step < 40 && !found; step++) {
        const mid = Math.floor((lo + hi) / 2);
        try {
          await agg.setConfig.staticCall(s, t, 10, "0x", { gasLimit: mid });
          hi = mid;
        } catch (err) {
          const data = (err as { data?: unknown }).data;
          const parsed = typeof data === "string" && data.length > 2 ? agg.interface.parseError(data) : null;
          if (parsed?.name === "ConfigStoreFailed") found = true;
          else lo = mid;
        }
      }
      expect(found, "a gas limit that starves only the CREATE").to.equal(true);
    });
  });

  describe("addFeed", () => {
    it("assigns indices, stores metadata, emits FeedAdded, and keeps a config's digest", async () => {
      const { agg, addrs } = await loadFixture(fixture);
      await expect(agg.addFeed(8, "ETH / USD", -5n, 5n))
        .to.emit(agg, "FeedAdded")
        .withArgs(0, 8, "ETH / USD", -5n, 5n);
      await agg.setConfig(addrs("s", 4), addrs("t", 4), 1, "0x");
      const [, , digest] = await agg.latestConfigDetails();
      await agg.addFeed(18, "BTC / ETH", INT128_MIN, INT128_MAX);
      expect(await agg.feedCount()).to.equal(2n);
      expect(await agg.feedInfo(1)).to.deep.equal([18n, "BTC / ETH", INT128_MIN, INT128_MAX]);
      expect((await agg.latestConfigDetails())[2]).to.equal(digest);
    });

    it("rejects min >= max and more than 256 feeds, and is owner only", async () => {
      const { agg, stranger } = await loadFixture(fixture);
      await expect(agg.addFeed(8, "x", 5n, 5n))
        .to.be.revertedWithCustomError(agg, "InvalidBounds")
        .withArgs(5n, 5n);
      await expect(agg.connect(stranger).addFeed(8, "x", 0n, 5n)).to.be.revertedWithCustomError(agg, "OwnableUnauthorizedAccount");
      await ethers.provider.send("hardhat_setStorageAt", [await agg.getAddress(), ethers.toBeHex(FEEDS_LENGTH_SLOT), ethers.toBeHex(256, 32)]);
      expect(await agg.feedCount()).to.equal(256n);
      await expect(agg.addFeed(8, "x", 0n, 5n))
        .to.be.revertedWithCustomError(agg, "TooManyFeeds")
        .withArgs(256);
    });
  });

  it("hands ownership over in two steps", async () => {
    const { agg, stranger } = await loadFixture(fixture);
    await agg.transferOwnership(stranger.address);
    expect(await agg.pendingOwner()).to.equal(stranger.address);
    await agg.connect(stranger).acceptOwnership();
    expect(await agg.owner()).to.equal(stranger.address);
  });

  it("names itself", async () => {
    const { agg } = await loadFixture(fixture);
    expect(await agg.typeAndVersion()).to.equal("QuorumAggregator 1.0.0");
    expect(await agg.version()).to.equal(1n);
    expect(await agg.historySize()).to.equal(64n);
  });
});
