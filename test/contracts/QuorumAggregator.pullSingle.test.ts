import { expect } from "chai";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { IPullReportsSingle } from "../../typechain-types";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expectedAnswer, expectedConfidence, signReportBy } from "../../oracle-node/src/protocol/report";
import {
  be,
  deployAggregator,
  feedEntry,
  makeCommittee,
  now,
  observationsAround,
  rawFeed,
  rawHeader,
  signRaw,
  signedReport,
  type Deployed,
} from "./helpers/committee";

/**
 * verifyReportSingle (IPullReportsSingle, served by the fallback; libraries/PullSingle.sol, whose slow path is ReportCodec.singleEntry):
 * the one-feed entry point must refuse what verifyReport refuses, with the same error, and
 * return verifyReport's answer otherwise.
 */
const PRICE = 6_712_345_000_000n;
const OBS = [PRICE - 10n, PRICE, PRICE + 3n, PRICE + 7n, PRICE + 20n];
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function fixture() {
  const [owner, transmitter, consumer] = await ethers.getSigners();
  const committee = makeCommittee(7, 2, transmitter.address, "single", 3);
  const d = await deployAggregator(owner, committee, [{ maxReportAge: 60 }, { minAnswer: 1n, maxAnswer: 10n ** 13n }, {}]);
  return { d, owner, agg: d.aggregator.connect(consumer), one: await single(d.aggregator, consumer) };
}

/** verifyReportSingle is served by the aggregator's fallback: called through IPullReportsSingle. */
async function single(agg: Deployed["aggregator"], runner?: Signer): Promise<IPullReportsSingle> {
  return ethers.getContractAt("IPullReportsSingle", await agg.getAddress(), runner);
}

async function report(d: Deployed, opts: { ts?: number; feeds?: ReturnType<typeof feedEntry>[]; signers?: number[] } = {}) {
  return signedReport(
    d,
    { configDigest: d.configDigest, epoch: 1, round: 1, observationsTimestamp: opts.ts ?? (await now()), feeds: opts.feeds ?? [feedEntry(0, OBS)] },
    opts.signers,
  );
}

/** Both entry points on the same input: the same answer, or the same revert data. */
async function expectParity(agg: Deployed["aggregator"], r: { report: string; signatures: string }): Promise<string> {
  const outcome = async (f: () => Promise<unknown>) => {
    try {
      return { ok: await f() };
    } catch (e) {
      const data = (e as { data?: string }).data;
      if (typeof data !== "string") throw e;
      return { err: data };
    }
  };
  const many = await outcome(() => agg.verifyReport(r.report, r.signatures));
  const viaFallback = await single(agg);
  const one = await outcome(() => viaFallback.verifyReportSingle(r.report, r.signatures));
  if ("err" in many) {
    expect(one).to.deep.equal(many);
    return agg.interface.parseError(many.err as string)!.name;
  }
  const [a] = many.ok as Array<{ feedIndex: bigint; answer: bigint; confidence: bigint; observationsTimestamp: bigint }>;
  expect("ok" in one).to.equal(true);
  expect([...(one.ok as bigint[])]).to.deep.equal([a.feedIndex, a.answer, a.confidence, a.observationsTimestamp]);
  return "ok";
}

describe("QuorumAggregator.verifyReportSingle", () => {
  it("returns the feed's answer, confidence and observations timestamp, as verifyReport does", async () => {
    const { d, agg, one } = await loadFixture(fixture);
    const ts = (await now()) - 3;
    const obs = observationsAround(5_000n, 7, 3);
    const r = await report(d, { ts, feeds: [feedEntry(2, obs)] });
    const [feed, answer, confidence, at] = await one.verifyReportSingle(r.report, r.signatures);
    expect([feed, answer, confidence, at]).to.deep.equal([2n, expectedAnswer(obs), expectedConfidence(obs), BigInt(ts)]);
    expect(await expectParity(agg, r)).to.equal("ok");
    const even = await report(d, { feeds: [feedEntry(0, [-7n, -3n, 0n, 4n, 9n, 12n])] });
    expect(await expectParity(agg, even)).to.equal("ok");
  });

  it("refuses f signatures, a duplicate signer, a high-s twin and another chain's signatures", async () => {
    const { d, agg, one } = await loadFixture(fixture);
    const few = await report(d, { signers: [0, 1] });
    await expect(one.verifyReportSingle(few.report, few.signatures)).to.be.revertedWithCustomError(agg, "WrongSignatureCount").withArgs(2n, 3n, 7n);
    const r = await report(d);
    const twice = signReportBy(
      r.report,
      d.domain,
      [0, 1, 1].map((i) => ({ signerIndex: i, key: d.committee.signers[i] })),
    );
    await expect(one.verifyReportSingle(r.report, twice)).to.be.revertedWithCustomError(agg, "DuplicateSigner").withArgs(1n);
    // s above half the curve order in entry 0 (the malleable twin of a valid s is mostly too
    // large for the compact form's 255 bits; any high s is refused before ecrecover).
    const sigs = r.signatures.slice(2);
    const vs = BigInt("0x" + sigs.slice(66, 130));
    const highS = (vs & (1n << 255n)) | ((N >> 1n) + 1n + (vs & 0xffffn));
    const high = "0x" + sigs.slice(0, 66) + be(highS, 32) + sigs.slice(130);
    await expect(one.verifyReportSingle(r.report, high)).to.be.revertedWithCustomError(agg, "InvalidSignature").withArgs(0n, ethers.ZeroAddress);
    expect(await expectParity(agg, { report: r.report, signatures: high })).to.equal("InvalidSignature");
    const keys = [0, 1, 2].map((i) => ({ signerIndex: i, key: d.committee.signers[i] }));
    const otherChain = signReportBy(r.report, { ...d.domain, chainId: d.domain.chainId + 1n }, keys);
    await expect(one.verifyReportSingle(r.report, otherChain)).to.be.revertedWithCustomError(agg, "InvalidSignature");
  });

  it("refuses another config digest, a report older than the feed's maximum age and a median out of bounds", async () => {
    const { d, agg, one } = await loadFixture(fixture);
    const wrong = await report({ ...d, configDigest: "0x" + "ab".repeat(32) });
    await expect(one.verifyReportSingle(wrong.report, wrong.signatures)).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch");
    const t = await now();
    const old = await report(d, { ts: t - 60 });
    expect((await one.verifyReportSingle(old.report, old.signatures))[1]).to.equal(expectedAnswer(OBS));
    await ethers.provider.send("evm_mine", []);
    await expect(one.verifyReportSingle(old.report, old.signatures))
      .to.be.revertedWithCustomError(agg, "ReportTooOld")
      .withArgs(0n, BigInt(t - 60), BigInt(t + 1), 60n);
    const high = observationsAround(10n ** 13n + 5_000n, 5);
    const out = await report(d, { feeds: [feedEntry(1, high)] });
    await expect(one.verifyReportSingle(out.report, out.signatures))
      .to.be.revertedWithCustomError(agg, "AnswerOutOfBounds")
      .withArgs(1n, expectedAnswer(high), 1n, 10n ** 13n);
    const inside = await report(d, { feeds: [feedEntry(1, [1n, 1n, 2n, 3n, 10n ** 13n])] });
    expect((await one.verifyReportSingle(inside.report, inside.signatures))[1]).to.equal(2n);
  });

  it("refuses a report of two feeds (SingleFeedExpected) that verifyReport accepts", async () => {
    const { d, agg, one } = await loadFixture(fixture);
    const two = await report(d, { feeds: [feedEntry(0, OBS), feedEntry(2, OBS)] });
    expect((await agg.verifyReport(two.report, two.signatures)).length).to.equal(2);
    await expect(one.verifyReportSingle(two.report, two.signatures)).to.be.revertedWithCustomError(agg, "SingleFeedExpected").withArgs(2n);
  });

  it("refuses each malformed entry with verifyReport's error", async () => {
    const { d } = await loadFixture(fixture);
    const ts = await now();
    const er = 1n << 8n;
    const cases: Array<[string, string]> = [
      ["MalformedReport", rawHeader(d.configDigest, er, ts, 0)],
      ["MalformedReport", rawHeader(d.configDigest, er, ts, 1) + "00"],
      ["UnknownFeed", rawHeader(d.configDigest, er, ts, 1) + rawFeed(3, [0, 1, 2, 3, 4], 6, OBS)],
      ["WrongObservationCount", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3], 6, OBS.slice(0, 4))],
      [
        "WrongObservationCount",
        rawHeader(d.configDigest, er, ts, 1) +
          rawFeed(
            0,
            [0, 1, 2, 3, 4, 5, 6, 7],
            6,
            [...OBS, ...OBS.slice(0, 3)].sort((a, b) => (a < b ? -1 : 1)),
          ),
      ],
      ["InvalidObservationWidth", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 4], 0, [])],
      ["InvalidObservationWidth", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 4], 16, OBS)],
      ["MalformedReport", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 4], 6, OBS).slice(0, -2)],
      ["MalformedReport", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 4], 6, OBS) + "00"],
      ["MalformedReport", rawHeader(d.configDigest, er, ts, 1) + "0005000102"],
      ["ObserverOutOfRange", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 7], 6, OBS)],
      ["DuplicateObserver", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 1], 6, OBS)],
      ["ObserverOutOfRange", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 255, 2, 2, 1], 6, [OBS[1], OBS[0], ...OBS.slice(2)])],
      ["ObservationsNotSorted", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 4], 6, [OBS[0], OBS[1], OBS[3], OBS[2], OBS[4]])],
      ["ObservationsNotSorted", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [0, 1, 2, 3, 4], 6, [-1n, -2n, 3n, 4n, 5n])],
      ["ok", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [6, 0, 5, 1, 4], 15, [-(1n << 118n), -1n, 0n, 1n, 1n << 118n])],
      ["ok", rawHeader(d.configDigest, er, ts, 1) + rawFeed(0, [6, 5, 4, 3, 2, 1, 0], 1, [-128n, -1n, 0n, 0n, 1n, 2n, 127n])],
    ];
    for (const [expected, raw] of cases) {
      const signatures = signRaw(d, raw, [0, 1, 2]);
      expect(await expectParity(d.aggregator, { report: raw, signatures }), raw).to.equal(expected);
    }
  });

  it("randomized: the same answer or the same error as verifyReport", async () => {
    const { d } = await loadFixture(fixture);
    let seed = 12345;
    const rand = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % k);
    const ts = await now();
    const seen = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const count = 4 + rand(4);
      const width = 1 + rand(15);
      const span = 1n << BigInt(Math.min(8 * width - 1, 60));
      const obs = Array.from({ length: count }, () => (BigInt(rand(2 ** 30)) % (2n * span)) - span).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (rand(4) === 0) obs.reverse();
      const observers = Array.from({ length: count }, (_, i) => (rand(6) === 0 ? rand(9) : i));
      const raw = rawHeader(d.configDigest, 1n << 8n, ts - rand(100), 1) + rawFeed(rand(4), observers, width, obs);
      seen.add(await expectParity(d.aggregator, { report: raw, signatures: signRaw(d, raw, [0, 1, 2]) }));
    }
    expect(seen.has("ok"), [...seen].join()).to.equal(true);
    expect(seen.size).to.be.greaterThan(3);
  });
});
