/**
 * Compatibility suite: the assertions of Chainlink's AggregatorProxy and EACAggregatorProxy tests
 * (smartcontractkit/chainlink, contracts/test/v0.7/AggregatorProxy.test.ts and the v0.6
 * EACAggregatorProxy tests), rewritten, with their intent kept, plus the points of issue 12.
 * Each runs against FeedProxy and against EACAggregatorProxyPort (the control), over
 * QuorumAggregator phases and over Chainlink's MockV3Aggregator.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PHASE_BASE, SOURCES, TARGETS, DECIMALS, type FeedSource, type ProxyTarget } from "./targets";

const ANSWER = 54321n;
const ANSWER2 = 67890n;

function suite(target: ProxyTarget, source: FeedSource) {
  async function fixture() {
    const [owner, carol, neil] = await ethers.getSigners();
    const feed = await source.deploy(owner, ANSWER);
    const proxy = await target.deploy(owner, feed.address);
    return { owner, carol, neil, feed, proxy };
  }
  /** A second aggregator, proposed and confirmed: phase 2. */
  async function upgraded() {
    const base = await loadFixture(fixture);
    const before = { round: await base.proxy.latestRound(), answer: await base.proxy.latestAnswer(), timestamp: await base.proxy.latestTimestamp() };
    await time.increase(30);
    const feed2 = await source.deploy(base.owner, ANSWER2);
    await target.propose(base.proxy, feed2.address);
    await base.proxy.confirmAggregator(feed2.address);
    return { ...base, feed2, before };
  }

  describe(`${target.name} over ${source.name}`, () => {
    it("starts in phase 1 on its aggregator", async () => {
      const { proxy, feed } = await loadFixture(fixture);
      expect(await proxy.phaseId()).to.equal(1n);
      expect(await target.phaseAggregator(proxy, 1)).to.equal(feed.address);
      expect(await proxy.aggregator()).to.equal(feed.address);
    });

    it("#latestRound, #latestAnswer, #latestTimestamp pull from the aggregator; #getAnswer/#getTimestamp of that round agree", async () => {
      const { proxy, feed } = await loadFixture(fixture);
      const round = await proxy.latestRound();
      expect(round).to.equal(PHASE_BASE + (await feed.contract.latestRound()));
      expect(await proxy.latestAnswer()).to.equal(ANSWER);
      expect(await proxy.getAnswer(round)).to.equal(ANSWER);
      const timestamp = await feed.contract.latestTimestamp();
      expect(timestamp).to.not.equal(0n);
      expect(await proxy.latestTimestamp()).to.equal(timestamp);
      expect(await proxy.getTimestamp(round)).to.equal(timestamp);
    });

    it("#latestRoundData and #getRoundData return the aggregator's round with both ids tagged by the phase", async () => {
      const { proxy, feed } = await loadFixture(fixture);
      const direct = await feed.contract.latestRoundData();
      const expected = [PHASE_BASE | direct[0], direct[1], direct[2], direct[3], PHASE_BASE | direct[4]];
      expect(await proxy.latestRoundData()).to.deep.equal(expected);
      expect(await proxy.getRoundData(expected[0])).to.deep.equal(expected);
      expect(expected[1]).to.equal(ANSWER);
    });

    it("uses the decimals, description and version of the current aggregator", async () => {
      const { proxy } = await loadFixture(fixture);
      expect(await proxy.decimals()).to.equal(BigInt(DECIMALS));
      expect(await proxy.description()).to.equal(source.description);
      expect(await proxy.version()).to.equal(source.version);
    });

    it("after an upgrade pulls from the new aggregator and still reports the previous phase's rounds", async () => {
      const { proxy, feed2, before } = await upgraded();
      expect(await proxy.latestAnswer()).to.equal(ANSWER2);
      const round = await proxy.latestRound();
      expect(round).to.equal(2n * PHASE_BASE + (await feed2.contract.latestRound()));
      expect(round).to.be.greaterThan(before.round);
      expect(await proxy.getAnswer(round)).to.equal(ANSWER2);
      const timestamp = await feed2.contract.latestTimestamp();
      expect(timestamp).to.not.equal(before.timestamp);
      expect(await proxy.latestTimestamp()).to.equal(timestamp);
      expect(await proxy.getTimestamp(round)).to.equal(timestamp);
      expect(await proxy.getAnswer(before.round)).to.equal(before.answer);
      const old = await proxy.getRoundData(before.round);
      expect([old[0], old[1], old[4]]).to.deep.equal([before.round, ANSWER, before.round]);
    });

    it("after an upgrade to an aggregator without a report, round ids are phaseId << 64: they never go backwards", async () => {
      const { owner, proxy } = await loadFixture(fixture);
      const before = await proxy.latestRound();
      const empty = await source.deployEmpty(owner);
      await target.propose(proxy, empty.address);
      await proxy.confirmAggregator(empty.address);
      expect(await proxy.latestRound()).to.equal(2n * PHASE_BASE);
      expect(await proxy.latestRoundData()).to.deep.equal([2n * PHASE_BASE, 0n, 0n, 0n, 2n * PHASE_BASE]);
      expect(2n * PHASE_BASE).to.be.greaterThan(before);
      await empty.push(ANSWER2);
      const [roundId, answer] = await proxy.latestRoundData();
      expect([roundId, answer]).to.deep.equal([2n * PHASE_BASE + (await empty.contract.latestRound()), ANSWER2]);
    });

    it("forwards round 0 of a phase to the aggregator", async () => {
      const { proxy, feed } = await loadFixture(fixture);
      if (source.roundZero === "zeros") {
        expect(await proxy.getRoundData(PHASE_BASE)).to.deep.equal([PHASE_BASE, 0n, 0n, 0n, PHASE_BASE]);
      } else {
        await expect(proxy.getRoundData(PHASE_BASE)).to.be.revertedWithCustomError(feed.contract, "RoundNotAvailable").withArgs(0, 0);
      }
      expect(await proxy.getAnswer(PHASE_BASE)).to.equal(0n);
      expect(await proxy.getTimestamp(PHASE_BASE)).to.equal(0n);
    });

    it("#getAnswer and #getTimestamp return 0 for rounds not held, unknown phases and ids above 80 bits", async () => {
      const { proxy, feed } = await loadFixture(fixture);
      const missing = PHASE_BASE + (await feed.contract.latestRound()) + 5n;
      const overflow = (1n << 255n) + PHASE_BASE + 1n;
      for (const id of [missing, PHASE_BASE * 777n, overflow]) {
        expect(await proxy.getAnswer(id), `getAnswer(${id})`).to.equal(0n);
        expect(await proxy.getTimestamp(id), `getTimestamp(${id})`).to.equal(0n);
      }
      await expect(proxy.getRoundData(PHASE_BASE * 777n)).to.be.reverted;
    });

    it("#proposeAggregator: the owner proposes (AggregatorProposed(current, proposed)); a stranger cannot", async () => {
      const { owner, carol, neil, proxy, feed } = await loadFixture(fixture);
      await (await proxy.transferOwnership(carol.address)).wait();
      await (await (proxy.connect(carol) as typeof proxy).acceptOwnership()).wait();
      const feed2 = await source.deploy(owner, 1n);
      await target.expectNotOwner(proxy, target.propose(proxy.connect(neil) as typeof proxy, feed2.address));
      expect(await proxy.aggregator()).to.equal(feed.address);
      const tx = await target.propose(proxy.connect(carol) as typeof proxy, feed2.address);
      const receipt = await tx.wait();
      const event = receipt!.logs.map((l) => proxy.interface.parseLog(l)).find((e) => e?.name === "AggregatorProposed");
      expect([event!.args[0], event!.args[1]]).to.deep.equal([feed.address, feed2.address]);
      expect(await target.proposedAggregator(proxy)).to.equal(feed2.address);
      expect(await proxy.aggregator()).to.equal(feed.address);
    });

    it("#confirmAggregator: sets the aggregator, increases the phase and the round id, records the phase; owner only", async () => {
      const { owner, neil, proxy, feed } = await loadFixture(fixture);
      const feed2 = await source.deploy(owner, 1n);
      await target.propose(proxy, feed2.address);
      await target.expectNotOwner(proxy, proxy.connect(neil).getFunction("confirmAggregator")(feed2.address));
      await target.expectNotProposed(proxy, proxy.confirmAggregator(feed.address));
      expect(await target.phaseAggregator(proxy, 2)).to.equal(ethers.ZeroAddress);
      const round = await proxy.latestRound();
      expect(round).to.equal(PHASE_BASE + (await feed.contract.latestRound()));
      const receipt = await (await proxy.confirmAggregator(feed2.address)).wait();
      const event = receipt!.logs
        .map((l: Parameters<typeof proxy.interface.parseLog>[0]) => proxy.interface.parseLog(l))
        .find((e: { name: string } | null) => e?.name === "AggregatorConfirmed");
      expect([event!.args[0], event!.args[1]]).to.deep.equal([feed.address, feed2.address]);
      expect(await proxy.aggregator()).to.equal(feed2.address);
      expect(await proxy.phaseId()).to.equal(2n);
      expect(await target.phaseAggregator(proxy, 2)).to.equal(feed2.address);
      expect(await proxy.latestRound()).to.equal(2n * PHASE_BASE + (await feed2.contract.latestRound()));
      expect(await target.proposedAggregator(proxy)).to.equal(ethers.ZeroAddress);
    });

    it("#proposedGetRoundData and #proposedLatestRoundData read the proposed aggregator by its own ids, and revert without a proposal", async () => {
      const { owner, proxy } = await loadFixture(fixture);
      await target.expectNoProposal(proxy, proxy.proposedGetRoundData(1));
      await target.expectNoProposal(proxy, proxy.proposedLatestRoundData());
      const feed2 = await source.deploy(owner, ANSWER2);
      await target.propose(proxy, feed2.address);
      const roundId = await feed2.contract.latestRound();
      const byId = await proxy.proposedGetRoundData(roundId);
      expect([byId[0], byId[1]]).to.deep.equal([roundId, ANSWER2]);
      const latest = await proxy.proposedLatestRoundData();
      expect([latest[0], latest[1]]).to.deep.equal([roundId, ANSWER2]);
      await proxy.confirmAggregator(feed2.address);
      await target.expectNoProposal(proxy, proxy.proposedGetRoundData(roundId));
      await target.expectNoProposal(proxy, proxy.proposedLatestRoundData());
    });

    it("callers without explicit access can call every view function", async () => {
      const { owner, carol, proxy } = await loadFixture(fixture);
      const asCarol = proxy.connect(carol) as typeof proxy;
      const round = await proxy.latestRound();
      expect(await asCarol.latestAnswer()).to.equal(ANSWER);
      expect(await asCarol.latestTimestamp()).to.not.equal(0n);
      expect(await asCarol.getAnswer(round)).to.equal(ANSWER);
      expect(await asCarol.getTimestamp(round)).to.not.equal(0n);
      expect(await asCarol.latestRound()).to.equal(round);
      expect((await asCarol.getRoundData(round))[1]).to.equal(ANSWER);
      expect((await asCarol.latestRoundData())[1]).to.equal(ANSWER);
      const feed2 = await source.deploy(owner, ANSWER2);
      await target.propose(proxy, feed2.address);
      expect((await asCarol.proposedGetRoundData(await feed2.contract.latestRound()))[1]).to.equal(ANSWER2);
      expect((await asCarol.proposedLatestRoundData())[1]).to.equal(ANSWER2);
    });

    if (source.name === "MockV3Aggregator") {
      it("keeps the whole uint64 aggregator round id (2^64 - 2) in #getRoundData, #latestRoundData and #latestRound", async () => {
        const { feed2, proxy } = await upgraded();
        const aggId = PHASE_BASE - 2n;
        await feed2.setRound!(aggId, ANSWER2, 77, 42);
        const proxyId = 2n * PHASE_BASE + aggId;
        expect(await proxy.getRoundData(proxyId)).to.deep.equal([proxyId, ANSWER2, 42n, 77n, proxyId]);
        expect(await proxy.latestRoundData()).to.deep.equal([proxyId, ANSWER2, 42n, 77n, proxyId]);
        expect(await proxy.latestRound()).to.equal(proxyId);
        expect(await proxy.getAnswer(proxyId)).to.equal(ANSWER2);
      });
    }
  });
}

function aggregatorFreeSuite(target: ProxyTarget) {
  describe(`${target.name} over special aggregators`, () => {
    it("combines a lagging answeredInRound with the phase instead of overwriting it", async () => {
      const [owner] = await ethers.getSigners();
      const lagging = await (await ethers.getContractFactory("LaggingFeed", owner)).deploy();
      await lagging.set(10, 5n, 1000, 7);
      const proxy = await target.deploy(owner, await lagging.getAddress());
      expect(await proxy.latestRoundData()).to.deep.equal([PHASE_BASE | 10n, 5n, 1000n, 1000n, PHASE_BASE | 7n]);
      expect(await proxy.getRoundData(PHASE_BASE | 10n)).to.deep.equal([PHASE_BASE | 10n, 5n, 1000n, 1000n, PHASE_BASE | 7n]);
      await expect(proxy.getRoundData(PHASE_BASE | 9n)).to.be.revertedWith("No data present");
    });

    it("bubbles the revert of an aggregator that reverts in a non-predicted way, round 0 included", async () => {
      const [owner] = await ethers.getSigners();
      const reverter = await (await ethers.getContractFactory("RevertingFeed", owner)).deploy();
      const proxy = await target.deploy(owner, await reverter.getAddress());
      expect(await proxy.aggregator()).to.equal(await reverter.getAddress());
      await expect(proxy.getAnswer(PHASE_BASE * (await proxy.phaseId()))).to.be.revertedWithCustomError(reverter, "FeedDown");
      await expect(proxy.latestRoundData()).to.be.revertedWithCustomError(reverter, "FeedDown");
    });
  });
}

describe("Proxy compatibility (FeedProxy vs Chainlink's EACAggregatorProxy)", () => {
  for (const source of SOURCES) for (const target of TARGETS) suite(target, source);
  for (const target of TARGETS) aggregatorFreeSuite(target);
});

describe("Read access (EACAggregatorProxy's access controller; FeedProxy has none)", () => {
  async function fixture() {
    const [owner, carol] = await ethers.getSigners();
    const feed = await SOURCES[0].deploy(owner, ANSWER);
    const controller = await (await ethers.getContractFactory("SimpleReadAccessController", owner)).deploy();
    const eac = await (await ethers.getContractFactory("EACAggregatorProxyPort", owner)).deploy(feed.address, await controller.getAddress());
    const feedProxy = await TARGETS[0].deploy(owner, feed.address);
    const reader = await (await ethers.getContractFactory("ChainlinkInterfaceReader", carol)).deploy();
    return { owner, carol, controller, eac, feedProxy, reader };
  }

  it("EAC: accounts read, an unlisted contract does not, a listed one does; the owner alone sets the controller, zero opens reads", async () => {
    const { owner, carol, controller, eac, reader } = await loadFixture(fixture);
    expect((await eac.connect(carol).latestRoundData())[1]).to.equal(ANSWER);
    await expect(reader.read(await eac.getAddress())).to.be.revertedWith("No access");
    await controller.addAccess(await reader.getAddress());
    expect((await reader.read(await eac.getAddress()))[1]).to.equal(ANSWER);
    await controller.removeAccess(await reader.getAddress());
    await expect(eac.connect(carol).setController(ethers.ZeroAddress)).to.be.revertedWith("Only callable by owner");
    await eac.connect(owner).setController(ethers.ZeroAddress);
    expect(await eac.accessController()).to.equal(ethers.ZeroAddress);
    expect((await reader.read(await eac.getAddress()))[1]).to.equal(ANSWER);
  });

  it("FeedProxy: any account or contract reads (its owner controls phases only), as an EAC whose controller is zero", async () => {
    const { carol, feedProxy, reader } = await loadFixture(fixture);
    expect((await (feedProxy.connect(carol) as typeof feedProxy).latestRoundData())[1]).to.equal(ANSWER);
    expect((await reader.read(await feedProxy.getAddress()))[1]).to.equal(ANSWER);
    expect(feedProxy.interface.getFunction("setController")).to.equal(null);
  });
});

describe("FeedProxy and EACAggregatorProxyPort side by side over the same aggregators", () => {
  /** A call's outcome: its result, or that it reverted. */
  async function outcome(call: () => Promise<unknown>): Promise<string> {
    try {
      return JSON.stringify(await call(), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    } catch {
      return "reverted";
    }
  }

  for (const source of SOURCES) {
    it(`answers every read the same over ${source.name} phases, before and after an upgrade`, async () => {
      const [owner] = await ethers.getSigners();
      const feed = await source.deploy(owner, ANSWER);
      await feed.push(ANSWER + 1n);
      await feed.push(ANSWER + 2n);
      const proxies = await Promise.all(TARGETS.map((t) => t.deploy(owner, feed.address)));
      const compare = async (label: string) => {
        const latest = BigInt(await proxies[0].latestRound());
        const phase = latest >> 64n;
        const ids = [0n, 1n, phase << 64n, latest - 1n, latest, latest + 1n, (phase << 64n) | ((1n << 64n) - 1n), ((phase + 1n) << 64n) | 1n, PHASE_BASE | 2n];
        const reads: [string, (p: (typeof proxies)[0]) => Promise<unknown>][] = [
          ["latestRoundData", (p) => p.latestRoundData()],
          ["latestRound", (p) => p.latestRound()],
          ["latestAnswer", (p) => p.latestAnswer()],
          ["latestTimestamp", (p) => p.latestTimestamp()],
          ["decimals", (p) => p.decimals()],
          ["description", (p) => p.description()],
          ["version", (p) => p.version()],
          ...ids.flatMap((id): [string, (p: (typeof proxies)[0]) => Promise<unknown>][] => [
            [`getRoundData(${id})`, (p) => p.getRoundData(id)],
            [`getAnswer(${id})`, (p) => p.getAnswer(id)],
            [`getTimestamp(${id})`, (p) => p.getTimestamp(id)],
          ]),
        ];
        for (const [name, read] of reads) {
          const [ours, theirs] = [await outcome(() => read(proxies[0])), await outcome(() => read(proxies[1]))];
          expect(ours, `${label}: ${name}`).to.equal(theirs);
        }
      };
      await compare("phase 1");
      const empty = await source.deployEmpty(owner);
      for (let i = 0; i < TARGETS.length; i++) {
        await TARGETS[i].propose(proxies[i], empty.address);
        await proxies[i].confirmAggregator(empty.address);
      }
      await compare("phase 2, no report yet");
      await empty.push(ANSWER2);
      await compare("phase 2");
    });
  }
});
