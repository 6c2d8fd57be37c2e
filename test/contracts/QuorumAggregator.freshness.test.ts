import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployAggregator, feedEntry, makeCommittee, now, signedReport, type Deployed } from "./helpers/committee";

/** Report age (issue: signed reports never expired) and the timestamps consumers read. */
async function fixture() {
  const [owner, transmitter, stranger] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(4, 1, transmitter.address, "fresh", 0), [{}, { maxReportAge: 60 }, { maxReportAge: 600 }]);
  return { d, owner, stranger, agg: d.aggregator.connect(transmitter) };
}

let epoch = 1;
/** 2f+1 = 3 equal observations. */
const three = (v: bigint) => [v, v, v];

/** Signs a report with observations timestamp `block + lead` and mines it at `block`. */
async function attempt(d: Deployed, feeds: number[], lead: number, gap = 1) {
  const [, transmitter] = await ethers.getSigners();
  const block = (await now()) + gap;
  await time.setNextBlockTimestamp(block);
  const r = signedReport(d, {
    configDigest: d.configDigest,
    epoch: epoch++,
    round: 1,
    observationsTimestamp: block + lead,
    feeds: feeds.map((i) => feedEntry(i, three(BigInt(100 + i)))),
  });
  return { block, ts: block + lead, tx: d.aggregator.connect(transmitter).transmit(r.report, r.signatures) };
}

describe("QuorumAggregator report age and timestamps", () => {
  it("defaults every feed's maximum report age to 300 s, well under an hour's heartbeat", async () => {
    const { d, agg } = await loadFixture(fixture);
    expect(await agg.DEFAULT_MAX_REPORT_AGE_SECONDS()).to.equal(300n);
    expect(await agg.maxReportAge(0)).to.equal(300n);
    expect(await agg.maxReportAge(1)).to.equal(60n);
    const ok = await attempt(d, [0], -300);
    await expect(ok.tx).not.to.be.reverted;
    const old = await attempt(d, [0], -301);
    await expect(old.tx).to.be.revertedWithCustomError(agg, "ReportTooOld").withArgs(0n, old.ts, old.block, 300n);
  });

  it("applies each feed's own maximum inside a batch", async () => {
    const { d, agg } = await loadFixture(fixture);
    const far = await attempt(d, [0, 2], -400);
    await expect(far.tx).to.be.revertedWithCustomError(agg, "ReportTooOld").withArgs(0n, far.ts, far.block, 300n);
    await expect((await attempt(d, [2], -400)).tx).not.to.be.reverted;
    // 100 s old: too old for feed 1 (60 s), fine for feeds 0 (300 s) and 2 (600 s).
    const batch = await attempt(d, [0, 1, 2], -100);
    await expect(batch.tx).to.be.revertedWithCustomError(agg, "ReportTooOld").withArgs(1n, batch.ts, batch.block, 60n);
    await expect((await attempt(d, [0, 2], -100)).tx).not.to.be.reverted;
    await expect((await attempt(d, [1], -60)).tx).not.to.be.reverted;
  });

  it("setMaxReportAge: owner only, at least 1 s, known feeds, emits MaxReportAgeSet, takes effect at once", async () => {
    const { d, agg, owner, stranger } = await loadFixture(fixture);
    await expect(d.aggregator.connect(stranger).setMaxReportAge(0, 10)).to.be.revertedWithCustomError(agg, "OwnableUnauthorizedAccount");
    await expect(d.aggregator.connect(owner).setMaxReportAge(0, 0)).to.be.revertedWithCustomError(agg, "InvalidMaxReportAge").withArgs(0n);
    await expect(d.aggregator.connect(owner).setMaxReportAge(3, 10)).to.be.revertedWithCustomError(agg, "UnknownFeed").withArgs(3n);
    await expect(d.aggregator.connect(owner).setMaxReportAge(0, 10)).to.emit(agg, "MaxReportAgeSet").withArgs(0n, 10n);
    const old = await attempt(d, [0], -11);
    await expect(old.tx).to.be.revertedWithCustomError(agg, "ReportTooOld").withArgs(0n, old.ts, old.block, 10n);
    await expect((await attempt(d, [0], -10)).tx).not.to.be.reverted;
  });

  it("a withheld report for a quiet feed cannot land a day later", async () => {
    const { d, agg } = await loadFixture(fixture);
    const [, transmitter] = await ethers.getSigners();
    const signedAt = await now();
    const r = signedReport(d, { configDigest: d.configDigest, epoch: 1000, round: 1, observationsTimestamp: signedAt, feeds: [feedEntry(2, three(7n))] });
    await time.increase(86_400);
    await expect(d.aggregator.connect(transmitter).transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "ReportTooOld");
  });

  it("keeps startedAt <= updatedAt <= block.timestamp over random leads, lags and gaps", async () => {
    const { d, agg } = await loadFixture(fixture);
    let seed = 7;
    const rand = (lo: number, hi: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return lo + (seed % (hi - lo + 1));
    };
    let landed = 0;
    for (let i = 0; i < 60; i++) {
      const lead = rand(-400, 8);
      const a = await attempt(d, [0], lead, rand(1, 30));
      try {
        await (await a.tx).wait();
        landed++;
      } catch {
        // Too old, in the future beyond the skew, or older than the feed's latest: refused.
      }
      const block = BigInt(await now());
      const [roundId, , startedAt, updatedAt] = await agg.latestRoundData();
      if (roundId === 0n) continue;
      expect(startedAt <= updatedAt, `round ${roundId}: startedAt ${startedAt} > updatedAt ${updatedAt}`).to.equal(true);
      expect(updatedAt <= block).to.equal(true);
      const [, , hStarted, hUpdated] = await agg.getRoundData(roundId);
      expect([hStarted, hUpdated]).to.deep.equal([startedAt, updatedAt]);
    }
    expect(landed).to.be.greaterThan(10);
  });
});
