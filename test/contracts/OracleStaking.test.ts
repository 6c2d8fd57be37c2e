import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, keccak256, toUtf8Bytes } from "ethers";
import { DAY, E18, admitAs, deployStaking, mintAndStake, testParams } from "./helpers/staking";
import type { ReentrantPayee, ReentrantToken } from "../../typechain-types";

const MIN = testParams().minimumStake;
const DIGEST_1 = keccak256(toUtf8Bytes("config 1"));
const DIGEST_2 = keccak256(toUtf8Bytes("config 2"));

describe("OracleStaking: stake, unbonding, withdrawal, admission", () => {
  async function fixture() {
    const [owner, opA, opB, stranger] = await ethers.getSigners();
    // The aggregator is only an address here (admitConfig's caller); alerts and proofs use a real one.
    const aggregator = ethers.Wallet.createRandom().address;
    const s = await deployStaking(owner, aggregator);
    const signers = Array.from({ length: 4 }, () => ethers.Wallet.createRandom().address);
    return { owner, opA, opB, stranger, aggregator, s, signers };
  }

  it("refuses parameters that break the rules (unbonding <= proof window, shares over 100 %, zero minimum...)", async () => {
    const [owner] = await ethers.getSigners();
    const agg = ethers.Wallet.createRandom().address;
    const token = await (await ethers.getContractFactory("OracleToken")).deploy(owner.address);
    const factory = await ethers.getContractFactory("OracleStaking");
    const bad: [string, Partial<ReturnType<typeof testParams>>][] = [
      ["minimumStake", { minimumStake: 0n }],
      ["proofWindow", { proofWindow: 0 }],
      ["unbondingPeriod", { unbondingPeriod: 7 * DAY }],
      ["alertSlashAmount", { alertSlashAmount: 0n, alertRewardCap: 0n }],
      ["alertRewardBps", { alertRewardBps: 10_001 }],
      ["alertRewardCap", { alertRewardCap: 10n * E18 + 1n }],
      ["maxAlertsPerOutage", { maxAlertsPerOutage: 0 }],
      ["equivocationSlashBps", { equivocationSlashBps: 0 }],
      ["equivocationSlashBps", { equivocationSlashBps: 10_001 }],
      ["proverRewardBps", { proverRewardBps: 10_000 }],
    ];
    for (const [name, over] of bad) {
      await expect(factory.deploy(owner.address, await token.getAddress(), agg, agg, testParams(over)), name)
        .to.be.revertedWithCustomError(factory, "InvalidParameter")
        .withArgs(name);
    }
    const z = ethers.ZeroAddress;
    await expect(factory.deploy(owner.address, z, agg, agg, testParams()))
      .to.be.revertedWithCustomError(factory, "InvalidParameter")
      .withArgs("token");
    await expect(factory.deploy(owner.address, await token.getAddress(), z, agg, testParams()))
      .to.be.revertedWithCustomError(factory, "InvalidParameter")
      .withArgs("aggregator");
    await expect(factory.deploy(owner.address, await token.getAddress(), agg, z, testParams()))
      .to.be.revertedWithCustomError(factory, "InvalidParameter")
      .withArgs("treasury");
  });

  it("the first staker of a signer becomes its operator, must bring the minimum, and alone adds to it", async () => {
    const { opA, opB, s, signers } = await loadFixture(fixture);
    await s.token.mint(opA.address, 3n * MIN);
    await s.token.connect(opA).approve(s.stakingAddress, 3n * MIN);
    await expect(s.staking.connect(opA).stake(signers[0], MIN - 1n))
      .to.be.revertedWithCustomError(s.staking, "StakeBelowMinimum")
      .withArgs(signers[0], MIN - 1n, MIN);
    await expect(s.staking.connect(opA).stake(signers[0], 0)).to.be.revertedWithCustomError(s.staking, "ZeroAmount");
    await expect(s.staking.connect(opA).stake(ethers.ZeroAddress, MIN)).to.be.revertedWithCustomError(s.staking, "InvalidParameter").withArgs("signer");
    await expect(s.staking.connect(opA).stake(signers[0], MIN)).to.emit(s.staking, "Staked").withArgs(signers[0], opA.address, MIN, MIN);
    await expect(s.staking.connect(opA).stake(signers[0], 1n))
      .to.emit(s.staking, "Staked")
      .withArgs(signers[0], opA.address, 1n, MIN + 1n);
    await mintAndStake(s, opB, signers[1], MIN);
    await s.token.mint(opB.address, MIN);
    await s.token.connect(opB).approve(s.stakingAddress, MIN);
    await expect(s.staking.connect(opB).stake(signers[0], 1n))
      .to.be.revertedWithCustomError(s.staking, "NotOperator")
      .withArgs(signers[0], opB.address, opA.address);
    const st = await s.staking.stakeOf(signers[0]);
    expect([st.operator, st.active, st.unbonding]).to.deep.equal([opA.address, MIN + 1n, 0n]);
    expect(await s.staking.operatorStake(opA.address)).to.deep.equal([MIN + 1n, 0n]);
    expect(await s.token.balanceOf(s.stakingAddress)).to.equal(2n * MIN + 1n);
    const [staked] = await s.staking.totals();
    expect(staked).to.equal(2n * MIN + 1n);
  });

  it("stakeWithPermit stakes without approve, and still stakes when the permit was front-run", async () => {
    const { opA, s, signers } = await loadFixture(fixture);
    await s.token.mint(opA.address, 2n * MIN);
    const permit = async (value: bigint) => {
      const deadline = (await time.latest()) + 3600;
      const { chainId } = await ethers.provider.getNetwork();
      const domain = { name: "Oracle Stake", version: "1", chainId, verifyingContract: await s.token.getAddress() };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const nonce = await s.token.nonces(opA.address);
      const sig = Signature.from(await opA.signTypedData(domain, types, { owner: opA.address, spender: s.stakingAddress, value, nonce, deadline }));
      return { deadline, sig };
    };
    const p1 = await permit(MIN);
    await s.staking.connect(opA).stakeWithPermit(signers[0], MIN, p1.deadline, p1.sig.v, p1.sig.r, p1.sig.s);
    expect((await s.staking.stakeOf(signers[0])).active).to.equal(MIN);
    // A watcher submits the permit first: the stake still goes through on the allowance it set.
    const p2 = await permit(MIN);
    await s.token.permit(opA.address, s.stakingAddress, MIN, p2.deadline, p2.sig.v, p2.sig.r, p2.sig.s);
    await s.staking.connect(opA).stakeWithPermit(signers[0], MIN, p2.deadline, p2.sig.v, p2.sig.r, p2.sig.s);
    expect((await s.staking.stakeOf(signers[0])).active).to.equal(2n * MIN);
    // A permit that is not valid and no allowance: the transfer fails.
    await s.token.mint(opA.address, MIN);
    await expect(s.staking.connect(opA).stakeWithPermit(signers[0], MIN, p2.deadline, p2.sig.v, p2.sig.r, p2.sig.s)).to.be.revertedWithCustomError(
      s.token,
      "ERC20InsufficientAllowance",
    );
  });

  it("unbonding: operator only, at most the active stake, refused in the active config, withdrawable exactly when the period ends", async () => {
    const { opA, opB, s, aggregator, signers } = await loadFixture(fixture);
    for (const signer of signers) await mintAndStake(s, opA, signer, MIN);
    await admitAs(s.staking, aggregator, DIGEST_1, signers.slice(0, 3));
    await expect(s.staking.connect(opB).requestUnbond(signers[3], 1n))
      .to.be.revertedWithCustomError(s.staking, "NotOperator")
      .withArgs(signers[3], opB.address, opA.address);
    await expect(s.staking.connect(opA).requestUnbond(signers[3], 0)).to.be.revertedWithCustomError(s.staking, "ZeroAmount");
    await expect(s.staking.connect(opA).requestUnbond(signers[3], MIN + 1n))
      .to.be.revertedWithCustomError(s.staking, "InsufficientStake")
      .withArgs(signers[3], MIN + 1n, MIN);
    await expect(s.staking.connect(opA).requestUnbond(signers[0], 1n)).to.be.revertedWithCustomError(s.staking, "SignerInActiveConfig").withArgs(signers[0]);
    await expect(s.staking.connect(opA).withdraw(signers[3])).to.be.revertedWithCustomError(s.staking, "NothingToWithdraw").withArgs(signers[3]);

    const tx = await s.staking.connect(opA).requestUnbond(signers[3], MIN / 2n);
    const endsAt = BigInt((await time.latest()) + 14 * DAY);
    await expect(tx)
      .to.emit(s.staking, "UnbondingRequested")
      .withArgs(signers[3], opA.address, MIN / 2n, endsAt);
    expect(await s.staking.operatorStake(opA.address)).to.deep.equal([4n * MIN - MIN / 2n, MIN / 2n]);
    await time.setNextBlockTimestamp(endsAt - 1n);
    await expect(s.staking.connect(opA).withdraw(signers[3]))
      .to.be.revertedWithCustomError(s.staking, "UnbondingNotEnded")
      .withArgs(signers[3], endsAt, endsAt - 1n);
    await expect(s.staking.connect(opB).withdraw(signers[3])).to.be.revertedWithCustomError(s.staking, "NotOperator");
    const before = await s.token.balanceOf(opA.address);
    await expect(s.staking.connect(opA).withdraw(signers[3]))
      .to.emit(s.staking, "Withdrawn")
      .withArgs(signers[3], opA.address, MIN / 2n);
    expect((await s.token.balanceOf(opA.address)) - before).to.equal(MIN / 2n);
    await expect(s.staking.connect(opA).withdraw(signers[3])).to.be.revertedWithCustomError(s.staking, "NothingToWithdraw");

    // A second request restarts the period for the whole unbonding amount.
    await s.staking.connect(opA).requestUnbond(signers[3], 1n);
    await time.increase(10 * DAY);
    await s.staking.connect(opA).requestUnbond(signers[3], 1n);
    await time.increase(10 * DAY);
    await expect(s.staking.connect(opA).withdraw(signers[3])).to.be.revertedWithCustomError(s.staking, "UnbondingNotEnded");

    // Once a config without it is admitted, a former member may unbond.
    // signers[3] is below the minimum now (half of it unbonded): it cannot be admitted.
    await expect(admitAs(s.staking, aggregator, DIGEST_2, [signers[1], signers[3]])).to.be.revertedWithCustomError(s.staking, "StakeBelowMinimum");
    await admitAs(s.staking, aggregator, DIGEST_2, [signers[1], signers[2]]);
    await expect(s.staking.connect(opA).requestUnbond(signers[0], MIN)).to.emit(s.staking, "UnbondingRequested");
    await expect(s.staking.connect(opA).requestUnbond(signers[2], 1n)).to.be.revertedWithCustomError(s.staking, "SignerInActiveConfig");
    const [staked, withdrawn] = await s.staking.totals();
    expect([staked, withdrawn]).to.deep.equal([4n * MIN, MIN / 2n]);
  });

  it("admitConfig: the aggregator only, every signer at the minimum, a digest once, no duplicate or empty list", async () => {
    const { opA, stranger, s, aggregator, signers } = await loadFixture(fixture);
    for (const signer of signers.slice(0, 3)) await mintAndStake(s, opA, signer, MIN);
    await expect(s.staking.connect(stranger).admitConfig(DIGEST_1, signers))
      .to.be.revertedWithCustomError(s.staking, "NotAggregator")
      .withArgs(stranger.address);
    await expect(admitAs(s.staking, aggregator, DIGEST_1, signers))
      .to.be.revertedWithCustomError(s.staking, "StakeBelowMinimum")
      .withArgs(signers[3], 0n, MIN);
    await expect(admitAs(s.staking, aggregator, DIGEST_1, []))
      .to.be.revertedWithCustomError(s.staking, "InvalidParameter")
      .withArgs("signers");
    await expect(admitAs(s.staking, aggregator, DIGEST_1, [signers[0], signers[0]]))
      .to.be.revertedWithCustomError(s.staking, "InvalidParameter")
      .withArgs("signers");
    await expect(admitAs(s.staking, aggregator, ethers.ZeroHash, [signers[0]]))
      .to.be.revertedWithCustomError(s.staking, "InvalidParameter")
      .withArgs("configDigest");
    await admitAs(s.staking, aggregator, DIGEST_1, signers.slice(0, 3));
    await expect(admitAs(s.staking, aggregator, DIGEST_1, signers.slice(0, 3)))
      .to.be.revertedWithCustomError(s.staking, "InvalidParameter")
      .withArgs("configDigest");
    expect(await s.staking.activeConfigDigest()).to.equal(DIGEST_1);
    expect(await s.staking.memberIndex(DIGEST_1, signers[2])).to.equal(3n);
    expect(await s.staking.memberIndex(DIGEST_1, signers[3])).to.equal(0n);
    expect(await s.staking.members(DIGEST_1)).to.deep.equal(signers.slice(0, 3));
    expect(await s.staking.typeAndVersion()).to.equal("OracleStaking 1.0.0");
  });

  it("credits only what arrived from a fee-on-transfer token", async () => {
    const [owner, op] = await ethers.getSigners();
    const token = (await (await ethers.getContractFactory("ReentrantToken")).deploy()) as unknown as ReentrantToken;
    const factory = await ethers.getContractFactory("OracleStaking");
    const staking = await factory.deploy(owner.address, await token.getAddress(), owner.address, owner.address, testParams());
    await token.setFeeBps(100);
    await token.mint(op.address, 2n * MIN);
    await token.connect(op).approve(await staking.getAddress(), 2n * MIN);
    const signer = ethers.Wallet.createRandom().address;
    await staking.connect(op).stake(signer, 2n * MIN);
    expect((await staking.stakeOf(signer)).active).to.equal((2n * MIN * 99n) / 100n);
    expect(await token.balanceOf(await staking.getAddress())).to.equal((2n * MIN * 99n) / 100n);
  });

  it("a reentrant token and a reentrant payee cannot re-enter stake, withdraw or withdrawPayout", async () => {
    const [owner] = await ethers.getSigners();
    const token = (await (await ethers.getContractFactory("ReentrantToken")).deploy()) as unknown as ReentrantToken;
    const factory = await ethers.getContractFactory("OracleStaking");
    // The payee's contract address is needed before staking exists: the treasury is the owner.
    const staking = await factory.deploy(owner.address, await token.getAddress(), owner.address, owner.address, testParams());
    const stakingAddress = await staking.getAddress();
    const payee = (await (await ethers.getContractFactory("ReentrantPayee")).deploy(stakingAddress)) as unknown as ReentrantPayee;
    const payeeAddress = await payee.getAddress();
    const signer = ethers.Wallet.createRandom().address;
    await token.mint(payeeAddress, 2n * MIN);
    await payee.act(await token.getAddress(), token.interface.encodeFunctionData("approve", [stakingAddress, 2n * MIN]));
    // The token re-enters stake for the payee while stake pulls the payee's tokens.
    await token.setHook(payeeAddress, payee.interface.encodeFunctionData("reenter"));
    await payee.setReentry(staking.interface.encodeFunctionData("stake", [signer, 1n]));
    await payee.act(stakingAddress, staking.interface.encodeFunctionData("stake", [signer, MIN]));
    const guard = staking.interface.getError("ReentrancyGuardReentrantCall")!.selector;
    expect(await token.reentryAttempts()).to.equal(1n);
    expect(await payee.reentrySuccesses()).to.equal(0n);
    expect(await payee.lastReentryError()).to.equal(guard);
    expect((await staking.stakeOf(signer)).active).to.equal(MIN);

    // While withdraw pays the payee, the payee tries to withdraw again.
    await payee.act(stakingAddress, staking.interface.encodeFunctionData("requestUnbond", [signer, MIN]));
    await time.increase(14 * DAY);
    await payee.setReentry(staking.interface.encodeFunctionData("withdraw", [signer]));
    await payee.act(stakingAddress, staking.interface.encodeFunctionData("withdraw", [signer]));
    expect(await token.reentryAttempts()).to.equal(2n);
    expect(await payee.reentrySuccesses()).to.equal(0n);
    expect(await payee.lastReentryError()).to.equal(guard);
    expect(await token.balanceOf(payeeAddress)).to.equal(2n * MIN);
    expect(await token.balanceOf(stakingAddress)).to.equal(0n);
  });
});
