import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { toBeHex, zeroPadValue, type Interface } from "ethers";
import { domainSeparator, expectedConfidence } from "../../oracle-node/src/protocol/report";
import { deployAggregator, feedEntry, makeCommittee, now, signedReport, type Deployed } from "./helpers/committee";

const HISTORY = 64;

async function fixture() {
  const [owner] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(4, 1, owner.address, "reads"), [
    { decimals: 8, description: "ETH / USD" },
    { decimals: 18, description: "BTC / ETH" },
  ]);
  return { d, agg: d.aggregator };
}

let epoch = 1;
async function push(d: Deployed, feeds: ReturnType<typeof feedEntry>[]) {
  const r = signedReport(d, { configDigest: d.configDigest, epoch: epoch++, round: 0, observationsTimestamp: await now(), feeds });
  const tx = await d.aggregator.transmit(r.report, r.signatures);
  return (await tx.wait())!;
}

/** Calls a no-argument read with the feed index as trailing word, as FeedProxy does. */
async function callFor(d: Deployed, fn: string, feed: bigint | number) {
  const iface: Interface = d.aggregator.interface;
  const data = iface.encodeFunctionData(fn, []) + zeroPadValue(toBeHex(feed), 32).slice(2);
  return iface.decodeFunctionResult(fn, await ethers.provider.call({ to: d.address, data }));
}

describe("QuorumAggregator reads", () => {
  it("returns zeros before the first report and serves no rounds", async () => {
    const { agg } = await loadFixture(fixture);
    expect(await agg.latestRoundData()).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    expect(await agg.latestAnswer()).to.equal(0n);
    expect(await agg.latestTimestamp()).to.equal(0n);
    expect(await agg.latestRound()).to.equal(0n);
    expect(await agg.latestConfidence()).to.deep.equal([0n, 0n]);
    await expect(agg.getRoundData(1)).to.be.revertedWithCustomError(agg, "RoundNotAvailable").withArgs(0n, 1n);
    expect(await agg.getAnswer(1)).to.equal(0n);
    expect(await agg.getTimestamp(1)).to.equal(0n);
  });

  it("serves feed 0 plainly and feed k with a trailing word, with feed-tagged round ids", async () => {
    const { d, agg } = await loadFixture(fixture);
    const receipt = await push(d, [feedEntry(0, [10n, 20n, 30n]), feedEntry(1, [100n, 200n, 300n])]);
    const block = await ethers.provider.getBlock(receipt.blockNumber);
    const [r0, a0, , u0] = await agg.latestRoundData();
    expect([r0, a0, u0]).to.deep.equal([1n, 20n, BigInt(block!.timestamp)]);
    const feed1 = await callFor(d, "latestRoundData", 1);
    const id1 = (1n << 32n) | 1n;
    expect([feed1[0], feed1[1], feed1[4]]).to.deep.equal([id1, 200n, id1]);
    expect((await callFor(d, "latestAnswer", 1))[0]).to.equal(200n);
    expect((await callFor(d, "latestRound", 1))[0]).to.equal(id1);
    expect((await callFor(d, "latestTimestamp", 1))[0]).to.equal(BigInt(block!.timestamp));
    expect((await callFor(d, "decimals", 1))[0]).to.equal(18n);
    expect((await callFor(d, "description", 1))[0]).to.equal("BTC / ETH");
    expect(await agg.decimals()).to.equal(8n);
    expect(await agg.description()).to.equal("ETH / USD");
    const conf = await callFor(d, "latestConfidence", 1);
    expect([conf[0], conf[1]]).to.deep.equal([id1, expectedConfidence([100n, 200n, 300n])]);
    const round = await agg.getRoundData(id1);
    expect([round[0], round[1], round[4]]).to.deep.equal([id1, 200n, id1]);
    expect(await agg.getConfidence(id1)).to.equal(100n);
    // A feed that exists but never reported, and a feed index past the array.
    expect(await callFor(d, "latestRoundData", 7)).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    await expect(callFor(d, "latestRoundData", 256))
      .to.be.revertedWithCustomError(agg, "UnknownFeed")
      .withArgs(256n);
    await expect(callFor(d, "latestAnswer", 999))
      .to.be.revertedWithCustomError(agg, "UnknownFeed")
      .withArgs(999n);
    await expect(callFor(d, "decimals", 2))
      .to.be.revertedWithCustomError(agg, "UnknownFeed")
      .withArgs(2n);
    await expect(callFor(d, "description", 5))
      .to.be.revertedWithCustomError(agg, "UnknownFeed")
      .withArgs(5n);
    await expect(agg.feedInfo(2)).to.be.revertedWithCustomError(agg, "UnknownFeed").withArgs(2n);
  });

  it("answers one calldata byte, a feed index, with that feed's latestRoundData and refuses other short calldata", async () => {
    const { d, agg } = await loadFixture(fixture);
    const byteRead = async (data: string) => agg.interface.decodeFunctionResult("latestRoundData", await ethers.provider.call({ to: d.address, data }));
    expect(await byteRead("0x01")).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    await push(d, [feedEntry(0, [10n, 20n, 30n]), feedEntry(1, [100n, 200n, 300n])]);
    expect(await byteRead("0x00")).to.deep.equal(await agg.latestRoundData());
    expect(await byteRead("0x01")).to.deep.equal(await callFor(d, "latestRoundData", 1));
    expect((await byteRead("0x01"))[1]).to.equal(200n);
    // A feed index past the feeds holds no round.
    expect(await byteRead("0xff")).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    for (const data of ["0x", "0x0001", "0x000102"]) {
      await expect(ethers.provider.call({ to: d.address, data })).to.be.revertedWithoutReason();
    }
  });

  it("keeps the last 64 rounds of history and reports older, future and foreign rounds as unavailable", async () => {
    const { d, agg } = await loadFixture(fixture);
    const total = HISTORY + 6;
    const times: bigint[] = [];
    for (let i = 1; i <= total; i++) {
      const receipt = await push(d, [feedEntry(0, [BigInt(i), BigInt(i), BigInt(i)])]);
      times.push(BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp));
    }
    expect(await agg.latestRound()).to.equal(BigInt(total));
    const oldest = total - HISTORY + 1;
    for (const r of [oldest, oldest + 1, total - 1, total]) {
      const [id, answer, startedAt, updatedAt, answeredIn] = await agg.getRoundData(r);
      expect([id, answer, updatedAt, answeredIn]).to.deep.equal([BigInt(r), BigInt(r), times[r - 1], BigInt(r)]);
      expect(startedAt).to.be.lessThanOrEqual(updatedAt);
      expect(await agg.getAnswer(r)).to.equal(BigInt(r));
      expect(await agg.getTimestamp(r)).to.equal(times[r - 1]);
      expect(await agg.getConfidence(r)).to.equal(0n);
    }
    for (const r of [0n, BigInt(oldest - 1), BigInt(total + 1), (1n << 32n) | 1n, 256n << 32n]) {
      await expect(agg.getRoundData(r)).to.be.revertedWithCustomError(agg, "RoundNotAvailable");
      await expect(agg.getConfidence(r)).to.be.revertedWithCustomError(agg, "RoundNotAvailable");
      expect(await agg.getAnswer(r)).to.equal(0n);
      expect(await agg.getTimestamp(r)).to.equal(0n);
    }
  });

  it("exposes the EIP-712 domain separator the codec computes", async () => {
    const { d, agg } = await loadFixture(fixture);
    expect(await agg.domainSeparator()).to.equal(domainSeparator(d.domain));
  });

  it("reports the newest epoch-and-round of any feed", async () => {
    const { d, agg } = await loadFixture(fixture);
    const r = signedReport(d, { configDigest: d.configDigest, epoch: 7, round: 9, observationsTimestamp: await now(), feeds: [feedEntry(1, [1n, 2n, 3n])] });
    await agg.transmit(r.report, r.signatures);
    const details = await agg.latestTransmissionDetails();
    expect([details.configDigest, details.epoch, details.round, details.epochAndRound]).to.deep.equal([d.configDigest, 7n, 9n, (7n << 8n) | 9n]);
  });
});
