import { expect } from "chai";
import { ethers } from "hardhat";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * QuorumAggregator's assembly reverts and logs with hand-typed selectors and topics
 * (contracts/libraries/AggregatorSelectors.sol). Each must equal what Solidity computes from the
 * declaration, and what the ABI says: a wrong constant would revert with an error nobody can decode.
 */
describe("QuorumAggregator hand-typed selectors and topics", () => {
  it("every constant equals the Solidity-computed selector or topic and the ABI's", async () => {
    const probe = await (await ethers.getContractFactory("SelectorProbe")).deploy();
    const iface = (await ethers.getContractFactory("QuorumAggregator")).interface;
    const pairs = await probe.pairs();
    for (const p of pairs) {
      expect(p.typed, `${p.constantName} vs ${p.declaration}.selector`).to.equal(p.computed);
      const fromAbi = p.constantName.startsWith("TOPIC_") ? iface.getEvent(p.declaration)!.topicHash : iface.getError(p.declaration)!.selector;
      expect(p.typed, `${p.constantName} vs the ABI`).to.equal(BigInt(fromAbi));
    }
  });

  it("the probe covers every constant of AggregatorSelectors.sol", async () => {
    const source = readFileSync(join(__dirname, "../../contracts/libraries/AggregatorSelectors.sol"), "utf8");
    const declared = [...source.matchAll(/^uint256 constant (\w+) =/gm)].map((m) => m[1]).sort();
    const probe = await (await ethers.getContractFactory("SelectorProbe")).deploy();
    const covered = (await probe.pairs()).map((p) => p.constantName).sort();
    expect(covered).to.deep.equal(declared);
    expect(declared.length).to.be.greaterThan(10);
  });
});
