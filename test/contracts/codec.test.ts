import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TypedDataEncoder } from "ethers";
import {
  EIP712_NAME,
  EIP712_VERSION,
  MAX_OBSERVATION_BYTES,
  OBSERVATION_MAX,
  OBSERVATION_MIN,
  decodeReport,
  encodeReport,
  expectedAnswer,
  expectedConfidence,
  reportDigest,
  type Report,
} from "../../oracle-node/src/protocol/report";
import { deployAggregator, makeCommittee, now, signedReport } from "./helpers/committee";

// The TypeScript codec and the Solidity decoder, tested against each other.
async function fixture() {
  const [owner] = await ethers.getSigners();
  const feeds = Array.from({ length: MAX_OBSERVATION_BYTES + 1 }, () => ({}));
  const d = await deployAggregator(owner, makeCommittee(7, 2, owner.address, "codec"), feeds);
  return { d };
}

describe("report codec against the contract", () => {
  it("signs the digest ethers' EIP-712 encoder computes", async () => {
    const { d } = await loadFixture(fixture);
    const encoded = encodeReport({
      configDigest: d.configDigest,
      epoch: 1,
      round: 2,
      observationsTimestamp: 3,
      feeds: [{ feedIndex: 0, observers: [0, 1, 2, 3, 4], observations: [1n, 2n, 3n, 4n, 5n] }],
    });
    const expected = TypedDataEncoder.hash(
      { name: EIP712_NAME, version: EIP712_VERSION, chainId: d.domain.chainId, verifyingContract: d.address },
      { Report: [{ name: "report", type: "bytes" }] },
      { report: encoded },
    );
    expect(reportDigest(encoded, d.domain)).to.equal(expected);
  });

  it("encodes every observation width 1..15 (both extremes) so the contract stores the codec's median and confidence", async () => {
    const { d } = await loadFixture(fixture);
    const feeds = [];
    for (let width = 1; width <= MAX_OBSERVATION_BYTES; width++) {
      const half = 1n << BigInt(8 * width - 1);
      const lo = width === MAX_OBSERVATION_BYTES ? OBSERVATION_MIN : -half;
      const hi = width === MAX_OBSERVATION_BYTES ? OBSERVATION_MAX : half - 1n;
      feeds.push({ feedIndex: width - 1, observers: [6, 0, 5, 1, 4], observations: [lo, lo + 1n, 0n, hi - 1n, hi] });
    }
    feeds.push({ feedIndex: MAX_OBSERVATION_BYTES, observers: [3, 2, 1, 0, 6, 5], observations: [-7n, -7n, -3n, 8n, 8n, 9n] });
    const report: Report = { configDigest: d.configDigest, epoch: 0x01020304, round: 0xfe, observationsTimestamp: await now(), feeds };
    const { report: encoded, signatures } = signedReport(d, report);
    const tx = await d.aggregator.transmit(encoded, signatures);
    const receipt = await tx.wait();
    for (const feed of feeds) {
      const data = d.aggregator.interface.encodeFunctionData("latestRoundData") + BigInt(feed.feedIndex).toString(16).padStart(64, "0");
      const [, answer] = d.aggregator.interface.decodeFunctionResult("latestRoundData", await ethers.provider.call({ to: d.address, data }));
      expect(answer, `feed ${feed.feedIndex}`).to.equal(expectedAnswer(feed.observations));
      const round = (BigInt(feed.feedIndex) << 32n) | 1n;
      expect(await d.aggregator.getConfidence(round)).to.equal(expectedConfidence(feed.observations));
    }
    // Decode what the contract emitted: the same report comes back.
    const log = receipt!.logs.map((l) => d.aggregator.interface.parseLog(l)).find((l) => l?.name === "NewTransmission");
    expect(decodeReport(log!.args.report)).to.deep.equal(report);
    expect((await d.aggregator.latestTransmissionDetails()).epochAndRound).to.equal((0x01020304n << 8n) | 0xfen);
  });
});
