import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expectedAnswer } from "../../oracle-node/src/protocol/report";
import { deployAggregator, feedEntry, makeCommittee, now, observationsAround, signedReport, type Deployed } from "./helpers/committee";

const MAX_AGE = 10;

async function fixture() {
  const [owner, transmitter, trader] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(7, 2, transmitter.address, "perp"), [{}, {}]);
  const perp = await (await ethers.getContractFactory("PerpConsumer", owner)).deploy(d.address, 1, MAX_AGE, 50);
  return { d, perp: perp.connect(trader), trader };
}

let round = 0;
async function priced(d: Deployed, center: bigint, opts: { ts?: number; feed?: number; spread?: bigint } = {}) {
  const obs =
    opts.spread === undefined
      ? observationsAround(center, 5)
      : [center - 2n * opts.spread, center - opts.spread, center, center + opts.spread, center + 2n * opts.spread];
  const feeds = [feedEntry(opts.feed ?? 1, obs)];
  const r = signedReport(d, { configDigest: d.configDigest, epoch: 1, round: ++round, observationsTimestamp: opts.ts ?? (await now()), feeds });
  return { ...r, answer: expectedAnswer(obs) };
}

describe("PerpConsumer (examples)", () => {
  it("opens and closes at the prices of the reports passed in the same calls, pnl = size x (exit - entry)", async () => {
    const { d, perp, trader } = await loadFixture(fixture);
    const entry = await priced(d, 3_000_00000000n);
    await expect(perp.open(-2n, entry.report, entry.signatures))
      .to.emit(perp, "PositionOpened")
      .withArgs(trader.address, -2n, entry.answer, (t: bigint) => t > 0n);
    await time.increase(2);
    const exit = await priced(d, 2_900_00000000n);
    const pnl = -2n * (exit.answer - entry.answer);
    expect(pnl > 0n).to.equal(true);
    await expect(perp.close(exit.report, exit.signatures))
      .to.emit(perp, "PositionClosed")
      .withArgs(trader.address, -2n, exit.answer, (t: bigint) => t > 0n, pnl);
    expect((await perp.s_positions(trader.address)).size).to.equal(0n);
  });

  it("refuses a close at a report not newer than the opening one (no picking an older price)", async () => {
    const { d, perp } = await loadFixture(fixture);
    const t = await now();
    const older = await priced(d, 3_100_00000000n, { ts: t - 1 });
    const entry = await priced(d, 3_000_00000000n, { ts: t });
    await (await perp.open(1n, entry.report, entry.signatures)).wait();
    await expect(perp.close(entry.report, entry.signatures)).to.be.revertedWithCustomError(perp, "ReportNotNewer");
    await expect(perp.close(older.report, older.signatures)).to.be.revertedWithCustomError(perp, "ReportNotNewer");
  });

  it("refuses a report older than its own maximum age though the aggregator's allows it", async () => {
    const { d, perp } = await loadFixture(fixture);
    const r = await priced(d, 3_000_00000000n, { ts: (await now()) - MAX_AGE - 1 });
    expect((await d.aggregator.verifyReport(r.report, r.signatures)).length).to.equal(1);
    await expect(perp.open(1n, r.report, r.signatures)).to.be.revertedWithCustomError(perp, "PriceTooOld");
  });

  it("settles a batched report (verifyReport) at the same price as the one-feed report of the same observations (verifyReportSingle)", async () => {
    const { d, perp } = await loadFixture(fixture);
    const obs = observationsAround(3_000_00000000n, 5);
    const ts = await now();
    const one = signedReport(d, { configDigest: d.configDigest, epoch: 2, round: 1, observationsTimestamp: ts, feeds: [feedEntry(1, obs)] });
    const batch = signedReport(d, {
      configDigest: d.configDigest,
      epoch: 2,
      round: 2,
      observationsTimestamp: ts,
      feeds: [feedEntry(0, obs), feedEntry(1, obs)],
    });
    expect(await perp.price(one.report, one.signatures)).to.deep.equal([expectedAnswer(obs), BigInt(ts)]);
    expect(await perp.price(batch.report, batch.signatures)).to.deep.equal([expectedAnswer(obs), BigInt(ts)]);
    const onlyOther = signedReport(d, { configDigest: d.configDigest, epoch: 2, round: 3, observationsTimestamp: ts, feeds: [feedEntry(0, obs)] });
    await expect(perp.price(onlyOther.report, onlyOther.signatures)).to.be.revertedWithCustomError(perp, "FeedNotInReport").withArgs(1n);
    // Refusals from the one-feed path bubble up with the aggregator's error data.
    const late = signedReport(d, { configDigest: d.configDigest, epoch: 2, round: 4, observationsTimestamp: ts + 60, feeds: [feedEntry(1, obs)] });
    await expect(perp.price(late.report, late.signatures)).to.be.revertedWithCustomError(d.aggregator, "FutureReport");
  });

  it("refuses a report without its feed, a wide confidence, and f signatures (the aggregator's refusal)", async () => {
    const { d, perp } = await loadFixture(fixture);
    const other = await priced(d, 3_000_00000000n, { feed: 0 });
    await expect(perp.open(1n, other.report, other.signatures))
      .to.be.revertedWithCustomError(perp, "FeedNotInReport")
      .withArgs(1n);
    const wide = await priced(d, 3_000_00000000n, { spread: 100_00000000n });
    await expect(perp.open(1n, wide.report, wide.signatures)).to.be.revertedWithCustomError(perp, "LowConfidence");
    const ok = await priced(d, 3_000_00000000n);
    const fSigs = "0x" + ok.signatures.slice(2, 2 + 2 * 65 * 2);
    await expect(perp.open(1n, ok.report, fSigs)).to.be.revertedWithCustomError(d.aggregator, "WrongSignatureCount");
  });

  it("opens and closes through the pull verifier of the report's configuration version (openAt/closeAt), and refuses a retired or unknown version", async () => {
    const { d, perp, trader } = await loadFixture(fixture);
    const factory = await ethers.getContractAt(
      "IPullVerifierFactory",
      await (await ethers.getContractAt("IPullVerifierSource", d.address)).pullVerifierFactory(),
    );
    expect(await perp.i_verifierFactory()).to.equal(await factory.getAddress());
    expect(await perp.i_verifierInitCodeHash()).to.equal(await factory.INIT_CODE_HASH());
    const [, version] = await factory.current();
    const entry = await priced(d, 3_000_00000000n);
    expect(await perp.priceAt(version, entry.report, entry.signatures)).to.deep.equal(await perp.price(entry.report, entry.signatures));
    await expect(perp.openAt(1n, version + 1n, entry.report, entry.signatures)).to.be.revertedWithCustomError(perp, "NoPullAnswer");
    await expect(perp.openAt(3n, version, entry.report, entry.signatures))
      .to.emit(perp, "PositionOpened")
      .withArgs(trader.address, 3n, entry.answer, (t: bigint) => t > 0n);
    await time.increase(2);
    const exit = await priced(d, 3_050_00000000n);
    await expect(perp.closeAt(version, exit.report, exit.signatures))
      .to.emit(perp, "PositionClosed")
      .withArgs(trader.address, 3n, exit.answer, (t: bigint) => t > 0n, 3n * (exit.answer - entry.answer));
    const wide = await priced(d, 3_000_00000000n, { spread: 100_00000000n });
    await expect(perp.openAt(1n, version, wide.report, wide.signatures)).to.be.revertedWithCustomError(perp, "LowConfidence");
    // A new committee: the old version's verifier is retired, even for the old committee's valid report.
    const [owner, transmitter] = await ethers.getSigners();
    const next = makeCommittee(7, 2, transmitter.address, "perp2");
    await (
      await d.aggregator.connect(owner).setConfig(
        next.signers.map((k) => k.address),
        next.transmitters,
        next.f,
        "0x",
      )
    ).wait();
    const again = await priced(d, 3_000_00000000n);
    const retired = await ethers.getContractAt("IPullVerifier", ethers.ZeroAddress);
    await expect(perp.openAt(1n, version, again.report, again.signatures)).to.be.revertedWithCustomError(retired, "VerifierRetired");
    await expect(perp.openAt(1n, version + 1n, again.report, again.signatures)).to.be.revertedWithCustomError(d.aggregator, "ConfigDigestMismatch");
  });
});
