import { expect } from "chai";
import { ethers } from "hardhat";
import { Signature, type Wallet } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { GWEI, MODE_FULL, deployRewards, deploySla, observerReport, slaCommittee, transmitObservers } from "./sla-helpers";

describe("OracleRewards", function () {
  let owner: HardhatEthersSigner;
  let accounts: HardhatEthersSigner[];

  before(async function () {
    [owner, ...accounts] = await ethers.getSigners();
  });

  /** n = 4 with accounts[0] transmitting at index 0; rates 3 per observation, 5 per transmission. */
  async function setup() {
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[0].address], "rewards"), MODE_FULL, 100n * GWEI);
    const token = await (await ethers.getContractFactory("OracleToken", owner)).deploy(owner.address);
    const rewards = await deployRewards(owner, d.address, await token.getAddress(), 3n, 5n);
    await (await token.mint(owner.address, 10n ** 24n)).wait();
    await (await token.approve(await rewards.getAddress(), ethers.MaxUint256)).wait();
    return { d, token, rewards };
  }

  async function funded(w: Wallet) {
    await (await owner.sendTransaction({ to: w.address, value: 10n ** 18n })).wait();
    return w.connect(ethers.provider);
  }

  it("claim pays observations x rewardPerObservation + transmissions x rewardPerTransmission; a second claim pays nothing", async function () {
    const { d, token, rewards } = await setup();
    for (let k = 0; k < 3; k++) await transmitObservers(d, accounts[0], [[0, 1, 2]]);
    await (await rewards.fund(1_000n)).wait();
    const s0 = await funded(d.committee.signers[0]);
    expect(await rewards.claimable(s0.address)).to.equal(9n);
    await expect(rewards.connect(s0).claim()).to.emit(rewards, "RewardClaimed").withArgs(s0.address, 9n, 9n);
    await expect(rewards.connect(s0).claim()).to.be.revertedWithCustomError(rewards, "NothingToClaim").withArgs(s0.address);
    await expect(rewards.connect(accounts[0]).claim()).to.emit(rewards, "RewardClaimed").withArgs(accounts[0].address, 15n, 15n);
    const s3 = await funded(d.committee.signers[3]);
    await expect(rewards.connect(s3).claim()).to.be.revertedWithCustomError(rewards, "NothingToClaim");
    expect([await token.balanceOf(s0.address), await token.balanceOf(accounts[0].address), await rewards.totalPaid(), await rewards.totalFunded()]).to.deep.equal([9n, 15n, 24n, 1_000n]);
    // New counts earn again.
    await transmitObservers(d, accounts[0], [[0, 1, 3]]);
    await expect(rewards.connect(s0).claim()).to.emit(rewards, "RewardClaimed").withArgs(s0.address, 3n, 12n);
  });

  it("a short budget pays what it holds with BudgetExhausted(unpaid); an empty one pays 0; a refill pays the rest, never more than funded", async function () {
    const { d, rewards } = await setup();
    for (let k = 0; k < 3; k++) await transmitObservers(d, accounts[0], [[0, 1, 2]]);
    await (await rewards.fund(5n)).wait();
    const s0 = await funded(d.committee.signers[0]);
    await expect(rewards.connect(s0).claim()).to.emit(rewards, "BudgetExhausted").withArgs(s0.address, 4n);
    expect(await rewards.connect(s0).claim.staticCall()).to.equal(0n);
    await expect(rewards.connect(s0).claim()).to.emit(rewards, "BudgetExhausted").withArgs(s0.address, 4n).and.not.emit(rewards, "RewardClaimed");
    expect([await rewards.totalPaid(), await rewards.claimable(s0.address)]).to.deep.equal([5n, 4n]);
    await (await rewards.fund(10n)).wait();
    await expect(rewards.connect(s0).claim()).to.emit(rewards, "RewardClaimed").withArgs(s0.address, 4n, 9n);
    expect(await rewards.totalPaid()).to.equal(9n);
  });

  it("withdrawReimbursement pays the accrued wei up to the pot (ReimbursementsExhausted for the rest); a second one reverts", async function () {
    const { d, rewards } = await setup();
    await transmitObservers(d, accounts[0], [[0, 1, 2]], { gasPrice: 3n * GWEI });
    const [, , accrued] = await rewards.oracleTotals(accounts[0].address);
    expect(accrued > 0n).to.equal(true);
    await (await rewards.fundReimbursements({ value: accrued - 1n })).wait();
    const pot = await ethers.provider.getBalance(await rewards.getAddress());
    await expect(rewards.connect(accounts[0]).withdrawReimbursement()).to.emit(rewards, "ReimbursementsExhausted").withArgs(accounts[0].address, 1n);
    expect(pot - (await ethers.provider.getBalance(await rewards.getAddress()))).to.equal(accrued - 1n);
    await (await owner.sendTransaction({ to: await rewards.getAddress(), value: 10n })).wait();
    await expect(rewards.connect(accounts[0]).withdrawReimbursement()).to.emit(rewards, "ReimbursementWithdrawn").withArgs(accounts[0].address, 1n);
    await expect(rewards.connect(accounts[0]).withdrawReimbursement()).to.be.revertedWithCustomError(rewards, "NothingToClaim");
    expect(await rewards.reimbursementTotals()).to.deep.equal([accrued + 9n, accrued]);
    expect([await rewards.reimbursementOwed(accounts[0].address), await rewards.reimbursementWithdrawn(accounts[0].address)]).to.deep.equal([0n, accrued]);
  });

  it("funding refuses zero; fundWithPermit funds with an EIP-2612 permit and no allowance, and counts what arrived", async function () {
    const { d, token, rewards } = await setup();
    await expect(rewards.fund(0)).to.be.revertedWithCustomError(rewards, "ZeroAmount");
    await expect(rewards.fundReimbursements({ value: 0 })).to.be.revertedWithCustomError(rewards, "ZeroAmount");
    const funder = accounts[3];
    await (await token.mint(funder.address, 100n)).wait();
    const deadline = (await ethers.provider.getBlock("latest"))!.timestamp + 3600;
    const { chainId } = await ethers.provider.getNetwork();
    const sig = Signature.from(
      await funder.signTypedData(
        { name: "Oracle Stake", version: "1", chainId, verifyingContract: await token.getAddress() },
        { Permit: [{ name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }] },
        { owner: funder.address, spender: await rewards.getAddress(), value: 60n, nonce: 0n, deadline },
      ),
    );
    await expect(rewards.connect(funder).fundWithPermit(60n, deadline, sig.v, sig.r, sig.s)).to.emit(rewards, "RewardsFunded").withArgs(funder.address, 60n, 60n);
    // The same permit again (used): ignored, and without allowance the transfer fails.
    await expect(rewards.connect(funder).fundWithPermit(60n, deadline, sig.v, sig.r, sig.s)).to.be.reverted;
    expect([await rewards.totalFunded(), await rewards.aggregator(), await rewards.token(), await rewards.rewardPerObservation(), await rewards.rewardPerTransmission()]).to.deep.equal([
      60n,
      d.address,
      await token.getAddress(),
      3n,
      5n,
    ]);
  });

  it("a reentrant payee is paid once: its reentries into claim and withdrawReimbursement from receive() and a token transfer hook fail", async function () {
    const payee = await (await ethers.getContractFactory("RewardsReentrantPayee", owner)).deploy();
    const payeeAddress = await payee.getAddress();
    const d = await deploySla(owner, slaCommittee(4, 1, [payeeAddress], "reentrant"), MODE_FULL, 100n * GWEI);
    const token = await (await ethers.getContractFactory("RewardsReentrantToken", owner)).deploy();
    const rewards = await deployRewards(owner, d.address, await token.getAddress(), 3n, 5n);
    await (await payee.setRewards(await rewards.getAddress())).wait();
    await (await token.setHooked(payeeAddress)).wait();
    for (let k = 0; k < 2; k++) {
      const { report, signatures } = await observerReport(d, [[0, 1, 2]]);
      await (await payee.transmit(d.address, report, signatures)).wait();
    }
    await (await token.mint(owner.address, 1_000n)).wait();
    await (await token.approve(await rewards.getAddress(), 1_000n)).wait();
    await (await rewards.fund(1_000n)).wait();
    await (await rewards.fundReimbursements({ value: 10n ** 18n })).wait();
    const [, , accrued] = await rewards.oracleTotals(payeeAddress);
    await (await payee.claim()).wait();
    await (await payee.withdrawReimbursement()).wait();
    expect([await payee.reentries(), await payee.reentriesSucceeded()]).to.deep.equal([2n, 0n]);
    expect([await token.balanceOf(payeeAddress), await ethers.provider.getBalance(payeeAddress), await rewards.totalPaid()]).to.deep.equal([10n, accrued, 10n]);
    await expect(payee.claim()).to.be.revertedWithCustomError(rewards, "NothingToClaim");
    await expect(payee.withdrawReimbursement()).to.be.revertedWithCustomError(rewards, "NothingToClaim");
  });

  it("a reentrant token's transferFrom cannot re-enter fund or claim: the budget counts the one transfer", async function () {
    const d = await deploySla(owner, slaCommittee(4, 1, [accounts[0].address], "reentrant-token"), MODE_FULL, 100n * GWEI);
    const token = await (await ethers.getContractFactory("RewardsReentrantToken", owner)).deploy();
    const rewards = await deployRewards(owner, d.address, await token.getAddress(), 3n, 5n);
    await transmitObservers(d, accounts[0], [[0, 1, 2]]);
    await (await token.setFromHook(await rewards.getAddress(), rewards.interface.encodeFunctionData("fund", [1n]))).wait();
    await (await token.mint(owner.address, 1_000n)).wait();
    await (await token.approve(await rewards.getAddress(), 1_000n)).wait();
    await (await rewards.fund(100n)).wait();
    await (await token.setFromHook(await rewards.getAddress(), rewards.interface.encodeFunctionData("claim"))).wait();
    await (await rewards.fund(100n)).wait();
    expect([await token.fromHookFailures(), await rewards.totalFunded(), await rewards.totalPaid()]).to.deep.equal([2n, 200n, 0n]);
  });
});
