import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, E18, admitAs, proofReport, signEntry, stakedCommittee, testParams } from "./helpers/staking";
import { feedEntry, keyFor, now, signedReport } from "./helpers/committee";
import { epochAndRound } from "../../oracle-node/src/protocol/report";

const MIN = testParams().minimumStake;
/** 50 % of the minimum stake; the prover's 10 % (50) is capped at 40. */
const SLASHED = MIN / 2n;
const REWARD = 40n * E18;
/** The 65-byte entry of signer 1 with its yParityAndS word replaced. */
function withVs(entry: string, vs: string): string {
  return entry.slice(0, 2 + 2 + 64) + vs;
}

describe("OracleStaking: equivocation proofs", () => {
  async function fixture() {
    const c = await stakedCommittee();
    const [, , , , , , prover] = await ethers.getSigners();
    const er = epochAndRound(7, 3);
    const key = c.d.committee.signers[1];
    const reportA = proofReport(c.d.configDigest, er, 100n);
    const reportB = proofReport(c.d.configDigest, er, 101n);
    const sigA = signEntry(reportA, c.d.domain, 1, key);
    const sigB = signEntry(reportB, c.d.domain, 1, key);
    return { c, prover, er, key, reportA, reportB, sigA, sigB };
  }

  it("slashes equivocationSlashBps of a member who signed two reports for one digest and round, and pays the prover a capped share", async () => {
    const { c, prover, er, key, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    const tx = c.staking.connect(prover).proveEquivocation(reportA, sigA, reportB, sigB);
    await expect(tx).to.emit(c.staking, "EquivocationProven").withArgs(key.address, c.d.configDigest, er, prover.address, SLASHED, REWARD);
    await expect(tx).to.emit(c.staking, "Slashed").withArgs(key.address, 2, SLASHED);
    expect((await c.staking.stakeOf(key.address)).active).to.equal(MIN - SLASHED);
    expect(await c.staking.payoutOf(prover.address)).to.equal(REWARD);
    expect(await c.staking.payoutOf(c.treasury)).to.equal(SLASHED - REWARD);
    // Nobody else is touched.
    expect((await c.staking.stakeOf(c.d.committee.signers[0].address)).active).to.equal(MIN);
  });

  it("the proof hash is the one transmit verifies: a transmitted report's signature entry proves against another report of that round", async () => {
    const { c, prover, key } = await loadFixture(fixture);
    const ts = await now();
    const transmitted = signedReport(
      c.d,
      { configDigest: c.d.configDigest, epoch: 9, round: 1, observationsTimestamp: ts, feeds: [feedEntry(0, [1n, 2n, 3n])] },
      [0, 1],
    );
    await expect(c.d.aggregator.connect(c.transmitter).transmit(transmitted.report, transmitted.signatures)).to.emit(c.d.aggregator, "NewTransmission");
    // Entry 1 of the transmitted signatures is signer 1's, exactly as the node packed it.
    const entry = "0x" + transmitted.signatures.slice(2 + 130, 2 + 260);
    expect(entry.slice(2, 4)).to.equal("01");
    const other = signedReport(
      c.d,
      { configDigest: c.d.configDigest, epoch: 9, round: 1, observationsTimestamp: ts, feeds: [feedEntry(0, [1n, 2n, 4n])] },
      [1],
    );
    await expect(c.staking.connect(prover).proveEquivocation(transmitted.report, entry, other.report, other.signatures))
      .to.emit(c.staking, "EquivocationProven")
      .withArgs(key.address, c.d.configDigest, epochAndRound(9, 1), prover.address, SLASHED, REWARD);
  });

  it("accepts the bare 64-byte compact signature (r ‖ yParityAndS) as well as the indexed entry", async () => {
    const { c, key, er, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    const compactB = "0x" + sigB.slice(4);
    await expect(c.staking.proveEquivocation(reportA, sigA, reportB, compactB))
      .to.emit(c.staking, "EquivocationProven")
      .withArgs(key.address, c.d.configDigest, er, await (await ethers.getSigners())[0].getAddress(), SLASHED, REWARD);
    // A compact signature by a non-member is still refused.
    const strangerSig = "0x" + signEntry(reportB, c.d.domain, 1, keyFor("not a member", 0)).slice(4);
    const er2 = epochAndRound(1, 1);
    const a2 = proofReport(c.d.configDigest, er2, 1n);
    const b2 = proofReport(c.d.configDigest, er2, 2n);
    await expect(c.staking.proveEquivocation(a2, signEntry(a2, c.d.domain, 1, key), b2, strangerSig)).to.be.revertedWithCustomError(c.staking, "NotMember");
  });

  it("refuses a replay: the same signer, digest and round proven twice, with the same or a third report", async () => {
    const { c, key, er, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    await c.staking.proveEquivocation(reportA, sigA, reportB, sigB);
    await expect(c.staking.proveEquivocation(reportB, sigB, reportA, sigA))
      .to.be.revertedWithCustomError(c.staking, "AlreadyProven")
      .withArgs(c.d.configDigest, er, key.address);
    const reportC = proofReport(c.d.configDigest, er, 102n);
    await expect(c.staking.proveEquivocation(reportA, sigA, reportC, signEntry(reportC, c.d.domain, 1, key))).to.be.revertedWithCustomError(
      c.staking,
      "AlreadyProven",
    );
    // Another round of the same signer is another offence: 50 % of what is left.
    const er2 = epochAndRound(7, 4);
    const a2 = proofReport(c.d.configDigest, er2, 1n);
    const b2 = proofReport(c.d.configDigest, er2, 2n);
    await expect(c.staking.proveEquivocation(a2, signEntry(a2, c.d.domain, 1, key), b2, signEntry(b2, c.d.domain, 1, key)))
      .to.emit(c.staking, "Slashed")
      .withArgs(key.address, 2, (MIN - SLASHED) / 2n);
  });

  it("refuses the same report twice, and a high-s copy of a signature", async () => {
    const { c, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    await expect(c.staking.proveEquivocation(reportA, sigA, reportA, sigA)).to.be.revertedWithCustomError(c.staking, "SameReport");
    // s above n/2 (the malleable half): a second signature of the same report is still the same report.
    const highS = withVs(sigA, "7" + "f".repeat(63));
    await expect(c.staking.proveEquivocation(reportA, sigA, reportA, highS)).to.be.revertedWithCustomError(c.staking, "SameReport");
    // ... and a high-s entry is refused as a signature.
    await expect(c.staking.proveEquivocation(reportA, sigA, reportB, withVs(sigA, "7" + "f".repeat(63))))
      .to.be.revertedWithCustomError(c.staking, "InvalidProofSignature")
      .withArgs(1);
    // The malleated twin (n - s, other parity): n - s is above 2^255 for this key, so the compact
    // form keeps only its low 255 bits, another s, which recovers a stranger.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const vs = BigInt("0x" + sigB.slice(2 + 66));
    const s = vs & ((1n << 255n) - 1n);
    expect(n - s >= 1n << 255n).to.equal(true);
    const twin = (((vs >> 255n) ^ 1n) << 255n) | ((n - s) & ((1n << 255n) - 1n));
    await expect(c.staking.proveEquivocation(reportA, sigA, reportB, withVs(sigB, twin.toString(16).padStart(64, "0")))).to.be.revertedWithCustomError(
      c.staking,
      "NotMember",
    );
  });

  it("refuses another digest or another round", async () => {
    const { c, key, er, reportA, sigA } = await loadFixture(fixture);
    const otherDigest = ethers.id("other");
    const d2 = proofReport(otherDigest, er, 101n);
    await expect(c.staking.proveEquivocation(reportA, sigA, d2, signEntry(d2, c.d.domain, 1, key)))
      .to.be.revertedWithCustomError(c.staking, "DifferentRound")
      .withArgs(c.d.configDigest, otherDigest, er, er);
    const r2 = proofReport(c.d.configDigest, er + 1n, 101n);
    await expect(c.staking.proveEquivocation(reportA, sigA, r2, signEntry(r2, c.d.domain, 1, key)))
      .to.be.revertedWithCustomError(c.staking, "DifferentRound")
      .withArgs(c.d.configDigest, c.d.configDigest, er, er + 1n);
    // Both in a digest never admitted.
    const u1 = proofReport(otherDigest, er, 1n);
    await expect(c.staking.proveEquivocation(u1, signEntry(u1, c.d.domain, 1, key), d2, signEntry(d2, c.d.domain, 1, key)))
      .to.be.revertedWithCustomError(c.staking, "ProofWindowClosed")
      .withArgs(otherDigest);
  });

  it("refuses a non-member, a member at the wrong index, another domain, and two different members", async () => {
    const { c, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    const stranger = keyFor("not a member", 0);
    await expect(c.staking.proveEquivocation(reportA, signEntry(reportA, c.d.domain, 1, stranger), reportB, signEntry(reportB, c.d.domain, 1, stranger)))
      .to.be.revertedWithCustomError(c.staking, "NotMember")
      .withArgs(c.d.configDigest, stranger.address);
    const key = c.d.committee.signers[1];
    await expect(c.staking.proveEquivocation(reportA, signEntry(reportA, c.d.domain, 2, key), reportB, sigB))
      .to.be.revertedWithCustomError(c.staking, "NotMember")
      .withArgs(c.d.configDigest, key.address);
    const otherDomain = { chainId: c.d.domain.chainId, verifyingContract: c.stakingAddress };
    await expect(c.staking.proveEquivocation(reportA, signEntry(reportA, otherDomain, 1, key), reportB, sigB)).to.be.revertedWithCustomError(
      c.staking,
      "NotMember",
    );
    const otherChain = { chainId: 1n, verifyingContract: c.d.address };
    await expect(c.staking.proveEquivocation(reportA, sigA, reportB, signEntry(reportB, otherChain, 1, key))).to.be.revertedWithCustomError(
      c.staking,
      "NotMember",
    );
    const sigB2 = signEntry(reportB, c.d.domain, 2, c.d.committee.signers[2]);
    await expect(c.staking.proveEquivocation(reportA, sigA, reportB, sigB2))
      .to.be.revertedWithCustomError(c.staking, "SignerMismatch")
      .withArgs(1, 2);
  });

  it("refuses malformed bytes: a report shorter than its header, a signature entry of the wrong length or that recovers nothing", async () => {
    const { c, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    const short = reportA.slice(0, 2 + 2 * 41);
    await expect(c.staking.proveEquivocation(short, sigA, reportB, sigB))
      .to.be.revertedWithCustomError(c.staking, "MalformedProofReport")
      .withArgs(41);
    await expect(c.staking.proveEquivocation(reportA, sigA, "0x", sigB))
      .to.be.revertedWithCustomError(c.staking, "MalformedProofReport")
      .withArgs(0);
    await expect(c.staking.proveEquivocation(reportA, sigA.slice(0, -4), reportB, sigB))
      .to.be.revertedWithCustomError(c.staking, "InvalidProofSignature")
      .withArgs(0);
    await expect(c.staking.proveEquivocation(reportA, sigA, reportB, sigB + "00"))
      .to.be.revertedWithCustomError(c.staking, "InvalidProofSignature")
      .withArgs(1);
    const zeroR = "0x01" + "00".repeat(32) + sigA.slice(2 + 66);
    await expect(c.staking.proveEquivocation(reportA, zeroR, reportB, sigB))
      .to.be.revertedWithCustomError(c.staking, "InvalidProofSignature")
      .withArgs(0);
  });

  it("a replaced config stays provable for proofWindow, against unbonding stake too; then ProofWindowClosed", async () => {
    const { c, prover, key, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    const op = c.operators[1];
    await admitAs(
      c.staking,
      c.d.address,
      ethers.id("config 2"),
      [0, 2, 3].map((i) => c.d.committee.signers[i].address),
    );
    const replacedAt = await time.latest();
    await c.staking.connect(op).requestUnbond(key.address, MIN);
    await time.setNextBlockTimestamp(replacedAt + 7 * DAY);
    await expect(c.staking.connect(prover).proveEquivocation(reportA, sigA, reportB, sigB))
      .to.emit(c.staking, "EquivocationProven")
      .withArgs(key.address, c.d.configDigest, epochAndRound(7, 3), prover.address, SLASHED, REWARD);
    const st = await c.staking.stakeOf(key.address);
    expect([st.active, st.unbonding]).to.deep.equal([0n, MIN - SLASHED]);
    // One second after the window, another round of the old config is no longer provable.
    await time.setNextBlockTimestamp(replacedAt + 7 * DAY + 1);
    const a2 = proofReport(c.d.configDigest, 99n, 1n);
    const b2 = proofReport(c.d.configDigest, 99n, 2n);
    await expect(c.staking.proveEquivocation(a2, signEntry(a2, c.d.domain, 1, key), b2, signEntry(b2, c.d.domain, 1, key)))
      .to.be.revertedWithCustomError(c.staking, "ProofWindowClosed")
      .withArgs(c.d.configDigest);
    // The operator withdraws what is left, once the unbonding period (longer than the window) ends.
    await expect(c.staking.connect(op).withdraw(key.address)).to.be.revertedWithCustomError(c.staking, "UnbondingNotEnded");
    await time.increase(7 * DAY);
    await expect(c.staking.connect(op).withdraw(key.address))
      .to.emit(c.staking, "Withdrawn")
      .withArgs(key.address, await op.getAddress(), MIN - SLASHED);
  });

  it("pays nothing to the signer's own operator or to the signer itself; the treasury gets the whole slash", async () => {
    const { c, key, reportA, reportB, sigA, sigB } = await loadFixture(fixture);
    await expect(c.staking.connect(c.operators[1]).proveEquivocation(reportA, sigA, reportB, sigB))
      .to.emit(c.staking, "EquivocationProven")
      .withArgs(key.address, c.d.configDigest, epochAndRound(7, 3), await c.operators[1].getAddress(), SLASHED, 0);
    const er = epochAndRound(8, 1);
    const a = proofReport(c.d.configDigest, er, 1n);
    const b = proofReport(c.d.configDigest, er, 2n);
    const self = key.connect(ethers.provider);
    await (await c.operators[0].sendTransaction({ to: self.address, value: E18 })).wait();
    await expect(c.staking.connect(self).proveEquivocation(a, signEntry(a, c.d.domain, 1, key), b, signEntry(b, c.d.domain, 1, key)))
      .to.emit(c.staking, "EquivocationProven")
      .withArgs(key.address, c.d.configDigest, er, self.address, (MIN - SLASHED) / 2n, 0);
    expect(await c.staking.payoutOf(c.treasury)).to.equal(SLASHED + (MIN - SLASHED) / 2n);
  });
});
