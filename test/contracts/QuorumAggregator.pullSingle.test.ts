import { expect } from "chai";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { IPullReportsSingle } from "../../typechain-types";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expectedAnswer, expectedConfidence, signReportBy } from "../../oracle-node/src/protocol/report";
import { be, deployAggregator, feedEntry, makeCommittee, now, observationsAround, signRaw, signedReport, type Deployed } from "./helpers/committee";
import { OBS, malformedCases, randomReports } from "./helpers/pullSingleCases";

/**
 * verifyReportSingle (IPullReportsSingle, served by the fallback; libraries/PullSingle.sol, whose slow path is ReportCodec.singleEntry):
 * the one-feed entry point must refuse what verifyReport refuses, with the same error, and
 * return verifyReport's answer otherwise.
 */
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
    for (const [expected, raw] of malformedCases(d, await now())) {
      const signatures = signRaw(d, raw, [0, 1, 2]);
      expect(await expectParity(d.aggregator, { report: raw, signatures }), raw).to.equal(expected);
    }
  });

  it("randomized: the same answer or the same error as verifyReport", async () => {
    const { d } = await loadFixture(fixture);
    const seen = new Set<string>();
    for (const raw of randomReports(d, await now(), 40)) {
      seen.add(await expectParity(d.aggregator, { report: raw, signatures: signRaw(d, raw, [0, 1, 2]) }));
    }
    expect(seen.has("ok"), [...seen].join()).to.equal(true);
    expect(seen.size).to.be.greaterThan(3);
  });
});
