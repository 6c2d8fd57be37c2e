import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { epochAndRound } from "../../oracle-node/src/protocol/report";
import { INT128_MAX, INT128_MIN, deployAggregator, feedEntry, makeCommittee, now, signedReport, type Deployed } from "./helpers/committee";

/** A median outside a feed's bounds lands without moving the feed (docs/consumers.md "Out-of-bounds medians"). */
const MIN = 1n;
const MAX = 10n ** 13n;

async function fixture() {
  const [owner, transmitter] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(7, 2, transmitter.address, "bounds", 1), [{}, { minAnswer: MIN, maxAnswer: MAX }]);
  return { d, agg: d.aggregator.connect(transmitter) };
}

let epoch = 1;
/** Sends a report at the next block second; returns the block time. */
async function send(d: Deployed, feeds: ReturnType<typeof feedEntry>[], ts?: number) {
  const block = (await now()) + 1;
  await time.setNextBlockTimestamp(block);
  const r = signedReport(d, { configDigest: d.configDigest, epoch: epoch++, round: 1, observationsTimestamp: ts ?? block, feeds });
  const [, transmitter] = await ethers.getSigners();
  const tx = await d.aggregator.connect(transmitter).transmit(r.report, r.signatures);
  return { block, tx, r, er: epochAndRound(epoch - 1, 1) };
}

const five = (v: bigint) => [v, v, v, v, v];

describe("QuorumAggregator out-of-bounds medians", () => {
  it("lands the report, keeps the answer, round and updatedAt, emits MedianOutOfBounds and flags the feed", async () => {
    const { d, agg } = await loadFixture(fixture);
    const first = await send(d, [feedEntry(1, five(500n))]);
    const refused = await send(d, [feedEntry(1, [-5n, -4n, 0n, 3n, 4n])]);
    await expect(refused.tx).to.emit(agg, "MedianOutOfBounds").withArgs(1n, 0n, MIN, MAX, refused.er);
    await expect(refused.tx).to.emit(agg, "NewTransmission");
    await expect(refused.tx).not.to.emit(agg, "AnswerUpdated");
    const data = agg.interface.encodeFunctionData("latestRoundData") + "1".padStart(64, "0");
    const [roundId, answer, startedAt, updatedAt] = agg.interface.decodeFunctionResult("latestRoundData", await ethers.provider.call({ to: d.address, data }));
    expect(roundId).to.equal((1n << 32n) | 1n);
    expect(answer).to.equal(500n);
    expect(updatedAt).to.equal(BigInt(first.block));
    expect(startedAt).to.equal(BigInt(first.block));
    expect(await agg.outOfBounds(1)).to.deep.equal([true, 0n, BigInt(refused.block)]);
    expect(await agg.outOfBounds(0)).to.deep.equal([false, 0n, 0n]);
    expect((await agg.latestRoundData())[0]).to.equal(0n); // feed 0 untouched throughout
  });

  it("updates the other feeds of a batched report normally", async () => {
    const { d, agg } = await loadFixture(fixture);
    const high = MAX + 1n;
    const { tx, er } = await send(d, [feedEntry(0, five(7n)), feedEntry(1, five(high))]);
    await expect(tx)
      .to.emit(agg, "AnswerUpdated")
      .withArgs(7n, 1n, BigInt((await ethers.provider.getBlock("latest"))!.timestamp));
    await expect(tx).to.emit(agg, "MedianOutOfBounds").withArgs(1n, high, MIN, MAX, er);
    const [roundId, answer] = await agg.latestRoundData();
    expect([roundId, answer]).to.deep.equal([1n, 7n]);
    expect(await agg.latestRound()).to.equal(1n);
    const data = agg.interface.encodeFunctionData("latestRound") + "1".padStart(64, "0");
    expect(BigInt(await ethers.provider.call({ to: d.address, data }))).to.equal(0n);
    expect((await agg.outOfBounds(1))[0]).to.equal(true);
  });

  it("keeps `since` over repeated refusals, updates the refused median, clears on an in-bounds median", async () => {
    const { d, agg } = await loadFixture(fixture);
    const a = await send(d, [feedEntry(1, five(0n))]);
    await send(d, [feedEntry(1, five(-3n))]);
    expect(await agg.outOfBounds(1)).to.deep.equal([true, -3n, BigInt(a.block)]);
    await send(d, [feedEntry(1, five(MAX))]); // inclusive bound: accepted
    expect(await agg.outOfBounds(1)).to.deep.equal([false, 0n, 0n]);
    const c = await send(d, [feedEntry(1, five(MAX + 5n))]);
    expect(await agg.outOfBounds(1)).to.deep.equal([true, MAX + 5n, BigInt(c.block)]);
  });

  it("records the refused report's epoch-and-round: a replay is StaleReport", async () => {
    const { d, agg } = await loadFixture(fixture);
    const { r, er } = await send(d, [feedEntry(1, five(0n))]);
    await expect(agg.transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "StaleReport").withArgs(1n, er, er);
  });

  it("stays active across setConfig (the feed's answer still has not moved)", async () => {
    const { d, agg } = await loadFixture(fixture);
    const { block } = await send(d, [feedEntry(1, five(0n))]);
    const c = d.committee;
    await (
      await d.aggregator.setConfig(
        c.signers.map((s) => s.address),
        c.transmitters,
        c.f,
        "0x01",
      )
    ).wait();
    expect(await agg.outOfBounds(1)).to.deep.equal([true, 0n, BigInt(block)]);
  });

  it("applies one-sided bounds and the bounds of a feed added after the config", async () => {
    const { d, agg } = await loadFixture(fixture);
    await (await d.aggregator.addFeed(8, "capped", INT128_MIN, 100n)).wait();
    await (await d.aggregator.addFeed(8, "floored", 0n, INT128_MAX)).wait();
    const { tx, er } = await send(d, [feedEntry(2, five(101n)), feedEntry(3, five(-1n))]);
    await expect(tx).to.emit(agg, "MedianOutOfBounds").withArgs(2n, 101n, INT128_MIN, 100n, er);
    await expect(tx).to.emit(agg, "MedianOutOfBounds").withArgs(3n, -1n, 0n, INT128_MAX, er);
    const ok = await send(d, [feedEntry(2, [-(1n << 100n), 0n, 0n, 0n, 100n]), feedEntry(3, [0n, 0n, 0n, 0n, 1n << 100n])]);
    await expect(ok.tx).not.to.emit(agg, "MedianOutOfBounds");
    expect((await agg.outOfBounds(2))[0]).to.equal(false);
  });

  it("outOfBounds of an unknown feed reverts UnknownFeed", async () => {
    const { agg } = await loadFixture(fixture);
    await expect(agg.outOfBounds(2)).to.be.revertedWithCustomError(agg, "UnknownFeed").withArgs(2n);
  });
});
