import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { E18, admitAs, deployStaking, stakedCommittee, testParams, transmitFresh, type StakedCommittee } from "./helpers/staking";
import type { ReentrantPayee } from "../../typechain-types";

const HEARTBEAT = 3600;
const GRACE = testParams().alertGracePeriod;
const SLASH = testParams().alertSlashAmount;
const MIN = testParams().minimumStake;

/** updatedAt of a feed as the aggregator reports it. */
async function updatedAt(c: StakedCommittee, feedIndex: number): Promise<bigint> {
  const data = await ethers.provider.call({
    to: c.d.address,
    data: c.d.aggregator.interface.getFunction("latestRoundData").selector + feedIndex.toString(16).padStart(64, "0"),
  });
  return BigInt("0x" + data.slice(2 + 64 * 3, 2 + 64 * 4));
}

describe("OracleStaking: permissionless staleness alerts", () => {
  async function fixture() {
    const c = await stakedCommittee();
    await c.staking.setFeedHeartbeat(0, HEARTBEAT);
    await transmitFresh(c, 0, 1);
    const [, , , , , , alerter, other] = await ethers.getSigners();
    return { c, alerter, other };
  }

  it("setFeedHeartbeat: owner only, existing feeds only; a feed without heartbeat cannot be alerted", async () => {
    const { c, alerter } = await loadFixture(fixture);
    await expect(c.staking.connect(alerter).setFeedHeartbeat(0, 1)).to.be.revertedWithCustomError(c.staking, "OwnableUnauthorizedAccount");
    await expect(c.staking.setFeedHeartbeat(2, 1)).to.be.revertedWithCustomError(c.staking, "InvalidParameter").withArgs("feedIndex");
    await expect(c.staking.setFeedHeartbeat(1, 60)).to.emit(c.staking, "FeedHeartbeatSet").withArgs(1, 60);
    expect(await c.staking.feedHeartbeat(1)).to.equal(60n);
    await c.staking.setFeedHeartbeat(1, 0);
    await time.increase(10 * HEARTBEAT);
    await expect(c.staking.connect(alerter).raiseAlert(1)).to.be.revertedWithCustomError(c.staking, "HeartbeatNotSet").withArgs(1);
    expect(await c.staking.alertState(1)).to.deep.equal([0n, 0n, false]);
  });

  it("refused while fresh, up to and including updatedAt + heartbeat + grace; then slashes every signer and pays the alerter a capped share", async () => {
    const { c, alerter } = await loadFixture(fixture);
    const u = await updatedAt(c, 0);
    const deadline = u + BigInt(HEARTBEAT + GRACE);
    expect(await c.staking.alertState(0)).to.deep.equal([0n, deadline, false]);
    await time.setNextBlockTimestamp(deadline);
    await expect(c.staking.connect(alerter).raiseAlert(0)).to.be.revertedWithCustomError(c.staking, "FeedNotStale").withArgs(0, u, deadline);
    await time.setNextBlockTimestamp(deadline + 1n);
    const tx = c.staking.connect(alerter).raiseAlert(0);
    // 4 signers x 10 = 40 slashed; 10 % of it is 4, under the cap of 5.
    await expect(tx)
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, alerter.address, 0, 4n * SLASH, (4n * SLASH) / 10n);
    for (const w of c.d.committee.signers) {
      await expect(tx).to.emit(c.staking, "Slashed").withArgs(w.address, 1, SLASH);
      expect((await c.staking.stakeOf(w.address)).active).to.equal(MIN - SLASH);
    }
    expect(await c.staking.payoutOf(alerter.address)).to.equal((4n * SLASH) / 10n);
    expect(await c.staking.payoutOf(c.treasury)).to.equal((4n * SLASH * 9n) / 10n);
    expect(await c.staking.operatorStake(await c.operators[0].getAddress())).to.deep.equal([MIN - SLASH, 0n]);
    const before = await c.token.balanceOf(alerter.address);
    await expect(c.staking.connect(alerter).withdrawPayout())
      .to.emit(c.staking, "PayoutWithdrawn")
      .withArgs(alerter.address, (4n * SLASH) / 10n);
    expect((await c.token.balanceOf(alerter.address)) - before).to.equal((4n * SLASH) / 10n);
    await expect(c.staking.connect(alerter).withdrawPayout()).to.be.revertedWithCustomError(c.staking, "NothingToWithdraw").withArgs(alerter.address);
    const [staked, withdrawn, slashed, credited, paid] = await c.staking.totals();
    expect([staked, withdrawn, slashed, credited, paid]).to.deep.equal([4n * MIN, 0n, 4n * SLASH, 4n * SLASH, (4n * SLASH) / 10n]);
    expect(await c.token.balanceOf(c.stakingAddress)).to.equal(staked - withdrawn - slashed + credited - paid);
  });

  it("one alert per heartbeat-sized window, at most maxAlertsPerOutage per outage; an update starts a new outage", async () => {
    const { c, alerter, other } = await loadFixture(fixture);
    const deadline = (await updatedAt(c, 0)) + BigInt(HEARTBEAT + GRACE);
    await time.setNextBlockTimestamp(deadline + 1n);
    await c.staking.connect(alerter).raiseAlert(0);
    // Still window 0 at deadline + heartbeat.
    await time.setNextBlockTimestamp(deadline + BigInt(HEARTBEAT));
    await expect(c.staking.connect(other).raiseAlert(0)).to.be.revertedWithCustomError(c.staking, "AlertWindowUsed").withArgs(0, 0);
    expect((await c.staking.alertState(0))[2]).to.equal(false);
    await time.setNextBlockTimestamp(deadline + BigInt(HEARTBEAT) + 1n);
    await mine();
    expect(await c.staking.alertState(0)).to.deep.equal([1n, deadline, true]);
    await expect(c.staking.connect(other).raiseAlert(0))
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, other.address, 1, 4n * SLASH, 4n * E18);
    // Windows may be skipped; the third alert is the last of this outage.
    await time.setNextBlockTimestamp(deadline + BigInt(5 * HEARTBEAT) + 1n);
    await expect(c.staking.connect(other).raiseAlert(0))
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, other.address, 5, 4n * SLASH, 4n * E18);
    await time.setNextBlockTimestamp(deadline + BigInt(6 * HEARTBEAT) + 1n);
    await expect(c.staking.connect(other).raiseAlert(0)).to.be.revertedWithCustomError(c.staking, "AlertCapReached").withArgs(0, 3);
    expect(await c.staking.alertState(0)).to.deep.equal([3n, deadline, false]);
    for (const w of c.d.committee.signers) expect((await c.staking.stakeOf(w.address)).active).to.equal(MIN - 3n * SLASH);

    // The feed updates: fresh again, and a later outage may be alerted again.
    await transmitFresh(c, 0, 2);
    const deadline2 = (await updatedAt(c, 0)) + BigInt(HEARTBEAT + GRACE);
    expect(await c.staking.alertState(0)).to.deep.equal([0n, deadline2, false]);
    await expect(c.staking.connect(other).raiseAlert(0)).to.be.revertedWithCustomError(c.staking, "FeedNotStale");
    await time.setNextBlockTimestamp(deadline2 + 1n);
    await expect(c.staking.connect(other).raiseAlert(0))
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, other.address, 0, 4n * SLASH, 4n * E18);
  });

  it("a feed that never reported counts from when its heartbeat was set, or from when the active config was admitted", async () => {
    const { c, alerter } = await loadFixture(fixture);
    expect(await updatedAt(c, 1)).to.equal(0n);
    await c.staking.setFeedHeartbeat(1, HEARTBEAT);
    const setAt = BigInt(await time.latest());
    expect((await c.staking.alertState(1))[1]).to.equal(setAt + BigInt(HEARTBEAT + GRACE));
    await time.setNextBlockTimestamp(setAt + BigInt(HEARTBEAT + GRACE));
    await expect(c.staking.connect(alerter).raiseAlert(1))
      .to.be.revertedWithCustomError(c.staking, "FeedNotStale")
      .withArgs(1, 0, setAt + BigInt(HEARTBEAT + GRACE));
    // A new committee is admitted later: the staleness of the feed counts from its admission.
    await time.increase(HEARTBEAT);
    await admitAs(
      c.staking,
      c.d.address,
      ethers.id("config 2"),
      c.d.committee.signers.map((w) => w.address),
    );
    const admittedAt = BigInt(await time.latest());
    expect((await c.staking.alertState(1))[1]).to.equal(admittedAt + BigInt(HEARTBEAT + GRACE));
    await time.setNextBlockTimestamp(admittedAt + BigInt(HEARTBEAT + GRACE) + 1n);
    await expect(c.staking.connect(alerter).raiseAlert(1)).to.emit(c.staking, "AlertRaised");
  });

  it("a committee signer, operator or transmitter who alerts is not paid: the whole slash goes to the treasury", async () => {
    const { c } = await loadFixture(fixture);
    const deadline = (await updatedAt(c, 0)) + BigInt(HEARTBEAT + GRACE);
    await time.setNextBlockTimestamp(deadline + 1n);
    await expect(c.staking.connect(c.operators[2]).raiseAlert(0))
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, await c.operators[2].getAddress(), 0, 4n * SLASH, 0);
    await time.setNextBlockTimestamp(deadline + BigInt(HEARTBEAT) + 1n);
    await expect(c.staking.connect(c.transmitter).raiseAlert(0))
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, await c.transmitter.getAddress(), 1, 4n * SLASH, 0);
    // The signer key itself.
    const signer = c.d.committee.signers[3].connect(ethers.provider);
    await (await c.operators[0].sendTransaction({ to: signer.address, value: E18 })).wait();
    await time.setNextBlockTimestamp(deadline + BigInt(2 * HEARTBEAT) + 1n);
    await expect(c.staking.connect(signer).raiseAlert(0))
      .to.emit(c.staking, "AlertRaised")
      .withArgs(0, signer.address, 2, 4n * SLASH, 0);
    expect(await c.staking.payoutOf(c.treasury)).to.equal(12n * SLASH);
  });

  it("slashes at most the stake, active first then unbonding, and nothing from an empty stake", async () => {
    // Minimum 5, slash 10: a member holding 6 active + 6 unbonding loses 10, then 2, then 0.
    const params = testParams({ minimumStake: 5n * E18, alertRewardCap: 5n * E18 });
    const c = await stakedCommittee(params, 1, 12n * E18);
    const opAddress = await c.operators[0].getAddress();
    const victim = c.d.committee.signers[0].address;
    // Re-admit after it unbonded 6 (possible only while not in the active config).
    await admitAs(
      c.staking,
      c.d.address,
      ethers.id("without 0"),
      c.d.committee.signers.slice(1).map((w) => w.address),
    );
    await c.staking.connect(c.operators[0]).requestUnbond(victim, 6n * E18);
    await admitAs(
      c.staking,
      c.d.address,
      ethers.id("with 0"),
      c.d.committee.signers.map((w) => w.address),
    );
    await c.staking.setFeedHeartbeat(0, HEARTBEAT);
    const base = BigInt(await time.latest());
    const deadline = base + BigInt(HEARTBEAT + GRACE);
    const expected = [10n * E18, 2n * E18, 0n];
    for (let k = 0; k < 3; k++) {
      await time.setNextBlockTimestamp(deadline + BigInt(k * HEARTBEAT) + 1n);
      const tx = c.staking.raiseAlert(0);
      if (expected[k] > 0n) await expect(tx).to.emit(c.staking, "Slashed").withArgs(victim, 1, expected[k]);
      else await expect(tx).not.to.emit(c.staking, "Slashed");
    }
    const st = await c.staking.stakeOf(victim);
    expect([st.active, st.unbonding]).to.deep.equal([0n, 0n]);
    expect(await c.staking.operatorStake(opAddress)).to.deep.equal([0n, 0n]);
    // The others held 12 active: 10 + 2 + 0.
    expect((await c.staking.stakeOf(c.d.committee.signers[1].address)).active).to.equal(0n);
    const [, , slashed, credited] = await c.staking.totals();
    expect(slashed).to.equal(4n * 12n * E18);
    expect(credited).to.equal(slashed);
  });

  it("refuses an alert with no admitted config", async () => {
    const [owner] = await ethers.getSigners();
    const { c } = await loadFixture(fixture);
    const s = await deployStaking(owner, c.d.address);
    await s.staking.setFeedHeartbeat(0, HEARTBEAT);
    await time.increase(2 * HEARTBEAT);
    await expect(s.staking.raiseAlert(0)).to.be.revertedWithCustomError(s.staking, "NoActiveConfig");
    expect(await s.staking.alertState(0)).to.deep.equal([0n, 0n, false]);
  });

  it("a reentrant alerter (paid through a token that calls it back) is paid once", async () => {
    const c = await stakedCommittee(testParams(), 1, undefined, "ReentrantToken");
    const token = await ethers.getContractAt("ReentrantToken", await c.token.getAddress());
    await c.staking.setFeedHeartbeat(0, HEARTBEAT);
    const payee = (await (await ethers.getContractFactory("ReentrantPayee")).deploy(c.stakingAddress)) as unknown as ReentrantPayee;
    const payeeAddress = await payee.getAddress();
    await time.increase(2 * HEARTBEAT);
    await payee.act(c.stakingAddress, c.staking.interface.encodeFunctionData("raiseAlert", [0]));
    const reward = (4n * SLASH) / 10n;
    expect(await c.staking.payoutOf(payeeAddress)).to.equal(reward);
    await token.setHook(payeeAddress, payee.interface.encodeFunctionData("reenter"));
    await payee.setReentry(c.staking.interface.encodeFunctionData("withdrawPayout"));
    await payee.act(c.stakingAddress, c.staking.interface.encodeFunctionData("withdrawPayout"));
    expect(await token.reentryAttempts()).to.equal(1n);
    expect(await payee.reentrySuccesses()).to.equal(0n);
    expect(await payee.lastReentryError()).to.equal(c.staking.interface.getError("ReentrancyGuardReentrantCall")!.selector);
    expect(await c.token.balanceOf(payeeAddress)).to.equal(reward);
    expect(await c.staking.payoutOf(payeeAddress)).to.equal(0n);
  });
});

async function mine(): Promise<void> {
  await ethers.provider.send("evm_mine", []);
}
