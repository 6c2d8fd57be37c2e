import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, Wallet, concat, getBytes, hexlify } from "ethers";
import { epochAndRound, expectedAnswer, expectedConfidence, packSignatures, reportDigest, signReport } from "../../oracle-node/src/protocol/report";
import { deployAggregator, feedEntry, keyFor, makeCommittee, now, rawFeed, rawHeader, signRaw, signedReport, type Deployed } from "./helpers/committee";

const PRICE = 6_712_345_000_000n;
const TRANSMITTER_INDEX = 3;

async function fixture() {
  const [owner, transmitter, stranger] = await ethers.getSigners();
  const committee = makeCommittee(7, 2, transmitter.address, "transmit", TRANSMITTER_INDEX);
  const d = await deployAggregator(owner, committee, [{}, { minAnswer: 1n, maxAnswer: 10n ** 13n }, { decimals: 18 }]);
  return { d, owner, transmitter, stranger, agg: d.aggregator.connect(transmitter) };
}

type Fx = Awaited<ReturnType<typeof fixture>>;

async function report(d: Deployed, opts: { epoch?: number; round?: number; ts?: number; feeds?: ReturnType<typeof feedEntry>[]; signers?: number[] } = {}) {
  return signedReport(
    d,
    {
      configDigest: d.configDigest,
      epoch: opts.epoch ?? 1,
      round: opts.round ?? 1,
      observationsTimestamp: opts.ts ?? (await now()),
      feeds: opts.feeds ?? [feedEntry(0, [PRICE - 10n, PRICE, PRICE + 3n, PRICE + 7n, PRICE + 20n])],
    },
    opts.signers,
  );
}

describe("QuorumAggregator.transmit", () => {
  describe("accepts a valid report", () => {
    it("stores the median, the confidence and the round, and emits the Chainlink events", async () => {
      const { d, agg, transmitter } = await loadFixture(fixture);
      const obs = [PRICE - 10n, PRICE, PRICE + 3n, PRICE + 7n, PRICE + 20n];
      const r = await report(d, { feeds: [feedEntry(0, obs, [6, 0, 2, 4, 1])] });
      const tx = agg.transmit(r.report, r.signatures);
      await expect(tx)
        .to.emit(agg, "AnswerUpdated")
        .withArgs(PRICE + 3n, 1n, (v: bigint) => v > 0n);
      await expect(tx)
        .to.emit(agg, "NewRound")
        .withArgs(1n, transmitter.address, (v: bigint) => v > 0n);
      await expect(tx).to.emit(agg, "NewTransmission").withArgs(transmitter.address, r.report);
      const [roundId, answer, startedAt, updatedAt, answeredInRound] = await agg.latestRoundData();
      expect(roundId).to.equal(1n);
      expect(answer).to.equal(expectedAnswer(obs));
      expect(startedAt).to.be.lessThanOrEqual(updatedAt);
      expect(answeredInRound).to.equal(1n);
      const [confRound, confidence] = await agg.latestConfidence();
      expect(confRound).to.equal(1n);
      expect(confidence).to.equal(expectedConfidence(obs));
    });

    it("takes the floored mean of the middle two for an even count, and negative answers", async () => {
      const { d, agg } = await loadFixture(fixture);
      const obs = [-9n, -7n, -4n, -1n, 2n, 5n];
      const r = await report(d, { feeds: [feedEntry(0, obs)] });
      await agg.transmit(r.report, r.signatures);
      expect(await agg.latestAnswer()).to.equal(-3n); // floor((-4 + -1) / 2)
      expect(expectedAnswer(obs)).to.equal(-3n);
    });

    it("accepts n observations and n signatures", async () => {
      const { d, agg } = await loadFixture(fixture);
      const obs = [1n, 2n, 3n, 4n, 5n, 6n, 7n].map((v) => PRICE + v);
      const r = await report(d, { feeds: [feedEntry(0, obs)], signers: [6, 5, 4, 3, 2, 1, 0] });
      await expect(agg.transmit(r.report, r.signatures)).not.to.be.reverted;
      expect(await agg.latestAnswer()).to.equal(PRICE + 4n);
    });

    it("saturates confidence at 2^72-1 instead of wrapping", async () => {
      const { d, agg } = await loadFixture(fixture);
      const big = 1n << 100n;
      const obs = [-big, -big, 0n, big, big];
      const r = await report(d, { feeds: [feedEntry(2, obs)] });
      await agg.transmit(r.report, r.signatures);
      const iface = agg.interface;
      const data = iface.encodeFunctionData("latestConfidence") + "0".repeat(63) + "2";
      const [, conf] = iface.decodeFunctionResult("latestConfidence", await ethers.provider.call({ to: d.address, data }));
      expect(conf).to.equal((1n << 72n) - 1n);
      expect(expectedConfidence(obs)).to.equal((1n << 72n) - 1n);
    });

    it("updates several feeds from one batched report and emits AnswerUpdated per feed, NewRound for none", async () => {
      const { d, agg } = await loadFixture(fixture);
      const feeds = [feedEntry(0, [1n, 2n, 3n, 4n, 5n]), feedEntry(1, [10n, 20n, 30n, 40n, 50n]), feedEntry(2, [7n, 7n, 7n, 7n, 7n])];
      const r = await report(d, { feeds });
      const tx = agg.transmit(r.report, r.signatures);
      await expect(tx)
        .to.emit(agg, "AnswerUpdated")
        .withArgs(3n, 1n, (v: bigint) => v > 0n);
      await expect(tx)
        .to.emit(agg, "AnswerUpdated")
        .withArgs(30n, (1n << 32n) | 1n, (v: bigint) => v > 0n);
      await expect(tx)
        .to.emit(agg, "AnswerUpdated")
        .withArgs(7n, (2n << 32n) | 1n, (v: bigint) => v > 0n);
      await expect(tx).not.to.emit(agg, "NewRound");
      expect(await agg.latestRound()).to.equal(1n);
    });

    it("accepts a report whose timestamp leads the block by the tolerated skew, storing startedAt = block time", async () => {
      const { d, agg } = await loadFixture(fixture);
      const skew = Number(await agg.MAX_FUTURE_SKEW_SECONDS());
      expect(skew).to.equal(5);
      const block = (await now()) + 1;
      await time.setNextBlockTimestamp(block);
      const r = await report(d, { ts: block + skew });
      await expect(agg.transmit(r.report, r.signatures)).not.to.be.reverted;
      const [, , startedAt, updatedAt] = await agg.latestRoundData();
      expect(startedAt).to.equal(BigInt(block));
      expect(updatedAt).to.equal(BigInt(block));
    });
  });

  describe("reverts", () => {
    it("ConfigNotSet before any config", async () => {
      const [owner, transmitter] = await ethers.getSigners();
      const agg = await (await ethers.getContractFactory("QuorumAggregator", owner)).deploy(owner.address);
      await expect(agg.connect(transmitter).transmit("0x", "0x")).to.be.revertedWithCustomError(agg, "ConfigNotSet");
    });

    it("UnauthorizedTransmitter for anyone but the transmitters (signers included)", async () => {
      const { d, stranger } = await loadFixture(fixture);
      const r = await report(d);
      await expect(d.aggregator.connect(stranger).transmit(r.report, r.signatures))
        .to.be.revertedWithCustomError(d.aggregator, "UnauthorizedTransmitter")
        .withArgs(stranger.address);
    });

    it("MalformedReport for a report shorter than its header", async () => {
      const { agg } = await loadFixture(fixture);
      await expect(agg.transmit("0x" + "00".repeat(41), "0x"))
        .to.be.revertedWithCustomError(agg, "MalformedReport")
        .withArgs(41n);
    });

    it("ConfigDigestMismatch for a report made under another digest", async () => {
      const { d, agg } = await loadFixture(fixture);
      const other = "0x" + "ab".repeat(32);
      const r = signedReport(
        { ...d, configDigest: other },
        { configDigest: other, epoch: 1, round: 1, observationsTimestamp: await now(), feeds: [feedEntry(0, [1n, 2n, 3n, 4n, 5n])] },
      );
      await expect(agg.transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch").withArgs(d.configDigest, other);
    });

    it("FutureReport beyond the tolerated skew (one second past it)", async () => {
      const { d, agg } = await loadFixture(fixture);
      const block = (await now()) + 1;
      await time.setNextBlockTimestamp(block);
      const r = await report(d, { ts: block + 6 });
      await expect(agg.transmit(r.report, r.signatures))
        .to.be.revertedWithCustomError(agg, "FutureReport")
        .withArgs(block + 6, block);
    });

    it("MalformedReport for zero feeds", async () => {
      const { d, agg } = await loadFixture(fixture);
      const raw = rawHeader(d.configDigest, epochAndRound(1, 1), await now(), 0);
      await expect(agg.transmit(raw, signRaw(d, raw, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "MalformedReport")
        .withArgs(41n);
    });

    it("MalformedReport for a truncated feed header, observers, observations, and trailing bytes", async () => {
      const { d, agg } = await loadFixture(fixture);
      const header = rawHeader(d.configDigest, epochAndRound(1, 1), await now(), 1);
      const feed = rawFeed(0, [0, 1, 2, 3, 4], 2, [1n, 2n, 3n, 4n, 5n]);
      const cases: [string, bigint][] = [
        [header + feed.slice(0, 2), 42n], // one byte of the feed header
        [header + feed.slice(0, 10), 44n], // header + 3 of 5 observers: width byte missing
        [header + feed.slice(0, 20), 50n], // observations cut short
        [header + feed + "00", 60n], // a trailing byte after the 18-byte entry
      ];
      for (const [raw, offset] of cases) {
        await expect(agg.transmit(raw, signRaw(d, raw, [0, 1, 2])), raw)
          .to.be.revertedWithCustomError(agg, "MalformedReport")
          .withArgs(offset);
      }
    });

    it("MalformedSignatures for a partial signature entry", async () => {
      const { d, agg } = await loadFixture(fixture);
      const r = await report(d);
      await expect(agg.transmit(r.report, r.signatures + "00"))
        .to.be.revertedWithCustomError(agg, "MalformedSignatures")
        .withArgs(196n);
    });

    it("WrongSignatureCount for f or fewer, and for more than n", async () => {
      const { d, agg } = await loadFixture(fixture);
      const r = await report(d, { signers: [0, 1] });
      await expect(agg.transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "WrongSignatureCount").withArgs(2n, 3n, 7n);
      const all = await report(d, { signers: [0, 1, 2, 3, 4, 5, 6] });
      const eight = all.signatures + all.signatures.slice(2, 132);
      await expect(agg.transmit(all.report, eight)).to.be.revertedWithCustomError(agg, "WrongSignatureCount").withArgs(8n, 3n, 7n);
    });

    it("SignerOutOfRange for an index >= n", async () => {
      const { d, agg } = await loadFixture(fixture);
      const r = await report(d);
      const sig = signReport(d.committee.signers[0], reportDigest(r.report, d.domain));
      const bad = packSignatures([
        { signerIndex: 1, signature: sig },
        { signerIndex: 2, signature: sig },
        { signerIndex: 7, signature: sig },
      ]);
      await expect(agg.transmit(r.report, bad)).to.be.revertedWithCustomError(agg, "InvalidSignature");
      const outOfRange = packSignatures([
        { signerIndex: 7, signature: sig },
        { signerIndex: 1, signature: sig },
        { signerIndex: 2, signature: sig },
      ]);
      await expect(agg.transmit(r.report, outOfRange)).to.be.revertedWithCustomError(agg, "SignerOutOfRange").withArgs(7n);
    });

    it("DuplicateSigner when one signer signs twice", async () => {
      const { d, agg } = await loadFixture(fixture);
      const r = await report(d, { signers: [0, 1, 1] });
      await expect(agg.transmit(r.report, r.signatures)).to.be.revertedWithCustomError(agg, "DuplicateSigner").withArgs(1n);
    });

    it("InvalidSignature for a stranger's key, a wrong index, another domain, a tampered report and a high-s signature", async () => {
      const { d, agg } = await loadFixture(fixture);
      const r = await report(d);
      const digest = reportDigest(r.report, d.domain);
      const stranger = keyFor("stranger", 0);
      const good = (i: number) => ({ signerIndex: i, signature: signReport(d.committee.signers[i], digest) });
      const strangerSig = packSignatures([good(0), good(1), { signerIndex: 2, signature: signReport(stranger, digest) }]);
      await expect(agg.transmit(r.report, strangerSig)).to.be.revertedWithCustomError(agg, "InvalidSignature").withArgs(2n, stranger.address);
      const swapped = packSignatures([good(0), good(1), { signerIndex: 4, signature: good(2).signature }]);
      await expect(agg.transmit(r.report, swapped)).to.be.revertedWithCustomError(agg, "InvalidSignature");
      for (const domain of [
        { ...d.domain, chainId: d.domain.chainId + 1n },
        { ...d.domain, verifyingContract: Wallet.createRandom().address },
      ]) {
        const other = signRaw(d, r.report, [0, 1, 2], domain);
        await expect(agg.transmit(r.report, other)).to.be.revertedWithCustomError(agg, "InvalidSignature");
      }
      const tampered = hexlify(getBytes(r.report).map((b, i) => (i === 60 ? b ^ 1 : b)));
      await expect(agg.transmit(tampered, r.signatures)).to.be.revertedWithCustomError(agg, "InvalidSignature");
      // An s above n/2 (the malleable half, rejected as by OpenZeppelin's ECDSA) and an r of zero
      // (ecrecover fails) both recover nothing.
      const sig = Signature.from(good(2).signature);
      const highS = "02" + sig.r.slice(2) + "7" + "f".repeat(63);
      const zeroR = "02" + "00".repeat(32) + sig.yParityAndS.slice(2);
      for (const entry of [highS, zeroR]) {
        const packed = concat([packSignatures([good(0), good(1)]), "0x" + entry]);
        await expect(agg.transmit(r.report, packed)).to.be.revertedWithCustomError(agg, "InvalidSignature").withArgs(2n, ethers.ZeroAddress);
      }
    });

    it("StaleReport for a replay and for an older epoch-and-round", async () => {
      const { d, agg } = await loadFixture(fixture);
      const r = await report(d, { epoch: 5, round: 3 });
      await agg.transmit(r.report, r.signatures);
      await expect(agg.transmit(r.report, r.signatures))
        .to.be.revertedWithCustomError(agg, "StaleReport")
        .withArgs(0n, epochAndRound(5, 3), epochAndRound(5, 3));
      const older = await report(d, { epoch: 5, round: 2 });
      await expect(agg.transmit(older.report, older.signatures))
        .to.be.revertedWithCustomError(agg, "StaleReport")
        .withArgs(0n, epochAndRound(5, 3), epochAndRound(5, 2));
      const newer = await report(d, { epoch: 5, round: 4 });
      await expect(agg.transmit(newer.report, newer.signatures)).not.to.be.reverted;
    });

    it("ObservationsTimestampDecreased when a newer round carries older observations", async () => {
      const { d, agg } = await loadFixture(fixture);
      const ts = await now();
      const r = await report(d, { epoch: 1, ts });
      await agg.transmit(r.report, r.signatures);
      const back = await report(d, { epoch: 2, ts: ts - 5 });
      await expect(agg.transmit(back.report, back.signatures))
        .to.be.revertedWithCustomError(agg, "ObservationsTimestampDecreased")
        .withArgs(0n, ts, ts - 5);
    });

    it("UnknownFeed and FeedsNotAscending", async () => {
      const { d, agg } = await loadFixture(fixture);
      const unknown = await report(d, { feeds: [feedEntry(3, [1n, 2n, 3n, 4n, 5n])] });
      await expect(agg.transmit(unknown.report, unknown.signatures)).to.be.revertedWithCustomError(agg, "UnknownFeed").withArgs(3n);
      const ts = await now();
      const header = rawHeader(d.configDigest, epochAndRound(1, 1), ts, 2);
      const dup = header + rawFeed(1, [0, 1, 2, 3, 4], 1, [1n, 2n, 3n, 4n, 5n]) + rawFeed(1, [0, 1, 2, 3, 4], 1, [1n, 2n, 3n, 4n, 5n]);
      await expect(agg.transmit(dup, signRaw(d, dup, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "FeedsNotAscending")
        .withArgs(1n, 1n);
      const desc = header + rawFeed(2, [0, 1, 2, 3, 4], 1, [1n, 2n, 3n, 4n, 5n]) + rawFeed(0, [0, 1, 2, 3, 4], 1, [1n, 2n, 3n, 4n, 5n]);
      await expect(agg.transmit(desc, signRaw(d, desc, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "FeedsNotAscending")
        .withArgs(2n, 0n);
    });

    it("WrongObservationCount below 2f+1 and above n", async () => {
      const { d, agg } = await loadFixture(fixture);
      const few = await report(d, { feeds: [feedEntry(0, [1n, 2n, 3n, 4n])] });
      await expect(agg.transmit(few.report, few.signatures)).to.be.revertedWithCustomError(agg, "WrongObservationCount").withArgs(0n, 4n, 5n, 7n);
      const header = rawHeader(d.configDigest, epochAndRound(1, 1), await now(), 1);
      const many = header + rawFeed(0, [0, 1, 2, 3, 4, 5, 6, 0], 1, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      await expect(agg.transmit(many, signRaw(d, many, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "WrongObservationCount")
        .withArgs(0n, 8n, 5n, 7n);
    });

    it("ObserverOutOfRange and DuplicateObserver", async () => {
      const { d, agg } = await loadFixture(fixture);
      const header = rawHeader(d.configDigest, epochAndRound(1, 1), await now(), 1);
      const out = header + rawFeed(0, [0, 1, 9, 3, 4], 1, [1n, 2n, 3n, 4n, 5n]);
      await expect(agg.transmit(out, signRaw(d, out, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "ObserverOutOfRange")
        .withArgs(0n, 9n);
      const dup = header + rawFeed(0, [0, 1, 2, 1, 4], 1, [1n, 2n, 3n, 4n, 5n]);
      await expect(agg.transmit(dup, signRaw(d, dup, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "DuplicateObserver")
        .withArgs(0n, 1n);
      // An observer >= 32 sets no bit in a 32-bit window but must still be caught.
      const high = header + rawFeed(0, [0, 1, 2, 3, 200], 1, [1n, 2n, 3n, 4n, 5n]);
      await expect(agg.transmit(high, signRaw(d, high, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "ObserverOutOfRange")
        .withArgs(0n, 200n);
    });

    it("InvalidObservationWidth for 0 and for 16 bytes", async () => {
      const { d, agg } = await loadFixture(fixture);
      const header = rawHeader(d.configDigest, epochAndRound(1, 1), await now(), 1);
      for (const width of [0, 16]) {
        const raw = header + rawFeed(0, [0, 1, 2, 3, 4], width, width === 0 ? [] : [1n, 2n, 3n, 4n, 5n]);
        await expect(agg.transmit(raw, signRaw(d, raw, [0, 1, 2])))
          .to.be.revertedWithCustomError(agg, "InvalidObservationWidth")
          .withArgs(0n, BigInt(width));
      }
    });

    it("ObservationsNotSorted, naming the first out-of-order position", async () => {
      const { d, agg } = await loadFixture(fixture);
      const header = rawHeader(d.configDigest, epochAndRound(1, 1), await now(), 1);
      const raw = header + rawFeed(0, [0, 1, 2, 3, 4], 2, [1n, 2n, 5n, 4n, 6n]);
      await expect(agg.transmit(raw, signRaw(d, raw, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "ObservationsNotSorted")
        .withArgs(0n, 3n);
      const negative = header + rawFeed(0, [0, 1, 2, 3, 4], 2, [-1n, -2n, 3n, 4n, 5n]);
      await expect(agg.transmit(negative, signRaw(d, negative, [0, 1, 2])))
        .to.be.revertedWithCustomError(agg, "ObservationsNotSorted")
        .withArgs(0n, 1n);
    });
  });

  it("keeps per-feed freshness: a report for one feed does not block a fresher one for another", async () => {
    const { d, agg } = await loadFixture(fixture);
    const a = await report(d, { epoch: 9, feeds: [feedEntry(0, [1n, 2n, 3n, 4n, 5n])] });
    await agg.transmit(a.report, a.signatures);
    const b = await report(d, { epoch: 2, feeds: [feedEntry(2, [1n, 2n, 3n, 4n, 5n])] });
    await expect(agg.transmit(b.report, b.signatures)).not.to.be.reverted;
    const c = await report(d, { epoch: 3, feeds: [feedEntry(0, [1n, 2n, 3n, 4n, 5n]), feedEntry(2, [1n, 2n, 3n, 4n, 5n])] });
    await expect(agg.transmit(c.report, c.signatures)).to.be.revertedWithCustomError(agg, "StaleReport").withArgs(0n, epochAndRound(9, 1), epochAndRound(3, 1));
    await time.increase(1);
  });
});

export type { Fx };
