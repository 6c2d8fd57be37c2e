import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport } from "./helpers/committee";

async function fixture() {
  const [owner] = await ethers.getSigners();
  const feed = await (await ethers.getContractFactory("OutOfBoundsFeed", owner)).deploy();
  const proxy = await deployProxy(owner, await feed.getAddress(), 2);
  return { owner, feed, proxy };
}

describe("FeedProxy.outOfBounds", () => {
  it("forwards the current aggregator's out-of-bounds state for the proxy's own feed", async () => {
    const { feed, proxy } = await loadFixture(fixture);
    expect(await proxy.outOfBounds()).to.deep.equal([false, 0n, 0n]);
    await feed.set(1, true, 111n, 5n); // another feed: not this proxy's
    expect(await proxy.outOfBounds()).to.deep.equal([false, 0n, 0n]);
    await feed.set(2, true, -7n * 10n ** 8n, 1_700_000_000n);
    expect(await proxy.outOfBounds()).to.deep.equal([true, -7n * 10n ** 8n, 1_700_000_000n]);
    await feed.set(2, false, 0n, 0n);
    expect(await proxy.outOfBounds()).to.deep.equal([false, 0n, 0n]);
  });

  it("follows the phase: the new aggregator answers after confirmation", async () => {
    const { owner, feed, proxy } = await loadFixture(fixture);
    const other = await (await ethers.getContractFactory("OutOfBoundsFeed", owner)).deploy();
    await other.set(0, true, 42n, 9n);
    await feed.set(2, true, 1n, 1n);
    await proxy.proposeAggregator(await other.getAddress(), 0);
    expect(await proxy.outOfBounds()).to.deep.equal([true, 1n, 1n]);
    await proxy.confirmAggregator(await other.getAddress());
    expect(await proxy.outOfBounds()).to.deep.equal([true, 42n, 9n]);
  });

  it("reverts clearly when the aggregator does not implement it, and bubbles the aggregator's own error", async () => {
    const { owner, feed, proxy } = await loadFixture(fixture);
    await proxy.proposeAggregator(await feed.getAddress(), 9);
    await proxy.confirmAggregator(await feed.getAddress());
    await expect(proxy.outOfBounds()).to.be.revertedWithCustomError(feed, "FeedBroken").withArgs(9);
    for (const name of ["PlainFeed", "MockV3Aggregator"]) {
      const factory = await ethers.getContractFactory(name, owner);
      const plain = name === "PlainFeed" ? await factory.deploy() : await factory.deploy(8, 1);
      const address = await plain.getAddress();
      await proxy.proposeAggregator(address, 0);
      await proxy.confirmAggregator(address);
      await expect(proxy.outOfBounds()).to.be.revertedWithCustomError(proxy, "OutOfBoundsUnsupported").withArgs(address);
    }
    // An account without code.
    await proxy.proposeAggregator(owner.address, 0);
    await proxy.confirmAggregator(owner.address);
    await expect(proxy.outOfBounds()).to.be.revertedWithCustomError(proxy, "OutOfBoundsUnsupported").withArgs(owner.address);
  });

  it("reads a QuorumAggregator's refusal for the proxy's own feed, and its clearing", async () => {
    const [owner, transmitter] = await ethers.getSigners();
    const d = await deployAggregator(owner, makeCommittee(4, 1, transmitter.address, "oob", 1), [{}, { minAnswer: 1n, maxAnswer: 1_000n }]);
    const proxy = await deployProxy(owner, d.address, 1);
    const other = await deployProxy(owner, d.address, 0);
    expect(await proxy.outOfBounds()).to.deep.equal([false, 0n, 0n]);
    const send = async (epoch: number, value: bigint) => {
      const block = (await now()) + 1;
      await time.setNextBlockTimestamp(block);
      const r = signedReport(d, { configDigest: d.configDigest, epoch, round: 1, observationsTimestamp: block, feeds: [feedEntry(1, [value, value, value])] });
      await d.aggregator.connect(transmitter).transmit(r.report, r.signatures);
      return block;
    };
    await send(1, 500n);
    const refusedAt = await send(2, 5_000n);
    expect(await proxy.outOfBounds()).to.deep.equal([true, 5_000n, BigInt(refusedAt)]);
    expect(await other.outOfBounds()).to.deep.equal([false, 0n, 0n]);
    expect((await proxy.latestRoundData())[1]).to.equal(500n);
    await send(3, 600n);
    expect(await proxy.outOfBounds()).to.deep.equal([false, 0n, 0n]);
    expect((await proxy.latestRoundData())[1]).to.equal(600n);
  });
});
