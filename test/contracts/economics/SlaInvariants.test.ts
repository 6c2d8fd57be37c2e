import { expect } from "chai";
import { ethers } from "hardhat";
import type { SlaInvariantDriver } from "../../../typechain-types";

/**
 * The accounting invariants over 10,000 random sequences (contracts/test/SlaInvariantDriver.sol: each sequence a
 * fresh OracleRewards over the real accounting library, 3-10 random steps, re-entrant payees and token; the
 * driver reverts with InvariantBroken(sequence, step, what) on the first broken invariant). Steps of OracleStaking
 * (stake, unbond, withdraw, alert, prove) are not in it: that contract is on the stake branch.
 */
const SEQUENCES = Number(process.env.SLA_SEQUENCES ?? 10_000);
const PER_TX = Number(process.env.SLA_PER_TX ?? 20);
const SEED = 14;
/** A gas price high enough that the largest cap and overhead overflow a pending slot's 63-bit wei at once. */
const GAS_PRICE = 1_000_000_000_000n;

describe("service accounting invariants (10,000 random sequences)", function () {
  this.timeout(600_000);

  it("transmit never reverts; payouts are exact and capped by funding; second claims pay 0; totals equal the shadow counts", async function () {
    const snapshot = await ethers.provider.send("evm_snapshot", []);
    const [sender] = await ethers.getSigners();
    await ethers.provider.send("hardhat_setBalance", [sender.address, "0x" + (10n ** 30n).toString(16)]);
    const driver = (await (await ethers.getContractFactory("SlaInvariantDriver", sender)).deploy()) as unknown as SlaInvariantDriver;
    await driver.waitForDeployment();
    await ethers.provider.send("hardhat_setBalance", [await driver.getAddress(), "0x" + (10n ** 30n).toString(16)]);
    for (let first = 0; first < SEQUENCES; first += PER_TX) {
      const r = await (await driver.run(SEED, first, PER_TX, { gasLimit: 16_000_000n, gasPrice: GAS_PRICE, type: 0 })).wait();
      if (process.env.SLA_GAS) console.log(r!.gasUsed);
    }
    const stats = {
      sequences: await driver.sequences(),
      steps: await driver.steps(),
      transmits: await driver.transmits(),
      claimsPaid: await driver.claimsPaid(),
      shortClaims: await driver.shortClaims(),
      withdrawalsPaid: await driver.withdrawalsPaid(),
      shortWithdrawals: await driver.shortWithdrawals(),
      committeeChanges: await driver.committeeChanges(),
      nearFlushes: await driver.nearFlushes(),
    };
    await ethers.provider.send("evm_revert", [snapshot]);
    expect(stats.sequences).to.equal(BigInt(SEQUENCES));
    // Every kind of step happened many times, the budget-short paths included.
    for (const [name, v] of Object.entries(stats)) expect(v > 100n, `${name} = ${v}`).to.equal(true);
  });
});
