import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployAggregator, deployProxy, feedEntry, makeCommittee, now, signedReport } from "./helpers/committee";

// ChainlinkInterfaceReader is compiled against @chainlink/contracts' own AggregatorV3Interface.
async function fixture() {
  const [owner] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(4, 1, owner.address, "chainlink"), [
    { description: "ETH / USD" },
    { decimals: 6, description: "EUR / USD" },
  ]);
  const proxy = await deployProxy(owner, d.address, 1);
  const reader = await (await ethers.getContractFactory("ChainlinkInterfaceReader", owner)).deploy();
  const r = signedReport(d, {
    configDigest: d.configDigest,
    epoch: 1,
    round: 0,
    observationsTimestamp: await now(),
    feeds: [feedEntry(0, [300_000_000_000n, 300_100_000_000n, 300_200_000_000n]), feedEntry(1, [1_080_000n, 1_081_000n, 1_090_000n])],
  });
  await d.aggregator.transmit(r.report, r.signatures);
  return { d, proxy, reader };
}

describe("A consumer compiled against Chainlink's AggregatorV3Interface", () => {
  it("reads the aggregator directly (feed 0)", async () => {
    const { d, reader } = await loadFixture(fixture);
    const [roundId, answer, , updatedAt, answeredInRound] = await reader.read(d.address);
    expect([roundId, answer, answeredInRound]).to.deep.equal([1n, 300_100_000_000n, 1n]);
    expect(updatedAt).to.be.greaterThan(0n);
    expect(await reader.meta(d.address)).to.deep.equal([8n, "ETH / USD", 1n]);
    expect(await reader.price18(d.address, 3600)).to.equal(300_100_000_000n * 10n ** 10n);
    expect((await reader.readRound(d.address, 1))[1]).to.equal(300_100_000_000n);
  });

  it("reads through the proxy (feed 1) and applies its own staleness rule", async () => {
    const { proxy, reader } = await loadFixture(fixture);
    const address = await proxy.getAddress();
    const [roundId, answer] = await reader.read(address);
    // Phase 1, aggregator round id of feed 1's first round (feedIndex << 32 | round).
    const proxyRound = (1n << 64n) | (1n << 32n) | 1n;
    expect([roundId, answer]).to.deep.equal([proxyRound, 1_081_000n]);
    expect(await reader.meta(address)).to.deep.equal([6n, "EUR / USD", 1n]);
    expect(await reader.price18(address, 3600)).to.equal(1_081_000n * 10n ** 12n);
    expect((await reader.readRound(address, proxyRound))[1]).to.equal(1_081_000n);
    await time.increase(7200);
    await expect(reader.price18(address, 3600)).to.be.revertedWithCustomError(reader, "StaleFeed");
  });
});
