import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { GWEI, MODE_FULL, MODE_OFF, MODE_REIMBURSE, deployRewards, deploySla, randomObservers, recomputeFromEvents, seeded, slaCommittee, totalsPair, transmitObservers } from "./sla-helpers";

const range = (k: number) => Array.from({ length: k }, (_, i) => i);

describe("QuorumAggregator service accounting", function () {
  let owner: HardhatEthersSigner;
  let accounts: HardhatEthersSigner[];

  before(async function () {
    [owner, ...accounts] = await ethers.getSigners();
  });

  async function withRewards(n: number, f: number, transmitters: HardhatEthersSigner[], mode = MODE_FULL, feeds = 1) {
    const d = await deploySla(owner, slaCommittee(n, f, transmitters.map((t) => t.address)), mode, 100n * GWEI, 0n, feeds);
    const token = await (await ethers.getContractFactory("OracleToken", owner)).deploy(owner.address);
    const rewards = await deployRewards(owner, d.address, await token.getAddress(), 3n, 5n);
    return { d, token, rewards };
  }

  it("is off by default: transmit emits no TransmissionAccounted and writes no counter", async function () {
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[0].address]), MODE_OFF);
    const receipt = await transmitObservers(d, accounts[0], [[0, 1, 2]]);
    expect(receipt.logs.map((l) => d.aggregator.interface.parseLog(l)?.name)).to.not.include("TransmissionAccounted");
    const words = await d.aggregator.slaWords(accounts[0].address);
    expect(words.every((w) => w === 0n)).to.equal(true);
    expect((await d.aggregator.slaParams())[0]).to.equal(0n);
  });

  it("counts one observation per signer in the union of a report's observers, one transmission and the wei per transmitter: equal to the counts recomputed from events", async function () {
    const n = 7;
    const f = 2;
    const tx = accounts.slice(0, 3);
    const { d, rewards } = await withRewards(n, f, tx, MODE_FULL, 2);
    const rand = seeded(14);
    for (let k = 0; k < 24; k++) {
      await transmitObservers(d, tx[k % 3], [randomObservers(n, f, rand), randomObservers(n, f, rand)]);
    }
    const recomputed = await recomputeFromEvents(d);
    const addresses = [...d.committee.signers.map((s) => s.address), ...tx.map((t) => t.address)];
    const { onChain, fromEvents } = await totalsPair(rewards, recomputed, addresses);
    expect(onChain).to.deep.equal(fromEvents);
    // Every transmitter sent 8 and some signer was counted in most rounds: the counts are not trivially zero.
    expect(onChain.slice(n).map((r) => r[1])).to.deep.equal([8n, 8n, 8n]);
    expect(onChain.slice(0, n).some((r) => r[0] > 12n)).to.equal(true);
  });

  it("in mode 1 counts transmissions and reimbursement but no observation", async function () {
    const { d, rewards } = await withRewards(4, 1, [accounts[0]], MODE_REIMBURSE);
    for (let k = 0; k < 3; k++) await transmitObservers(d, accounts[0], [[0, 1, 2, 3]]);
    const [obs0] = await rewards.oracleTotals(d.committee.signers[0].address);
    const [, txs, wei] = await rewards.oracleTotals(accounts[0].address);
    expect([obs0, txs]).to.deep.equal([0n, 3n]);
    expect(wei > 0n).to.equal(true);
  });

  it("flushes a transmitter's lanes when its count reaches 2^w - 1 (n = 31: w = 6, 63 transmits) and keeps counting exactly", async function () {
    this.timeout(120_000);
    const n = 31;
    const f = 10;
    const { d, rewards } = await withRewards(n, f, [accounts[0]]);
    const rand = seeded(31);
    let flushes = 0;
    for (let k = 0; k < 65; k++) {
      const receipt = await transmitObservers(d, accounts[0], [k % 2 === 0 ? range(n) : randomObservers(n, f, rand)]);
      const names = receipt.logs.map((l) => d.aggregator.interface.parseLog(l)?.name);
      if (names.includes("SlaFlushed")) {
        flushes++;
        expect(k).to.equal(62);
      }
    }
    expect(flushes).to.equal(1);
    const recomputed = await recomputeFromEvents(d);
    const { onChain, fromEvents } = await totalsPair(rewards, recomputed, [...d.committee.signers.map((s) => s.address), accounts[0].address]);
    expect(onChain).to.deep.equal(fromEvents);
    expect(onChain[n][1]).to.equal(65n);
  });

  it("reimburses (measured gas + 21,000 + 16 per calldata byte + overhead) x min(gas price, cap)", async function () {
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[0].address]), MODE_REIMBURSE, 2n * GWEI, 5_000n);
    await transmitObservers(d, accounts[0], [[0, 1, 2]]);
    for (const gasPrice of [1n * GWEI, 7n * GWEI]) {
      const receipt = await transmitObservers(d, accounts[0], [[0, 1, 2]], { gasPrice });
      const ev = receipt.logs.map((l) => d.aggregator.interface.parseLog(l)).find((p) => p?.name === "TransmissionAccounted")!;
      const price = gasPrice < 2n * GWEI ? gasPrice : 2n * GWEI;
      expect(ev.args.gasPrice).to.equal(price);
      expect(ev.args.reimbursementWei).to.equal(ev.args.gasUsed * price);
      // Measured + constants minus the overhead falls short of the receipt by the accounting's own cost (its slot
      // write and event, after the measurement): what gasOverhead calibrates (npm run bench:gas prints it).
      const measured = ev.args.gasUsed - 5_000n;
      expect(Number(receipt.gasUsed - measured)).to.be.within(1, 10_000);
    }
  });

  it("never reverts because of accounting at the extremes: the largest cap and overhead flush the wei at once, exactly", async function () {
    const cap = (2n ** 32n - 1n) * 1_000_000n;
    // The extreme gas price would raise the default priority fee of every later test: undo these blocks after.
    const snapshot = await ethers.provider.send("evm_snapshot", []);
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[1].address]), MODE_FULL, cap, 2n ** 24n - 1n);
    const token = await (await ethers.getContractFactory("OracleToken", owner)).deploy(owner.address);
    const rewards = await deployRewards(owner, d.address, await token.getAddress(), 1n, 1n);
    for (let k = 0; k < 2; k++) {
      const receipt = await transmitObservers(d, accounts[1], [[0, 1, 2, 3]], { gasPrice: cap, gasLimit: 400_000n });
      const names = receipt.logs.map((l) => d.aggregator.interface.parseLog(l)?.name);
      expect(names).to.include("SlaFlushed");
    }
    const recomputed = await recomputeFromEvents(d);
    const { onChain, fromEvents } = await totalsPair(rewards, recomputed, [accounts[1].address, d.committee.signers[3].address]);
    expect(onChain).to.deep.equal(fromEvents);
    expect(onChain[0][2] > 2n ** 64n).to.equal(true);
    await ethers.provider.send("evm_revert", [snapshot]);
  });

  it("setSlaParams refuses a mode above 2, a cap off the 10^6-wei grid or above 2^32 x 10^6 wei, an overhead of 2^24; owner only", async function () {
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[0].address]), MODE_OFF);
    const agg = d.aggregator;
    await expect(agg.setSlaParams(3, 0, 0)).to.be.revertedWithCustomError(agg, "InvalidSlaParams").withArgs(3, 0, 0);
    await expect(agg.setSlaParams(1, 1_000_001n, 0)).to.be.revertedWithCustomError(agg, "InvalidSlaParams");
    await expect(agg.setSlaParams(1, 2n ** 32n * 1_000_000n, 0)).to.be.revertedWithCustomError(agg, "InvalidSlaParams");
    await expect(agg.setSlaParams(1, 0, 2n ** 24n)).to.be.revertedWithCustomError(agg, "InvalidSlaParams");
    await expect(agg.connect(accounts[0]).setSlaParams(1, 0, 0)).to.be.revertedWithCustomError(agg, "OwnableUnauthorizedAccount");
    await expect(agg.setSlaParams(2, 5n * GWEI, 100n)).to.emit(agg, "SlaParamsSet").withArgs(2, 5n * GWEI, 100n);
    expect(await agg.slaParams()).to.deep.equal([2n, 5n * GWEI, 100n]);
  });

  it("setConfig moves the old committee's counts to its members' addresses; the new committee counts from its own indices", async function () {
    const n = 4;
    const tx = accounts.slice(0, 2);
    const { d, rewards } = await withRewards(n, 1, tx);
    await transmitObservers(d, tx[0], [[0, 1, 2]]);
    await transmitObservers(d, tx[1], [[1, 2, 3]]);
    // The same members in reverse order: index i now names the old index n-1-i.
    const signers = d.committee.signers.map((s) => s.address);
    const reversed = [...signers].reverse();
    const transmitters = [...d.committee.transmitters].reverse();
    await expect(d.aggregator.setConfig(reversed, transmitters, 1, "0x")).to.emit(d.aggregator, "SlaFlushed");
    const [, , digest] = await d.aggregator.latestConfigDetails();
    const d2 = { ...d, configDigest: digest, committee: { ...d.committee, signers: [...d.committee.signers].reverse(), transmitters } };
    await transmitObservers(d2, tx[0], [[0, 1, 2]]);
    const recomputed = await recomputeFromEvents(d);
    const { onChain, fromEvents } = await totalsPair(rewards, recomputed, [...signers, ...tx.map((t) => t.address)]);
    expect(onChain).to.deep.equal(fromEvents);
    expect(onChain.slice(0, n).map((r) => r[0])).to.deep.equal([1n, 3n, 3n, 2n]);
  });

  it("flushSla is open to anyone, keeps the totals and empties the pending slots; a second call emits nothing", async function () {
    const { d, rewards } = await withRewards(4, 1, [accounts[0]]);
    await transmitObservers(d, accounts[0], [[0, 1, 2]]);
    const before = await rewards.oracleTotals(d.committee.signers[1].address);
    await expect(d.aggregator.connect(accounts[5]).flushSla()).to.emit(d.aggregator, "SlaFlushed");
    expect(await rewards.oracleTotals(d.committee.signers[1].address)).to.deep.equal(before);
    expect((await d.aggregator.slaWords(accounts[0].address))[0]).to.equal(1n << 255n);
    await expect(d.aggregator.flushSla()).to.not.emit(d.aggregator, "SlaFlushed");
  });

  it("setStaking: setConfig calls admitConfig(digest, signers) and fails with the staking contract's refusal; address(0) turns it off; owner only", async function () {
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[0].address]), MODE_OFF);
    const probe = await (await ethers.getContractFactory("StakingProbe", owner)).deploy();
    const agg = d.aggregator;
    await expect(agg.connect(accounts[0]).setStaking(await probe.getAddress())).to.be.revertedWithCustomError(agg, "OwnableUnauthorizedAccount");
    await expect(agg.setStaking(await probe.getAddress())).to.emit(agg, "StakingSet").withArgs(await probe.getAddress());
    const signers = d.committee.signers.map((s) => s.address);
    await (await agg.setConfig(signers, d.committee.transmitters, 1, "0x")).wait();
    const [, , digest] = await agg.latestConfigDetails();
    expect([await probe.lastDigest(), await probe.signerCount(), await probe.lastCaller(), await probe.calls()]).to.deep.equal([digest, 4n, d.address, 1n]);
    await (await probe.refuse(signers[2])).wait();
    await expect(agg.setConfig(signers, d.committee.transmitters, 1, "0x")).to.be.revertedWithCustomError(probe, "StakeBelowMinimum");
    await (await agg.setStaking(ethers.ZeroAddress)).wait();
    await (await agg.setConfig(signers, d.committee.transmitters, 1, "0x")).wait();
    expect(await probe.calls()).to.equal(1n);
    expect(await agg.staking()).to.equal(ethers.ZeroAddress);
  });

  it("SlaAdmin refuses a direct call (it only runs by delegatecall on the aggregator's storage)", async function () {
    const admin = await (await ethers.getContractFactory("SlaAdmin", owner)).deploy();
    await expect(admin.flushAll(0, 0, 0)).to.be.revertedWithCustomError(admin, "NotDelegated");
    await expect(admin.rollover(0, 0, 0)).to.be.revertedWithCustomError(admin, "NotDelegated");
    await expect(admin.mark(0, 0, 0)).to.be.revertedWithCustomError(admin, "NotDelegated");
  });

  it("spread (one multiplication per chunk) equals the plain bit loop for random bitmaps at every n from 1 to 31", async function () {
    const ref = await (await ethers.getContractFactory("SlaReference", owner)).deploy();
    const rand = seeded(7);
    for (let n = 1; n <= 31; n++) {
      const full = (1n << BigInt(n)) - 1n;
      for (const bitmap of [full, 0n, 1n, 1n << BigInt(n - 1), BigInt(Math.floor(rand() * 2 ** n)), BigInt(Math.floor(rand() * 2 ** n))]) {
        expect(await ref.spread(bitmap, n)).to.equal(await ref.spreadReference(bitmap, n));
      }
    }
  });
});
