/**
 * The compatibility suite's two axes: the proxy under test (FeedProxy, and the port of Chainlink's
 * EACAggregatorProxy as the control) and the phase aggregator behind it (QuorumAggregator, and
 * Chainlink's own MockV3Aggregator). Each assertion in the suite runs for every pair.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Contract, ContractTransactionResponse, Signer } from "ethers";
import { deployAggregator, feedEntry, makeCommittee, now, signedReport, type Deployed } from "../helpers/committee";

export const PHASE_BASE = 1n << 64n;
export const DECIMALS = 8;

export interface ProxyTarget {
  name: string;
  deploy(owner: Signer, aggregator: string): Promise<Contract>;
  propose(proxy: Contract, aggregator: string): Promise<ContractTransactionResponse>;
  phaseAggregator(proxy: Contract, phaseId: number): Promise<string>;
  proposedAggregator(proxy: Contract): Promise<string>;
  expectNoProposal(proxy: Contract, call: Promise<unknown>): Promise<void>;
  expectNotOwner(proxy: Contract, call: Promise<unknown>): Promise<void>;
  expectNotProposed(proxy: Contract, call: Promise<unknown>): Promise<void>;
}

export const FEED_PROXY: ProxyTarget = {
  name: "FeedProxy",
  async deploy(owner, aggregator) {
    const factory = await ethers.getContractFactory("FeedProxy", owner);
    return (await factory.deploy(await owner.getAddress(), aggregator, 0)) as unknown as Contract;
  },
  propose: (proxy, aggregator) => proxy.proposeAggregator(aggregator, 0),
  phaseAggregator: async (proxy, id) => (await proxy.phaseAggregators(id))[0],
  proposedAggregator: async (proxy) => (await proxy.proposedAggregator())[0],
  expectNoProposal: (proxy, call) => expect(call).to.be.revertedWithCustomError(proxy, "NoProposedAggregator"),
  expectNotOwner: (proxy, call) => expect(call).to.be.revertedWithCustomError(proxy, "OwnableUnauthorizedAccount"),
  expectNotProposed: (proxy, call) => expect(call).to.be.revertedWithCustomError(proxy, "InvalidProposedAggregator"),
};

/** The control, without an access controller (the suite's access assertions deploy one). */
export const EAC_PORT: ProxyTarget = {
  name: "EACAggregatorProxyPort",
  async deploy(owner, aggregator) {
    const factory = await ethers.getContractFactory("EACAggregatorProxyPort", owner);
    return (await factory.deploy(aggregator, ethers.ZeroAddress)) as unknown as Contract;
  },
  propose: (proxy, aggregator) => proxy.proposeAggregator(aggregator),
  phaseAggregator: (proxy, id) => proxy.phaseAggregators(id),
  proposedAggregator: (proxy) => proxy.proposedAggregator(),
  expectNoProposal: (_proxy, call) => expect(call).to.be.revertedWith("No proposed aggregator present"),
  expectNotOwner: (_proxy, call) => expect(call).to.be.revertedWith("Only callable by owner"),
  expectNotProposed: (_proxy, call) => expect(call).to.be.revertedWith("Invalid proposed aggregator"),
};

export const TARGETS = [FEED_PROXY, EAC_PORT];

/** One deployed phase aggregator and how to move it. */
export interface Feed {
  address: string;
  contract: Contract;
  /** Publishes a new round with this answer. */
  push(answer: bigint): Promise<void>;
  /** Sets an arbitrary aggregator round (MockV3Aggregator only). */
  setRound?(roundId: bigint, answer: bigint, updatedAt: number, startedAt: number): Promise<void>;
}

export interface FeedSource {
  name: string;
  description: string;
  version: bigint;
  /** A feed with one round holding `answer`. */
  deploy(owner: Signer, answer: bigint): Promise<Feed>;
  /** A feed without any round yet. */
  deployEmpty(owner: Signer): Promise<Feed>;
  /** What getRoundData(0) of the aggregator does: answer zeros, or revert with the aggregator's error. */
  roundZero: "zeros" | "reverts";
}

export const MOCK_V3: FeedSource = {
  name: "MockV3Aggregator",
  description: "v0.8/tests/MockV3Aggregator.sol",
  version: 0n,
  roundZero: "zeros",
  async deploy(owner, answer) {
    const contract = (await (await ethers.getContractFactory("MockV3Aggregator", owner)).deploy(DECIMALS, answer)) as unknown as Contract;
    return {
      address: await contract.getAddress(),
      contract,
      push: async (a) => void (await (await contract.updateAnswer(a)).wait()),
      setRound: async (id, a, updatedAt, startedAt) => void (await (await contract.updateRoundData(id, a, updatedAt, startedAt)).wait()),
    };
  },
  async deployEmpty(owner) {
    const feed = await MOCK_V3.deploy(owner, 0n);
    await feed.setRound!(0n, 0n, 0, 0);
    return feed;
  },
};

let epoch = 1;
function quorumFeed(d: Deployed): Feed {
  return {
    address: d.address,
    contract: d.aggregator as unknown as Contract,
    async push(answer) {
      const r = signedReport(d, {
        configDigest: d.configDigest,
        epoch: epoch++,
        round: 0,
        observationsTimestamp: await now(),
        feeds: [feedEntry(0, [answer, answer, answer])],
      });
      await (await d.aggregator.transmit(r.report, r.signatures)).wait();
    },
  };
}

export const QUORUM: FeedSource = {
  name: "QuorumAggregator",
  description: "ETH / USD",
  version: 1n,
  roundZero: "reverts",
  async deploy(owner, answer) {
    const feed = await QUORUM.deployEmpty(owner);
    await feed.push(answer);
    return feed;
  },
  async deployEmpty(owner) {
    const d = await deployAggregator(owner, makeCommittee(4, 1, await owner.getAddress(), "compat"), [{ decimals: DECIMALS, description: "ETH / USD" }]);
    return quorumFeed(d);
  },
};

export const SOURCES = [QUORUM, MOCK_V3];
