import { expect } from "chai";
import { ethers } from "hardhat";
import { keccak256, type Signer } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { IPullReportsSingle, IPullVerifierFactory, PullGasProbe } from "../../typechain-types";
import { expectedAnswer, signReportBy } from "../../oracle-node/src/protocol/report";
import { deployAggregator, feedEntry, makeCommittee, now, observationsAround, signRaw, signedReport, type Deployed } from "./helpers/committee";
import { currentVerifier, verifierAddress } from "../../oracle-node/src/pull/client";
import { OBS, malformedCases, randomReports } from "./helpers/pullSingleCases";

/**
 * contracts/pull/PullVerifier.sol and PullVerifierFactory.sol: the verifier of the current
 * configuration answers exactly what the aggregator's verifyReportSingle answers (its answer or
 * its revert data), rotates with every config store, and consumers reach it by CREATE2 address
 * (PullReportsCall.verifySingleAt, through PullGasProbe).
 */
async function fixture() {
  const [owner, transmitter, consumer, stranger] = await ethers.getSigners();
  const committee = makeCommittee(7, 2, transmitter.address, "verifier", 3);
  const d = await deployAggregator(owner, committee, [{ maxReportAge: 60 }, { minAnswer: 1n, maxAnswer: 10n ** 13n }, {}]);
  const factory = await ethers.getContractAt(
    "IPullVerifierFactory",
    await (await ethers.getContractAt("IPullVerifierSource", d.address)).pullVerifierFactory(),
  );
  const retired = await ethers.getContractAt("IPullVerifier", ethers.ZeroAddress);
  const probe = (await (await ethers.getContractFactory("PullGasProbe", owner)).deploy()) as unknown as PullGasProbe;
  return { d, owner, transmitter, consumer, stranger, factory, probe, retired };
}

async function verifierOf(factory: IPullVerifierFactory, runner?: Signer): Promise<IPullReportsSingle> {
  const [address] = await factory.current();
  return await ethers.getContractAt("IPullReportsSingle", address, runner);
}

type Outcome = { ok: bigint[] } | { err: string };

async function outcome(f: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: [...((await f()) as bigint[])] };
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (typeof data !== "string") throw e;
    return { err: data };
  }
}

/** The verifier and the aggregator's verifyReportSingle on the same input: the same answer or the same revert data; returns the error's name or "ok". */
async function expectParity(d: Deployed, verifier: IPullReportsSingle, r: { report: string; signatures: string }): Promise<string> {
  const viaAggregator = await ethers.getContractAt("IPullReportsSingle", d.address);
  const expected = await outcome(() => viaAggregator.verifyReportSingle(r.report, r.signatures));
  const got = await outcome(() => verifier.verifyReportSingle(r.report, r.signatures));
  expect(got, r.report).to.deep.equal(expected);
  if ("err" in expected) return expected.err === "0x" ? "empty" : (d.aggregator.interface.parseError(expected.err)?.name ?? expected.err);
  return "ok";
}

/** Signatures of signers 0 and 1 and one claiming index 7 (n = 7: out of range). */
function outOfRange(d: Deployed, r: string) {
  const keys = [0, 1, 7].map((i) => ({ signerIndex: i, key: d.committee.signers[i % 7] }));
  return { report: r, signatures: signReportBy(r, d.domain, keys) };
}

let round = 0;
function report(d: Deployed, opts: { ts: number; feed?: number; obs?: bigint[]; signers?: number[] }) {
  return signedReport(
    d,
    { configDigest: d.configDigest, epoch: 1, round: ++round, observationsTimestamp: opts.ts, feeds: [feedEntry(opts.feed ?? 0, opts.obs ?? OBS)] },
    opts.signers,
  );
}

async function newConfig(d: Deployed, seed: string): Promise<Deployed> {
  const [, transmitter] = await ethers.getSigners();
  const committee = makeCommittee(7, 2, transmitter.address, seed, 3);
  await (
    await d.aggregator.setConfig(
      committee.signers.map((s) => s.address),
      committee.transmitters,
      committee.f,
      "0x",
    )
  ).wait();
  const [, , configDigest] = await d.aggregator.latestConfigDetails();
  return { ...d, committee, configDigest };
}

describe("PullVerifier", () => {
  it("lives at the CREATE2 address of its version, holds the config store's code, and answers as verifyReportSingle", async () => {
    const { d, factory } = await loadFixture(fixture);
    const [address, version] = await factory.current();
    // addFeed x3 and setMaxReportAge before setConfig write no store: the first store is version 1.
    expect(version).to.equal(1n);
    expect(await factory.verifierAt(version)).to.equal(address);
    const init = (await ethers.getContractFactory("PullVerifierInit")).bytecode;
    expect(await factory.INIT_CODE_HASH()).to.equal(keccak256(init));
    expect(ethers.getCreate2Address(await factory.getAddress(), ethers.toBeHex(version, 32), keccak256(init))).to.equal(address);
    expect(await factory.aggregator()).to.equal(d.address);
    const [rotated] = await factory.queryFilter(factory.filters.VerifierRotated());
    expect([rotated.args.version, rotated.args.verifier]).to.deep.equal([1n, address]);
    const storeCode = await ethers.provider.getCode(rotated.args.store);
    expect(storeCode.length).to.be.greaterThan(200);
    expect(await ethers.provider.getCode(address)).to.contain(storeCode.slice(2));
    const verifier = await verifierOf(factory);
    const ts = (await now()) - 3;
    const obs = observationsAround(5_000n, 7, 3);
    const r = report(d, { ts, feed: 2, obs });
    const answer = await verifier.verifyReportSingle(r.report, r.signatures);
    expect(answer[1]).to.equal(expectedAnswer(obs));
    expect(answer[3]).to.equal(BigInt(ts));
    expect(await expectParity(d, verifier, r)).to.equal("ok");
  });

  it("refuses what verifyReportSingle refuses, with the same revert data (signatures, digest, age, bounds, two feeds, malformed calldata)", async () => {
    const { d, factory } = await loadFixture(fixture);
    const verifier = await verifierOf(factory);
    const t = await now();
    const cases = [
      report(d, { ts: t, signers: [0, 1] }),
      report(d, { ts: t, signers: [0, 1, 1] }),
      outOfRange(d, report(d, { ts: t }).report),
      { report: report(d, { ts: t }).report, signatures: signRaw(d, report(d, { ts: t }).report, [0, 1, 2], { ...d.domain, chainId: d.domain.chainId + 1n }) },
      report({ ...d, configDigest: "0x" + "ab".repeat(32) }, { ts: t }),
      report(d, { ts: t - 120 }),
      report(d, { ts: t + 60 }),
      report(d, { ts: t, feed: 1, obs: observationsAround(10n ** 13n + 5_000n, 5) }),
      signedReport(d, { configDigest: d.configDigest, epoch: 1, round: 1, observationsTimestamp: t, feeds: [feedEntry(0, OBS), feedEntry(2, OBS)] }),
    ];
    const names = [];
    for (const r of cases) names.push(await expectParity(d, verifier, r));
    expect(names).to.deep.equal([
      "WrongSignatureCount",
      "DuplicateSigner",
      "SignerOutOfRange",
      "InvalidSignature",
      "ConfigDigestMismatch",
      "ReportTooOld",
      "FutureReport",
      "AnswerOutOfBounds",
      "SingleFeedExpected",
    ]);
    // Calldata the ABI decoder refuses, another selector, and value: empty reverts, as the aggregator's.
    const at = await verifier.getAddress();
    const good = verifier.interface.encodeFunctionData("verifyReportSingle", [cases[0].report, cases[0].signatures]);
    const [caller] = await ethers.getSigners();
    for (const data of [good.slice(0, 60), "0x12345678" + good.slice(10), "0x"]) {
      const [a, v] = await Promise.all([outcome(() => ethers.provider.call({ to: d.address, data })), outcome(() => ethers.provider.call({ to: at, data }))]);
      if (data !== "0x") expect(v).to.deep.equal(a);
      expect(v).to.deep.equal({ err: "0x" });
    }
    await expect(caller.sendTransaction({ to: at, data: good, value: 1n })).to.be.reverted;
  });

  it("malformed and random reports: the same answer or the same error as verifyReportSingle", async () => {
    const { d, factory } = await loadFixture(fixture);
    const verifier = await verifierOf(factory);
    const ts = await now();
    for (const [expected, raw] of malformedCases(d, ts)) {
      expect(await expectParity(d, verifier, { report: raw, signatures: signRaw(d, raw, [0, 1, 2]) }), raw).to.equal(expected);
    }
    const seen = new Set<string>();
    for (const raw of randomReports(d, ts, 40, 777)) seen.add(await expectParity(d, verifier, { report: raw, signatures: signRaw(d, raw, [0, 1, 2]) }));
    expect(seen.has("ok"), [...seen].join()).to.equal(true);
    expect(seen.size).to.be.greaterThan(3);
  });

  it("setConfig retires the old verifier (VerifierRetired even for a report its committee signed); the new one takes only the new committee", async () => {
    const { retired, d, factory } = await loadFixture(fixture);
    const old = await verifierOf(factory);
    const ts = await now();
    const oldReport = report(d, { ts });
    expect((await old.verifyReportSingle(oldReport.report, oldReport.signatures))[1]).to.equal(expectedAnswer(OBS));
    const d2 = await newConfig(d, "second");
    await expect(old.verifyReportSingle(oldReport.report, oldReport.signatures)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    const [address, version] = await factory.current();
    expect(version).to.equal(2n);
    expect(address).to.not.equal(await old.getAddress());
    const fresh = await verifierOf(factory);
    const r2 = report(d2, { ts: await now() });
    expect((await fresh.verifyReportSingle(r2.report, r2.signatures))[1]).to.equal(expectedAnswer(OBS));
    await expect(old.verifyReportSingle(r2.report, r2.signatures)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    // The old committee's report, signed validly, fails on the new verifier as on the aggregator.
    expect(await expectParity(d2, fresh, oldReport)).to.equal("ConfigDigestMismatch");
    const forged = signedReport(d, { configDigest: d2.configDigest, epoch: 1, round: 9, observationsTimestamp: await now(), feeds: [feedEntry(0, OBS)] });
    expect(await expectParity(d2, fresh, forged)).to.equal("InvalidSignature");
  });

  it("addFeed and setMaxReportAge rotate too: the new feed and the new age hold at the new verifier only", async () => {
    const { retired, d, factory } = await loadFixture(fixture);
    const v1 = await verifierOf(factory);
    await (await d.aggregator.addFeed(8, "NEW / USD", -(1n << 127n), (1n << 127n) - 1n)).wait();
    expect((await factory.current())[1]).to.equal(2n);
    const v2 = await verifierOf(factory);
    const onNew = report(d, { ts: await now(), feed: 3 });
    await expect(v1.verifyReportSingle(onNew.report, onNew.signatures)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    expect((await v2.verifyReportSingle(onNew.report, onNew.signatures))[0]).to.equal(3n);
    const aged = report(d, { ts: (await now()) - 30 });
    expect((await v2.verifyReportSingle(aged.report, aged.signatures))[1]).to.equal(expectedAnswer(OBS));
    await (await d.aggregator.setMaxReportAge(0, 10)).wait();
    expect((await factory.current())[1]).to.equal(3n);
    const v3 = await verifierOf(factory);
    await expect(v2.verifyReportSingle(aged.report, aged.signatures)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    expect(await expectParity(d, v3, aged)).to.equal("ReportTooOld");
  });

  it("only the aggregator rotates and only the factory retires: anyone else's retire() changes nothing", async () => {
    const { d, factory, stranger, owner } = await loadFixture(fixture);
    await expect(factory.connect(stranger).rotate(stranger.address)).to.be.revertedWithCustomError(factory, "NotAggregator").withArgs(stranger.address);
    await expect(factory.connect(owner).rotate(d.address)).to.be.revertedWithCustomError(factory, "NotAggregator");
    const [address] = await factory.current();
    const asVerifier = await ethers.getContractAt("IPullVerifier", address, stranger);
    await expect(asVerifier.retire()).to.be.revertedWithoutReason();
    await expect(stranger.sendTransaction({ to: address, data: asVerifier.interface.encodeFunctionData("retire"), gasLimit: 100_000 })).to.be.reverted;
    expect(await ethers.provider.getStorage(address, 0)).to.equal(ethers.ZeroHash);
    const r = report(d, { ts: await now() });
    expect((await (await verifierOf(factory)).verifyReportSingle(r.report, r.signatures))[1]).to.equal(expectedAnswer(OBS));
  });

  it("verifySingleAt: the current version answers; no code, a wrong init code hash, a retired version and refused reports revert", async () => {
    const { retired, d, factory, probe } = await loadFixture(fixture);
    const f = await factory.getAddress();
    const hash = await factory.INIT_CODE_HASH();
    const ts = await now();
    const r = report(d, { ts });
    const at = (version: bigint, x: { report: string; signatures: string } = r, h = hash) =>
      probe.measureVerifySingleAt.staticCall(f, h, version, x.report, x.signatures);
    expect(await at(1n)).to.be.greaterThan(0n);
    const agg = d.aggregator;
    await expect(at(0n))
      .to.be.revertedWithCustomError(probe, "NoPullAnswer")
      .withArgs(await factory.verifierAt(0n));
    await expect(at(2n)).to.be.revertedWithCustomError(probe, "NoPullAnswer");
    await expect(at((1n << 256n) - 1n)).to.be.revertedWithCustomError(probe, "NoPullAnswer");
    await expect(at(1n, r, keccak256("0x00"))).to.be.revertedWithCustomError(probe, "NoPullAnswer");
    await expect(at(1n, report(d, { ts: ts - 120 }))).to.be.revertedWithCustomError(agg, "ReportTooOld");
    await expect(at(1n, report(d, { ts, signers: [0, 1] }))).to.be.revertedWithCustomError(agg, "WrongSignatureCount");
    await expect(at(1n, report({ ...d, configDigest: "0x" + "cd".repeat(32) }, { ts }))).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch");
    const other = { report: r.report, signatures: signRaw(d, r.report, [0, 1, 2], { ...d.domain, chainId: d.domain.chainId + 1n }) };
    await expect(at(1n, other)).to.be.revertedWithCustomError(agg, "InvalidSignature");
    const d2 = await newConfig(d, "third");
    await expect(at(1n)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    const r2 = report(d2, { ts: await now() });
    await expect(at(1n, r2)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    expect(await at(2n, r2)).to.be.greaterThan(0n);
    await expect(at(2n)).to.be.revertedWithCustomError(agg, "ConfigDigestMismatch");
    await expect(at(3n, r2)).to.be.revertedWithCustomError(probe, "NoPullAnswer");
  });

  it("the client helper (oracle-node/src/pull/client.ts) reads the current verifier through a provider and derives its address", async () => {
    const { d, factory } = await loadFixture(fixture);
    const ref = await currentVerifier(ethers.provider, d.address);
    const [verifier, version] = await factory.current();
    expect(ref).to.deep.equal({ factory: await factory.getAddress(), initCodeHash: await factory.INIT_CODE_HASH(), version, verifier });
    for (const v of [0n, 5n, 1n << 255n]) expect(verifierAddress(ref.factory, ref.initCodeHash, v)).to.equal(await factory.verifierAt(v));
    await newConfig(d, "fourth");
    expect((await currentVerifier(ethers.provider, d.address)).version).to.equal(version + 1n);
  });

  it("a committee of 16 (signers past the first copy's nine, bounds after 40n member bytes): the same answers and errors as the aggregator", async () => {
    const [owner, transmitter] = await ethers.getSigners();
    const d = await deployAggregator(owner, makeCommittee(16, 5, transmitter.address, "verifier16"), [{}, { minAnswer: 1n, maxAnswer: 10n ** 13n }]);
    const factory = await ethers.getContractAt(
      "IPullVerifierFactory",
      await (await ethers.getContractAt("IPullVerifierSource", d.address)).pullVerifierFactory(),
    );
    const verifier = await verifierOf(factory);
    const ts = await now();
    const obs = observationsAround(5_000n, 11);
    const late = [10, 11, 12, 13, 14, 15];
    const sign = (feed: number, o: bigint[], signers: number[]) =>
      signedReport(d, { configDigest: d.configDigest, epoch: 1, round: ++round, observationsTimestamp: ts, feeds: [feedEntry(feed, o)] }, signers);
    expect(await expectParity(d, verifier, sign(0, obs, late))).to.equal("ok");
    expect(await expectParity(d, verifier, sign(1, obs, [15, 3, 9, 10, 0, 14]))).to.equal("ok");
    expect(await expectParity(d, verifier, sign(1, observationsAround(10n ** 13n + 5_000n, 11), late))).to.equal("AnswerOutOfBounds");
    const r = sign(0, obs, late);
    const wrongKey = signReportBy(
      r.report,
      d.domain,
      [...late.slice(0, 5), 15].map((i, k) => ({ signerIndex: i, key: d.committee.signers[k === 5 ? 3 : i] })),
    );
    expect(await expectParity(d, verifier, { report: r.report, signatures: wrongKey })).to.equal("InvalidSignature");
  });
});
