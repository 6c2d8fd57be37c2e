import { expect } from "chai";
import { ethers } from "hardhat";
import { keyFor } from "./helpers/committee";
import { E18, proofReport, signEntry, testParams } from "./helpers/staking";
import { epochAndRound } from "../../oracle-node/src/protocol/report";
import type { StakingFuzzDriver } from "../../typechain-types";

/**
 * Randomized invariants of OracleStaking (docs/economics.md "Invariants"): SEQUENCES short random
 * sequences (contracts/test/StakingFuzzDriver.sol, 6 steps each, seeded) over stake, unbond,
 * withdraw, clock warps, alerts, equivocation proofs, a reconfiguration, payout withdrawals and
 * feed updates, with a token that calls a re-entering payee back on every transfer. After every
 * step the driver checks: balance == stakes + unpaid payouts, totals agree, a slash never exceeds
 * active + unbonding stake, no withdrawal before its unbonding ends; no re-entry ever succeeds.
 */
/**
 * 200 in the suite: a sequence is several staking calls through Hardhat's traced EVM, and 10,000
 * take minutes on the shared 2-core machine (FUZZ_SEQUENCES=10000 runs them; the seeds are
 * consecutive, so a larger run extends the default one).
 */
const SEQUENCES = Number(process.env.FUZZ_SEQUENCES ?? 200);
const PER_CALL = Number(process.env.FUZZ_PER_CALL ?? 10);
const SEED = 20261207n;
const OPS = ["stake", "requestUnbond", "withdraw", "warp", "raiseAlert", "proveEquivocation", "reconfigure", "withdrawPayout", "feedUpdate"];

describe("OracleStaking: randomized invariants", () => {
  it(`holds over ${SEQUENCES} random sequences with a re-entering token and payee`, async () => {
    const keys = Array.from({ length: 4 }, (_, i) => keyFor("staking-fuzz", i));
    const driver = (await (await ethers.getContractFactory("StakingFuzzDriver")).deploy(keys.map((k) => k.address))) as unknown as StakingFuzzDriver;
    const driverAddress = await driver.getAddress();
    const token = await (await ethers.getContractFactory("ReentrantToken")).deploy();
    const params = testParams({ minimumStake: 100n * E18, alertSlashAmount: 30n * E18, alertRewardCap: 10n * E18 });
    const harness = await (
      await ethers.getContractFactory("OracleStakingHarness")
    ).deploy(driverAddress, await token.getAddress(), driverAddress, driverAddress, params);
    const harnessAddress = await harness.getAddress();
    const payeeFactory = await ethers.getContractFactory("ReentrantPayee");
    const actors: string[] = [];
    for (let i = 0; i < 4; i++) actors.push(await (await payeeFactory.deploy(harnessAddress)).getAddress());

    // Proof pairs per signer, round and config, signed in the driver's (the aggregator's) domain.
    // Config 2's members depend on the sequence, so its proofs use the index-free compact form.
    const domain = { chainId: (await ethers.provider.getNetwork()).chainId, verifyingContract: driverAddress };
    const digests = [await driver.DIGEST_1(), await driver.DIGEST_2()];
    for (let s = 0; s < 4; s++) {
      for (let round = 0; round < 2; round++) {
        for (let d = 0; d < 2; d++) {
          const er = epochAndRound(1, round + 1);
          const a = proofReport(digests[d], er, 1n);
          const b = proofReport(digests[d], er, 2n);
          const sigA = signEntry(a, domain, s, keys[s]);
          const sigB = signEntry(b, domain, s, keys[s]);
          const form = (sig: string) => (d === 0 ? sig : "0x" + sig.slice(4));
          await driver.addProof(s * 4 + round * 2 + d, a, form(sigA), b, form(sigB));
        }
      }
    }
    await driver.setUp(harnessAddress, await token.getAddress(), actors as [string, string, string, string]);

    const ok = new Array<bigint>(10).fill(0n);
    for (let start = 0; start < SEQUENCES; start += PER_CALL) {
      const counts = await driver.runMany.staticCall(SEED + BigInt(start), PER_CALL, { gasLimit: 16_000_000 });
      counts.forEach((c, k) => (ok[k] += c));
    }
    // Every kind of step was accepted often enough for the invariants to mean something.
    if (process.env.FUZZ_VERBOSE) console.log(Object.fromEntries(OPS.map((op, k) => [op, ok[k]])), "reentries", ok[9]);
    for (let k = 0; k < OPS.length; k++) expect(ok[k], OPS[k]).to.be.greaterThan(BigInt(SEQUENCES / 100));
    // The payees tried to re-enter on transfers (and never succeeded: the driver checks).
    expect(ok[9]).to.be.greaterThan(BigInt(SEQUENCES / 10));
  });
});
