import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport, type Deployed } from "./helpers/committee";

/** Storage slot of FeedProxy.s_currentPhase: after Ownable's owner (0) and pending owner (1). */
const CURRENT_PHASE_SLOT = 2;
const PHASE = (id: number) => BigInt(id) << 64n;
/** A QuorumAggregator round id: feed index in bits 32..63, the feed's own round below. */
const AGG = (feed: number, round: number) => (BigInt(feed) << 32n) | BigInt(round);

let epoch = 1;
async function push(d: Deployed, feeds: ReturnType<typeof feedEntry>[]) {
  const r = signedReport(d, { configDigest: d.configDigest, epoch: epoch++, round: 0, observationsTimestamp: await now(), feeds });
  await (await d.aggregator.transmit(r.report, r.signatures)).wait();
}

async function fixture() {
  const [owner, stranger] = await ethers.getSigners();
  const committee = makeCommittee(4, 1, owner.address, "proxy");
  const a1 = await deployAggregator(owner, committee, [{ description: "ETH / USD" }, { decimals: 18, description: "BTC / ETH" }]);
  const a2 = await deployAggregator(owner, committee, [{}, {}, { decimals: 6, description: "ETH / USD v2" }]);
  const proxy = await deployProxy(owner, a1.address, 1);
  return { owner, stranger, a1, a2, proxy };
}

describe("FeedProxy", () => {
  it("starts in phase 1 on its aggregator's feed", async () => {
    const { a1, proxy } = await loadFixture(fixture);
    expect(await proxy.phaseId()).to.equal(1n);
    expect(await proxy.aggregator()).to.equal(a1.address);
    expect(await proxy.feedIndex()).to.equal(1n);
    expect(await proxy.phaseAggregators(1)).to.deep.equal([a1.address, 1n]);
    expect(await proxy.phaseAggregators(2)).to.deep.equal([ethers.ZeroAddress, 0n]);
    expect(await proxy.typeAndVersion()).to.equal("FeedProxy 1.1.0");
    expect(await proxy.decimals()).to.equal(18n);
    expect(await proxy.description()).to.equal("BTC / ETH");
    expect(await proxy.version()).to.equal(1n);
  });

  it("rejects a zero aggregator at deployment", async () => {
    const [owner] = await ethers.getSigners();
    const factory = await ethers.getContractFactory("FeedProxy", owner);
    await expect(factory.deploy(owner.address, ethers.ZeroAddress, 0)).to.be.revertedWithCustomError(factory, "ZeroAggregator");
  });

  it("returns the phase's round 0 before data, then phase-tagged aggregator round ids for its feed", async () => {
    const { a1, proxy } = await loadFixture(fixture);
    expect(await proxy.latestRoundData()).to.deep.equal([PHASE(1), 0n, 0n, 0n, PHASE(1)]);
    expect(await proxy.latestRound()).to.equal(PHASE(1));
    expect(await proxy.latestConfidence()).to.deep.equal([PHASE(1), 0n]);
    await push(a1, [feedEntry(0, [1n, 2n, 3n]), feedEntry(1, [40n, 50n, 90n])]);
    await push(a1, [feedEntry(1, [41n, 51n, 91n])]);
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await proxy.latestRoundData();
    expect([roundId, answer, answeredInRound]).to.deep.equal([PHASE(1) | AGG(1, 2), 51n, PHASE(1) | AGG(1, 2)]);
    const direct = await a1.aggregator.getRoundData((1n << 32n) | 2n);
    expect([startedAt, updatedAt]).to.deep.equal([direct[2], direct[3]]);
    expect(await proxy.latestAnswer()).to.equal(51n);
    expect(await proxy.latestTimestamp()).to.equal(updatedAt);
    expect(await proxy.latestRound()).to.equal(PHASE(1) | AGG(1, 2));
    expect(await proxy.latestConfidence()).to.deep.equal([PHASE(1) | AGG(1, 2), 25n]);
    const first = await proxy.getRoundData(PHASE(1) | AGG(1, 1));
    expect([first[0], first[1], first[4]]).to.deep.equal([PHASE(1) | AGG(1, 1), 50n, PHASE(1) | AGG(1, 1)]);
    expect(await proxy.getAnswer(PHASE(1) | AGG(1, 1))).to.equal(50n);
    expect(await proxy.getTimestamp(PHASE(1) | AGG(1, 1))).to.equal(first[3]);
    expect(await proxy.getConfidence(PHASE(1) | AGG(1, 1))).to.equal(25n);
  });

  it("treats rounds of unknown phases and of other feeds of a multi-feed aggregator as unavailable", async () => {
    const { a1, proxy } = await loadFixture(fixture);
    await push(a1, [feedEntry(0, [4n, 5n, 6n]), feedEntry(1, [1n, 2n, 3n])]);
    // Feed 0's round 1 is held by the aggregator, but this proxy serves feed 1.
    expect((await a1.aggregator.getRoundData(AGG(0, 1)))[1]).to.equal(5n);
    for (const id of [0n, PHASE(2) | AGG(1, 1), PHASE(1) | AGG(0, 1), PHASE(1) | AGG(2, 1), PHASE(0) | AGG(1, 1)]) {
      await expect(proxy.getRoundData(id)).to.be.revertedWithCustomError(proxy, "RoundNotAvailable").withArgs(id);
      await expect(proxy.getConfidence(id)).to.be.revertedWithCustomError(proxy, "RoundNotAvailable").withArgs(id);
      expect(await proxy.getAnswer(id)).to.equal(0n);
      expect(await proxy.getTimestamp(id)).to.equal(0n);
    }
    // An id beyond 80 bits through the uint256 v2 getters.
    expect(await proxy.getAnswer((1n << 80n) | PHASE(1) | AGG(1, 1))).to.equal(0n);
    // Round 0 of the phase and a round the aggregator does not hold are forwarded: its error bubbles up.
    await expect(proxy.getRoundData(PHASE(1)))
      .to.be.revertedWithCustomError(a1.aggregator, "RoundNotAvailable")
      .withArgs(0, 0);
    await expect(proxy.getRoundData(PHASE(1) | AGG(1, 0)))
      .to.be.revertedWithCustomError(a1.aggregator, "RoundNotAvailable")
      .withArgs(1, AGG(1, 0));
    await expect(proxy.getRoundData(PHASE(1) | AGG(1, 5))).to.be.revertedWithCustomError(a1.aggregator, "RoundNotAvailable");
    expect(await proxy.getAnswer(PHASE(1) | AGG(1, 5))).to.equal(0n);
    expect(await proxy.getAnswer(PHASE(1))).to.equal(0n);
  });

  it("proposes and confirms a new aggregator, keeping the old phase's history readable", async () => {
    const { a1, a2, proxy, owner } = await loadFixture(fixture);
    await push(a1, [feedEntry(1, [1n, 2n, 3n])]);
    await expect(proxy.proposedLatestRoundData()).to.be.revertedWithCustomError(proxy, "NoProposedAggregator");
    await expect(proxy.proposedGetRoundData(AGG(2, 1))).to.be.revertedWithCustomError(proxy, "NoProposedAggregator");
    await expect(proxy.proposeAggregator(a2.address, 2)).to.emit(proxy, "AggregatorProposed").withArgs(a1.address, a2.address, 2);
    expect(await proxy.proposedAggregator()).to.deep.equal([a2.address, 2n]);
    await push(a2, [feedEntry(2, [7n, 8n, 9n])]);
    const proposed = await proxy.proposedLatestRoundData();
    expect([proposed[0], proposed[1]]).to.deep.equal([(2n << 32n) | 1n, 8n]);
    // The proposed aggregator's own round ids, answeredInRound included.
    const proposedRound = await proxy.proposedGetRoundData(AGG(2, 1));
    expect([proposedRound[0], proposedRound[1], proposedRound[4]]).to.deep.equal([AGG(2, 1), 8n, AGG(2, 1)]);
    await expect(proxy.confirmAggregator(a1.address)).to.be.revertedWithCustomError(proxy, "InvalidProposedAggregator").withArgs(a2.address, a1.address);
    await expect(proxy.confirmAggregator(a2.address)).to.emit(proxy, "AggregatorConfirmed").withArgs(a1.address, a2.address, 2);
    expect(await proxy.proposedAggregator()).to.deep.equal([ethers.ZeroAddress, 0n]);
    expect(await proxy.phaseId()).to.equal(2n);
    expect(await proxy.decimals()).to.equal(6n);
    const [roundId, answer] = await proxy.latestRoundData();
    expect([roundId, answer]).to.deep.equal([PHASE(2) | AGG(2, 1), 8n]);
    const old = await proxy.getRoundData(PHASE(1) | AGG(1, 1));
    expect(old[1]).to.equal(2n);
    expect(await proxy.phaseAggregators(1)).to.deep.equal([a1.address, 1n]);
    expect(await proxy.phaseAggregators(2)).to.deep.equal([a2.address, 2n]);
    await expect(proxy.confirmAggregator(a2.address)).to.be.revertedWithCustomError(proxy, "NoProposedAggregator");
    void owner;
  });

  it("guards the phase functions", async () => {
    const { a2, proxy, stranger } = await loadFixture(fixture);
    await expect(proxy.proposeAggregator(ethers.ZeroAddress, 0)).to.be.revertedWithCustomError(proxy, "ZeroAggregator");
    await expect(proxy.connect(stranger).proposeAggregator(a2.address, 0)).to.be.revertedWithCustomError(proxy, "OwnableUnauthorizedAccount");
    await expect(proxy.connect(stranger).confirmAggregator(a2.address)).to.be.revertedWithCustomError(proxy, "OwnableUnauthorizedAccount");
    const address = await proxy.getAddress();
    const slot = BigInt(await ethers.provider.getStorage(address, CURRENT_PHASE_SLOT));
    await ethers.provider.send("hardhat_setStorageAt", [address, ethers.toBeHex(CURRENT_PHASE_SLOT), ethers.toBeHex(slot | 0xffffn, 32)]);
    expect(await proxy.phaseId()).to.equal(0xffffn);
    await proxy.proposeAggregator(a2.address, 0);
    await expect(proxy.confirmAggregator(a2.address)).to.be.revertedWithCustomError(proxy, "TooManyPhases");
  });

  it("reads a QuorumAggregator through its one-byte read and other aggregators through the selector", async () => {
    const { owner, a1, proxy } = await loadFixture(fixture);
    const proxyAddress = await proxy.getAddress();
    // byteRead is bit 184 of the current phase slot.
    const byteRead = async () => (BigInt(await ethers.provider.getStorage(proxyAddress, CURRENT_PHASE_SLOT)) >> 184n) & 1n;
    expect(await byteRead()).to.equal(1n);
    await push(a1, [feedEntry(1, [100n, 200n, 300n])]);
    expect((await proxy.latestRoundData())[1]).to.equal(200n);
    const plain = await (await ethers.getContractFactory("PlainFeed", owner)).deploy();
    const plainAddress = await plain.getAddress();
    // PlainFeed.ByteRead: 0 reverts (no fallback), 1 answers other words, 2 answers the same.
    for (const [mode, expected] of [
      [0, 0n],
      [1, 0n],
      [2, 1n],
    ] as const) {
      await plain.setByteRead(mode);
      await proxy.proposeAggregator(plainAddress, 0);
      await proxy.confirmAggregator(plainAddress);
      expect(await byteRead()).to.equal(expected);
      expect((await proxy.latestRoundData())[1]).to.equal(42n * 10n ** 8n);
    }
    // Once chosen at the phase start, the one-byte read is the path every read takes.
    await plain.setByteRead(1);
    expect((await proxy.latestRoundData())[1]).to.equal(666n * 10n ** 8n);
  });

  it("bubbles an aggregator's revert and rejects a non-aggregator", async () => {
    const { owner, proxy } = await loadFixture(fixture);
    const broken = await (await ethers.getContractFactory("RevertingFeed", owner)).deploy();
    await proxy.proposeAggregator(await broken.getAddress(), 0);
    await proxy.confirmAggregator(await broken.getAddress());
    await expect(proxy.latestRoundData()).to.be.revertedWithCustomError(broken, "FeedDown").withArgs(42);
    await expect(proxy.decimals()).to.be.revertedWithCustomError(broken, "FeedDown").withArgs(42);
    await proxy.proposeAggregator(owner.address, 0); // an account without code
    await proxy.confirmAggregator(owner.address);
    await expect(proxy.latestRoundData()).to.be.revertedWithoutReason();
  });
});
