import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, concat, getBytes, hexlify, toBeHex, zeroPadValue } from "ethers";
import { expectedAnswer, signReportBy } from "../../oracle-node/src/protocol/report";
import { be, deployAggregator, feedEntry, makeCommittee, now, observationsAround, signedReport, type Deployed } from "./helpers/committee";

/**
 * verifyReportSingle is served by QuorumAggregator's fallback (libraries/PullSingle.sol): its
 * arguments are decoded by hand and its checks run on a fast path that falls back to the plain
 * code for the error. These tests aim at what the hand-written parts could get wrong: the
 * calldata decoding (against Solidity's decoder of verifyReport on the same bytes), the second
 * signer copy of a committee over 9, the signature entries, and the consumer-side PullReportsCall.
 */
const OBS = observationsAround(6_712_345_000_000n, 7);

async function fixture() {
  const [owner, transmitter, consumer] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(7, 2, transmitter.address, "calldata"), [{}, {}]);
  const one = await ethers.getContractAt("IPullReportsSingle", d.address, consumer);
  return { d, one, owner, consumer };
}

async function report(d: Deployed, opts: { ts?: number; signers?: number[] } = {}) {
  const ts = opts.ts ?? (await now());
  return signedReport(d, { configDigest: d.configDigest, epoch: 1, round: 1, observationsTimestamp: ts, feeds: [feedEntry(0, OBS)] }, opts.signers);
}

/** The outcome of an eth_call: the return data, or the revert data ("0x" for an empty revert). */
async function call(to: string, data: string): Promise<{ ok?: string; err?: string }> {
  try {
    return { ok: await ethers.provider.call({ to, data }) };
  } catch (e) {
    const err = (e as { data?: string }).data;
    if (typeof err !== "string") throw e;
    return { err };
  }
}

const word = (v: bigint | number) => zeroPadValue(toBeHex(v), 32);
const padded = (hex: string) => {
  const b = getBytes(hex);
  return hexlify(concat([b, new Uint8Array((32 - (b.length % 32)) % 32)]));
};

/** Head (two offsets) and tail (any order, any gap) of (bytes report, bytes signatures). */
function encodeArgs(r: string, s: string, layout: { swap?: boolean; gap?: number; lengthBump?: [number, number] } = {}): string {
  const rl = getBytes(r).length + (layout.lengthBump?.[0] ?? 0);
  const sl = getBytes(s).length + (layout.lengthBump?.[1] ?? 0);
  const rPart = concat([word(rl), padded(r)]);
  const sPart = concat([word(sl), padded(s)]);
  const gap = "0x" + "ee".repeat(layout.gap ?? 0);
  const first = layout.swap ? sPart : rPart;
  const second = layout.swap ? rPart : sPart;
  const firstAt = 64 + (layout.gap ?? 0);
  const secondAt = firstAt + getBytes(first).length;
  const [ro, so] = layout.swap ? [secondAt, firstAt] : [firstAt, secondAt];
  return hexlify(concat([word(ro), word(so), gap, first, second]));
}

describe("QuorumAggregator.verifyReportSingle: the hand-written paths", () => {
  it("decodes every in-bounds layout as Solidity's decoder does for verifyReport, and refuses the rest with empty revert data", async () => {
    const { d, one } = await loadFixture(fixture);
    const r = await report(d);
    const single = one.interface.getFunction("verifyReportSingle").selector;
    const many = d.aggregator.interface.getFunction("verifyReport").selector;
    const args = [
      encodeArgs(r.report, r.signatures),
      encodeArgs(r.report, r.signatures, { swap: true }),
      encodeArgs(r.report, r.signatures, { gap: 7 }),
      encodeArgs(r.report, r.signatures) + "ff".repeat(40),
      encodeArgs(r.report, r.signatures, { lengthBump: [1, 0] }),
      encodeArgs(r.report, r.signatures, { lengthBump: [0, 200] }),
      encodeArgs(r.report, r.signatures, { lengthBump: [-1, 0] }),
      encodeArgs(r.report, r.signatures).slice(0, -64),
      word(1n << 255n) + encodeArgs(r.report, r.signatures).slice(66),
      encodeArgs(r.report, r.signatures).slice(0, 66) + word(1n << 40n).slice(2) + encodeArgs(r.report, r.signatures).slice(130),
      word(64).slice(0, 40),
      "0x",
    ];
    const outcomes: string[] = [];
    for (const a of args) {
      const viaSingle = await call(d.address, single + a.slice(2));
      const viaMany = await call(d.address, many + a.slice(2));
      // The same bytes are refused by both decoders, or decoded into the same report.
      if (viaMany.err === "0x") expect(viaSingle, a).to.deep.equal({ err: "0x" });
      else if (viaMany.err !== undefined) expect(viaSingle.err, a).to.equal(viaMany.err);
      else {
        const [answers] = d.aggregator.interface.decodeFunctionResult("verifyReport", viaMany.ok!) as unknown as [Array<{ feedIndex: bigint; answer: bigint }>];
        const [feed, answer] = one.interface.decodeFunctionResult("verifyReportSingle", viaSingle.ok!);
        expect([feed, answer], a).to.deep.equal([answers[0].feedIndex, answers[0].answer]);
      }
      outcomes.push(viaMany.err === "0x" ? "empty" : viaMany.err !== undefined ? "error" : "ok");
    }
    // The first four layouts decode (canonical, swapped tails, a gap, trailing bytes); lengths
    // reaching past the calldata, a huge offset and short calldata are empty reverts.
    expect(outcomes.slice(0, 4)).to.deep.equal(["ok", "ok", "ok", "ok"]);
    expect(outcomes.slice(5)).to.deep.equal(["empty", "error", "empty", "empty", "empty", "empty", "empty"]);
  });

  it("verifies a committee of 16 (signers past the first copy), and refuses a wrong key at index 12", async () => {
    const [owner, transmitter] = await ethers.getSigners();
    const d = await deployAggregator(owner, makeCommittee(16, 5, transmitter.address, "sixteen"), [{}]);
    const one = await ethers.getContractAt("IPullReportsSingle", d.address);
    const obs = observationsAround(5_000n, 11);
    const rep = {
      configDigest: d.configDigest,
      epoch: 1,
      round: 1,
      observationsTimestamp: await now(),
      feeds: [feedEntry(0, obs, [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5])],
    };
    const r = signedReport(d, rep, [2, 9, 10, 12, 14, 15]);
    expect((await one.verifyReportSingle(r.report, r.signatures))[1]).to.equal(expectedAnswer(obs));
    const keys = [2, 9, 10, 12, 14, 15].map((i) => ({ signerIndex: i, key: i === 12 ? new Wallet(Wallet.createRandom().privateKey) : d.committee.signers[i] }));
    const forged = signReportBy(r.report, d.domain, keys);
    await expect(one.verifyReportSingle(r.report, forged)).to.be.revertedWithCustomError(d.aggregator, "InvalidSignature");
    await expect(d.aggregator.verifyReport(r.report, forged)).to.be.revertedWithCustomError(d.aggregator, "InvalidSignature");
  });

  it("refuses signature bytes not a multiple of 65, a signer index out of range, an unrecoverable signature, a future report and no config", async () => {
    const { d, one, owner } = await loadFixture(fixture);
    const r = await report(d);
    const sigs = r.signatures.slice(2);
    await expect(one.verifyReportSingle(r.report, r.signatures + "00"))
      .to.be.revertedWithCustomError(d.aggregator, "MalformedSignatures")
      .withArgs(196n);
    const outOfRange = "0x" + be(7, 1) + sigs.slice(2);
    await expect(one.verifyReportSingle(r.report, outOfRange)).to.be.revertedWithCustomError(d.aggregator, "SignerOutOfRange").withArgs(7n);
    // r = 0: the precompile recovers nothing.
    const noAddress = "0x" + sigs.slice(0, 2) + "00".repeat(32) + sigs.slice(66);
    await expect(one.verifyReportSingle(r.report, noAddress)).to.be.revertedWithCustomError(d.aggregator, "InvalidSignature").withArgs(0n, ethers.ZeroAddress);
    const t = await now();
    const future = await report(d, { ts: t + 60 });
    await expect(one.verifyReportSingle(future.report, future.signatures)).to.be.revertedWithCustomError(d.aggregator, "FutureReport");
    const fresh = await (await ethers.getContractFactory("QuorumAggregator", owner)).deploy(owner.address);
    const unset = await ethers.getContractAt("IPullReportsSingle", await fresh.getAddress());
    await expect(unset.verifyReportSingle(r.report, r.signatures)).to.be.revertedWithCustomError(d.aggregator, "ConfigNotSet");
  });

  it("PullReportsCall returns verifyReportSingle's four words, bubbles its errors, and refuses an address that answers nothing", async () => {
    const { d, one } = await loadFixture(fixture);
    const probe = await (await ethers.getContractFactory("PullGasProbe")).deploy();
    const r = await report(d);
    expect(await probe.measureVerifySingleCall.staticCall(d.address, r.report, r.signatures)).to.be.greaterThan(0n);
    const few = await report(d, { signers: [0, 1] });
    await expect(probe.measureVerifySingleCall(d.address, few.report, few.signatures))
      .to.be.revertedWithCustomError(d.aggregator, "WrongSignatureCount")
      .withArgs(2n, 3n, 7n);
    const nobody = Wallet.createRandom().address;
    await expect(probe.measureVerifySingleCall(nobody, r.report, r.signatures))
      .to.be.revertedWithCustomError(probe, "NoPullAnswer")
      .withArgs(nobody);
    expect((await one.verifyReportSingle(r.report, r.signatures))[1]).to.equal(expectedAnswer(OBS));
  });
});
