import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expectedAnswer, expectedConfidence, signReportBy } from "../../oracle-node/src/protocol/report";
import { deployAggregator, feedEntry, makeCommittee, now, observationsAround, signedReport, type Deployed } from "./helpers/committee";

const PRICE = 6_712_345_000_000n;
const OBS = [PRICE - 10n, PRICE, PRICE + 3n, PRICE + 7n, PRICE + 20n];

async function fixture() {
  const [owner, transmitter, consumer] = await ethers.getSigners();
  const committee = makeCommittee(7, 2, transmitter.address, "pull", 3);
  const d = await deployAggregator(owner, committee, [{ maxReportAge: 60 }, { minAnswer: 1n, maxAnswer: 10n ** 13n }, {}]);
  return { d, owner, transmitter, consumer, agg: d.aggregator.connect(consumer) };
}

async function pullReport(d: Deployed, opts: { epoch?: number; round?: number; ts?: number; feeds?: ReturnType<typeof feedEntry>[]; signers?: number[] } = {}) {
  return signedReport(
    d,
    {
      configDigest: d.configDigest,
      epoch: opts.epoch ?? 1,
      round: opts.round ?? 1,
      observationsTimestamp: opts.ts ?? (await now()),
      feeds: opts.feeds ?? [feedEntry(0, OBS)],
    },
    opts.signers,
  );
}

describe("QuorumAggregator pull reports", () => {
  describe("verifyReport", () => {
    it("returns each feed's answer, confidence and observations timestamp, for any caller, without writing", async () => {
      const { d, agg } = await loadFixture(fixture);
      const ts = (await now()) - 3;
      const obs2 = observationsAround(5_000n, 7, 3);
      const r = await pullReport(d, { ts, feeds: [feedEntry(0, OBS), feedEntry(2, obs2)] });
      const answers = await agg.verifyReport(r.report, r.signatures);
      expect(answers.map((a) => [a.feedIndex, a.answer, a.confidence, a.observationsTimestamp])).to.deep.equal([
        [0n, expectedAnswer(OBS), expectedConfidence(OBS), BigInt(ts)],
        [2n, expectedAnswer(obs2), expectedConfidence(obs2), BigInt(ts)],
      ]);
      const [roundId, answer] = await agg.latestRoundData();
      expect([roundId, answer]).to.deep.equal([0n, 0n]);
    });

    it("caps a timestamp in the tolerated future at block.timestamp", async () => {
      const { d, agg } = await loadFixture(fixture);
      await time.setNextBlockTimestamp((await now()) + 10);
      await ethers.provider.send("evm_mine", []);
      const t = await now();
      const r = await pullReport(d, { ts: t + 4 });
      const [a] = await agg.verifyReport(r.report, r.signatures);
      expect(a.observationsTimestamp).to.equal(BigInt(t));
    });

    it("refuses f signatures, a forged one and a repeated signer", async () => {
      const { d, agg } = await loadFixture(fixture);
      const f = await pullReport(d, { signers: [0, 1] });
      await expect(agg.verifyReport(f.report, f.signatures)).to.be.revertedWithCustomError(agg, "WrongSignatureCount").withArgs(2n, 3n, 7n);
      const r = await pullReport(d);
      const forged = r.signatures.slice(0, -2) + (r.signatures.endsWith("00") ? "01" : "00");
      await expect(agg.verifyReport(r.report, forged)).to.be.revertedWithCustomError(agg, "InvalidSignature");
      const twice = signReportBy(
        r.report,
        d.domain,
        [0, 1, 1].map((i) => ({ signerIndex: i, key: d.committee.signers[i] })),
      );
      await expect(agg.verifyReport(r.report, twice)).to.be.revertedWithCustomError(agg, "DuplicateSigner");
    });

    it("refuses a report of another config digest, another chain or another aggregator", async () => {
      const { d, agg, owner } = await loadFixture(fixture);
      const wrongDigest = await pullReport({ ...d, configDigest: "0x" + "ab".repeat(32) });
      await expect(agg.verifyReport(wrongDigest.report, wrongDigest.signatures)).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch");
      const r = await pullReport(d);
      const keys = [0, 1, 2].map((i) => ({ signerIndex: i, key: d.committee.signers[i] }));
      const otherChain = signReportBy(r.report, { ...d.domain, chainId: d.domain.chainId + 1n }, keys);
      await expect(agg.verifyReport(r.report, otherChain)).to.be.revertedWithCustomError(agg, "InvalidSignature");
      // The same committee on a second aggregator: its digest differs, and so does the domain.
      const twin = await deployAggregator(owner, d.committee, [{}]);
      const there = await pullReport(twin);
      await expect(agg.verifyReport(there.report, there.signatures)).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch");
      const mixed = await pullReport({ ...twin, configDigest: d.configDigest });
      await expect(agg.verifyReport(mixed.report, mixed.signatures)).to.be.revertedWithCustomError(agg, "InvalidSignature");
    });

    it("refuses a report older than the feed's maximum age, and accepts one just within it", async () => {
      const { d, agg } = await loadFixture(fixture);
      const t = await now();
      const r = await pullReport(d, { ts: t - 60 });
      expect((await agg.verifyReport(r.report, r.signatures))[0].answer).to.equal(expectedAnswer(OBS));
      await ethers.provider.send("evm_mine", []);
      await expect(agg.verifyReport(r.report, r.signatures))
        .to.be.revertedWithCustomError(agg, "ReportTooOld")
        .withArgs(0n, BigInt(t - 60), BigInt(t + 1), 60n);
      // Feed 2 keeps the default 300 s: the same age is fine there, but not in a report with feed 0.
      const both = await pullReport(d, { ts: t - 100, feeds: [feedEntry(0, OBS), feedEntry(2, OBS)] });
      await expect(agg.verifyReport(both.report, both.signatures)).to.be.revertedWithCustomError(agg, "ReportTooOld");
      const two = await pullReport(d, { ts: t - 100, feeds: [feedEntry(2, OBS)] });
      expect((await agg.verifyReport(two.report, two.signatures)).length).to.equal(1);
    });

    it("refuses a median outside the feed's bounds (transmit would refuse it)", async () => {
      const { d, agg } = await loadFixture(fixture);
      const high = observationsAround(10n ** 13n + 5_000n, 5);
      const r = await pullReport(d, { feeds: [feedEntry(1, high)] });
      await expect(agg.verifyReport(r.report, r.signatures))
        .to.be.revertedWithCustomError(agg, "AnswerOutOfBounds")
        .withArgs(1n, expectedAnswer(high), 1n, 10n ** 13n);
      const inside = await pullReport(d, { feeds: [feedEntry(1, observationsAround(10n ** 12n, 5))] });
      expect((await agg.verifyReport(inside.report, inside.signatures))[0].feedIndex).to.equal(1n);
    });

    it("refuses a future report, too few observations, an unknown feed, a truncated report, and no config", async () => {
      const { d, agg, owner } = await loadFixture(fixture);
      const future = await pullReport(d, { ts: (await now()) + 60 });
      await expect(agg.verifyReport(future.report, future.signatures)).to.be.revertedWithCustomError(agg, "FutureReport");
      const few = await pullReport(d, { feeds: [feedEntry(0, OBS.slice(0, 4))] });
      await expect(agg.verifyReport(few.report, few.signatures)).to.be.revertedWithCustomError(agg, "WrongObservationCount");
      const unknown = await pullReport(d, { feeds: [feedEntry(7, OBS)] });
      await expect(agg.verifyReport(unknown.report, unknown.signatures)).to.be.revertedWithCustomError(agg, "UnknownFeed").withArgs(7n);
      const r = await pullReport(d);
      const cut = r.report.slice(0, -2);
      const cutSigs = signReportBy(
        cut,
        d.domain,
        [0, 1, 2].map((i) => ({ signerIndex: i, key: d.committee.signers[i] })),
      );
      await expect(agg.verifyReport(cut, cutSigs)).to.be.revertedWithCustomError(agg, "MalformedReport");
      const bare = await (await ethers.getContractFactory("QuorumAggregator", owner)).deploy(owner.address);
      await expect(bare.verifyReport(r.report, r.signatures)).to.be.revertedWithCustomError(bare, "ConfigNotSet");
    });
  });

  describe("updateAndRead", () => {
    it("stores a newer report like transmit (events included) and returns its answers", async () => {
      const { d, agg, consumer } = await loadFixture(fixture);
      const r = await pullReport(d, { epoch: 2, round: 5 });
      const tx = agg.updateAndRead(r.report, r.signatures);
      await expect(tx)
        .to.emit(agg, "AnswerUpdated")
        .withArgs(expectedAnswer(OBS), 1n, (v: bigint) => v > 0n);
      await expect(tx).to.emit(agg, "NewRound");
      await expect(tx).to.emit(agg, "NewTransmission").withArgs(consumer.address, r.report);
      const [roundId, answer] = await agg.latestRoundData();
      expect([roundId, answer]).to.deep.equal([1n, expectedAnswer(OBS)]);
      expect((await agg.latestConfidence())[1]).to.equal(expectedConfidence(OBS));
      const [, , , er] = await agg.latestTransmissionDetails();
      expect(er).to.equal((2n << 8n) | 5n);
      const answers = await agg.updateAndRead.staticCall(r.report, r.signatures);
      expect(answers[0].answer).to.equal(expectedAnswer(OBS));
    });

    it("returns without writing or reverting when the stored round is as new, so the transmitter's copy then reverts StaleReport", async () => {
      const { d, agg, transmitter } = await loadFixture(fixture);
      const r = await pullReport(d, { epoch: 1, round: 3 });
      await (await agg.updateAndRead(r.report, r.signatures)).wait();
      const again = agg.updateAndRead(r.report, r.signatures);
      await expect(again).not.to.emit(agg, "AnswerUpdated");
      await expect(again).not.to.emit(agg, "NewTransmission");
      expect((await agg.latestRoundData())[0]).to.equal(1n);
      await expect(d.aggregator.connect(transmitter).transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "StaleReport");
      const older = await pullReport(d, { epoch: 1, round: 2 });
      expect((await agg.updateAndRead.staticCall(older.report, older.signatures))[0].answer).to.equal(expectedAnswer(OBS));
    });

    it("advances only the feeds the report is newer for", async () => {
      const { d, agg, transmitter } = await loadFixture(fixture);
      const first = await pullReport(d, { epoch: 1, round: 9, feeds: [feedEntry(2, OBS)] });
      await (await d.aggregator.connect(transmitter).transmit(first.report, first.signatures)).wait();
      const obs0 = observationsAround(PRICE * 2n, 5);
      const r = await pullReport(d, { epoch: 1, round: 4, feeds: [feedEntry(0, obs0), feedEntry(2, observationsAround(1n, 5))] });
      const tx = agg.updateAndRead(r.report, r.signatures);
      await expect(tx)
        .to.emit(agg, "AnswerUpdated")
        .withArgs(expectedAnswer(obs0), 1n, (v: bigint) => v > 0n);
      const pad = ethers.zeroPadValue("0x02", 32);
      expect(await agg.latestAnswer()).to.equal(expectedAnswer(obs0));
      const feed2 = await ethers.provider.call({ to: d.address, data: agg.interface.encodeFunctionData("latestAnswer") + pad.slice(2) });
      expect(BigInt(feed2)).to.equal(expectedAnswer(OBS));
    });

    it("refuses exactly what verifyReport refuses", async () => {
      const { d, agg } = await loadFixture(fixture);
      const f = await pullReport(d, { signers: [4, 5] });
      await expect(agg.updateAndRead(f.report, f.signatures)).to.be.revertedWithCustomError(agg, "WrongSignatureCount");
      const old = await pullReport(d, { ts: (await now()) - 61 });
      await expect(agg.updateAndRead(old.report, old.signatures)).to.be.revertedWithCustomError(agg, "ReportTooOld");
      const out = await pullReport(d, { feeds: [feedEntry(1, observationsAround(-5_000n, 5))] });
      await expect(agg.updateAndRead(out.report, out.signatures)).to.be.revertedWithCustomError(agg, "AnswerOutOfBounds");
      expect((await agg.outOfBounds(1))[0]).to.equal(false);
    });
  });

  it("randomized: verifyReport's answers are what transmit then stores", async () => {
    const { d, agg, transmitter } = await loadFixture(fixture);
    let seed = 12345;
    const rand = (m: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
    for (let i = 1; i <= 12; i++) {
      const feeds = [0, 2].filter(() => rand(2) === 1);
      if (feeds.length === 0) feeds.push(2);
      const entries = feeds.map((fi) => {
        const count = 5 + rand(3);
        const obs = Array.from({ length: count }, () => BigInt(rand(2_000_000)) - 1_000_000n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        return feedEntry(fi, obs, [6, 5, 4, 3, 2, 1, 0].slice(0, count));
      });
      const r = await pullReport(d, { epoch: 1, round: i, feeds: entries });
      const pulled = await agg.verifyReport(r.report, r.signatures);
      await (await d.aggregator.connect(transmitter).transmit(r.report, r.signatures)).wait();
      for (const p of pulled) {
        const pad = ethers.zeroPadValue(ethers.toBeHex(p.feedIndex), 32).slice(2);
        const stored = agg.interface.decodeFunctionResult(
          "latestRoundData",
          await ethers.provider.call({ to: d.address, data: agg.interface.encodeFunctionData("latestRoundData") + pad }),
        );
        const conf = agg.interface.decodeFunctionResult(
          "latestConfidence",
          await ethers.provider.call({ to: d.address, data: agg.interface.encodeFunctionData("latestConfidence") + pad }),
        );
        expect([stored[1], stored[2], conf[1]]).to.deep.equal([p.answer, p.observationsTimestamp, p.confidence]);
      }
    }
  });
});
