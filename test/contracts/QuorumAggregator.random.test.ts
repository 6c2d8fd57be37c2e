import { expect } from "chai";
import { ethers } from "hardhat";
import { Wallet, getBytes, hexlify } from "ethers";
import { expectedAnswer, expectedConfidence, type FeedReport } from "../../oracle-node/src/protocol/report";
import { Rng } from "../../oracle-node/src/simulator/rng";
import { deployAggregator, keyFor, makeCommittee, now, rawFeed, rawHeader, signRaw, type Deployed } from "./helpers/committee";
import type { Signer } from "ethers";

/**
 * Randomized reports against a reference model: every case is built valid and then, most of the
 * time, broken in one named way. The contract must accept exactly the valid ones, store the
 * median (and half-IQR confidence) of each feed, and advance each feed's round by one.
 * Seed with RANDOM_SEED=<n> to reproduce a failure (the seed is printed in the test name);
 * RANDOM_CASES=<n> changes the number of reports (default 1,200).
 */
const SEED = Number(process.env.RANDOM_SEED ?? 20261129);
/** At least 1,000 (the default 1,200); RANDOM_CASES overrides it for longer soak runs. */
const CASES = Number(process.env.RANDOM_CASES ?? 1_200);
const AGGREGATORS = 6;
const FEEDS = 3;

/** The project's seeded mulberry32 (oracle-node/src/simulator/rng.ts), with report-shaped helpers. */
function rng(seed: number) {
  const source = new Rng(seed);
  const next = () => source.next();
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)];
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = int(0, i);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const big = (): bigint => {
    // Mixed magnitudes: small, price-like, and near the int120 limits.
    const scale = pick([8, 40, 64, 100, 118]);
    let v = 0n;
    for (let i = 0; i < scale; i += 30) v = (v << 30n) | BigInt(int(0, 2 ** 30 - 1));
    v %= 1n << BigInt(scale);
    return next() < 0.3 ? -v : v;
  };
  return { next, int, pick, shuffle, big };
}

interface FeedState {
  er: bigint;
  ts: number;
  round: number;
}

interface Target {
  d: Deployed;
  feeds: FeedState[];
  history: { report: string; signatures: string }[];
  previous?: Deployed;
}

const KINDS = [
  "valid",
  "valid",
  "valid",
  "valid",
  "tamperReport",
  "tamperSignature",
  "tooFewSignatures",
  "duplicateSigner",
  "strangerSigner",
  "otherChain",
  "otherContractDomain",
  "otherContractSubmit",
  "staleEpochAndRound",
  "replay",
  "oldConfig",
  "unsorted",
  "tooFewObservations",
  "duplicateObserver",
  "futureTimestamp",
] as const;
type Kind = (typeof KINDS)[number];

function sorted(xs: bigint[]): bigint[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

describe(`QuorumAggregator randomized (seed ${SEED}, ${CASES} reports)`, function () {
  this.timeout(600_000);

  it("accepts exactly the valid reports, stores the median, advances rounds by one", async () => {
    const r = rng(SEED);
    const [owner] = await ethers.getSigners();
    const signer: Signer = owner;
    const randomCommittee = (tag: string) => {
      const n = r.int(4, 31);
      const f = r.int(1, Math.floor((n - 1) / 3));
      return makeCommittee(n, f, owner.address, `${SEED}/${tag}`, r.int(0, n - 1));
    };
    const targets: Target[] = [];
    for (let i = 0; i < AGGREGATORS; i++) {
      const d = await deployAggregator(signer, randomCommittee(`agg${i}`), Array.from({ length: FEEDS }, () => ({})));
      targets.push({ d, feeds: Array.from({ length: FEEDS }, () => ({ er: 0n, ts: 0, round: 0 })), history: [] });
    }
    const stranger = keyFor(`${SEED}/stranger`, 0);
    const counts: Record<string, number> = {};
    let accepted = 0;

    for (let c = 0; c < CASES; c++) {
      const t = r.pick(targets);
      // Now and then the owner rotates the committee: later cases replay the old config.
      if (r.next() < 0.02) {
        const committee = randomCommittee(`case${c}`);
        await (await t.d.aggregator.setConfig(committee.signers.map((s) => s.address), committee.transmitters, committee.f, "0x")).wait();
        const [, , digest] = await t.d.aggregator.latestConfigDetails();
        t.previous = t.d;
        t.d = { ...t.d, committee, configDigest: digest };
        for (const feed of t.feeds) feed.er = 0n;
      }
      const { d } = t;
      const { n, f } = d.committee;
      let kind: Kind = r.pick(KINDS);
      if (kind === "replay" && t.history.length === 0) kind = "valid";
      if (kind === "oldConfig" && !t.previous) kind = "valid";
      counts[kind] = (counts[kind] ?? 0) + 1;

      // A valid report for a random non-empty subset of the feeds.
      const chosen = r.shuffle([0, 1, 2]).slice(0, r.int(1, FEEDS)).sort();
      const maxEr = chosen.reduce((m, i) => (t.feeds[i].er > m ? t.feeds[i].er : m), 0n);
      let er = maxEr + BigInt(r.int(1, 300));
      let ts = await now();
      const feeds: FeedReport[] = chosen.map((feedIndex) => {
        const count = r.int(2 * f + 1, n);
        return { feedIndex, observers: r.shuffle([...Array(n).keys()]).slice(0, count), observations: sorted(Array.from({ length: count }, () => r.big())) };
      });
      let signerIndices = r.shuffle([...Array(n).keys()]).slice(0, r.int(f + 1, n));
      let domain = d.domain;
      let signWith = d;

      // Break it in one way (the mutation decides the raw encoding, so the codec's own input
      // checks do not get in the way).
      switch (kind) {
        case "tooFewSignatures":
          signerIndices = signerIndices.slice(0, r.int(0, f));
          break;
        case "duplicateSigner":
          signerIndices = [...signerIndices, r.pick(signerIndices)];
          break;
        case "otherChain":
          domain = { ...d.domain, chainId: d.domain.chainId + BigInt(r.int(1, 1000)) };
          break;
        case "otherContractDomain":
          domain = { ...d.domain, verifyingContract: r.pick(targets.filter((x) => x !== t)).d.address };
          break;
        case "staleEpochAndRound": {
          const feed = t.feeds[r.pick(chosen)];
          er = feed.er - BigInt(r.int(0, Number(feed.er < 5n ? feed.er : 5n)));
          break;
        }
        case "oldConfig": {
          signWith = t.previous!;
          domain = signWith.domain;
          const old = signWith.committee;
          signerIndices = r.shuffle([...Array(old.n).keys()]).slice(0, r.int(old.f + 1, old.n));
          break;
        }
        case "unsorted": {
          const feed = r.pick(feeds);
          const i = r.int(0, feed.observations.length - 2);
          // Values stay far inside int120 (|v| < 2^118), so v - 1000 is still encodable.
          feed.observations[i + 1] = feed.observations[i] - BigInt(r.int(1, 1000));
          break;
        }
        case "tooFewObservations": {
          const feed = r.pick(feeds);
          const count = r.int(1, 2 * f);
          feed.observers = feed.observers.slice(0, count);
          feed.observations = feed.observations.slice(0, count);
          break;
        }
        case "duplicateObserver": {
          const feed = r.pick(feeds);
          feed.observers[r.int(1, feed.observers.length - 1)] = feed.observers[0];
          break;
        }
        case "futureTimestamp":
          ts += r.int(100, 100_000);
          break;
        default:
          break;
      }

      let report = rawHeader(signWith.configDigest, er, ts, feeds.length) + feeds.map((feed) => rawFeed(feed.feedIndex, feed.observers, 15, feed.observations)).join("");
      let signatures = signRaw(signWith, report, signerIndices, domain);
      if (kind === "strangerSigner") {
        const victim = r.pick(signerIndices);
        const fake = { ...signWith, committee: { ...signWith.committee, signers: signWith.committee.signers.map((s, i) => (i === victim ? (stranger as Wallet) : s)) } };
        signatures = signRaw(fake, report, signerIndices, domain);
      }
      if (kind === "replay") ({ report, signatures } = r.pick(t.history));
      if (kind === "tamperReport") report = flip(report, r.int(0, (report.length - 2) / 2 - 1), r.int(1, 255));
      if (kind === "tamperSignature") signatures = flip(signatures, r.int(0, (signatures.length - 2) / 2 - 1), r.int(1, 255));
      const submitTo = kind === "otherContractSubmit" ? r.pick(targets.filter((x) => x !== t)).d : d;

      const valid = kind === "valid";
      const label = `case ${c} (${kind}, n=${n}, f=${f}, feeds=${chosen.join(",")}, sigs=${signerIndices.length})`;
      if (!valid) {
        let reverted = false;
        try {
          await submitTo.aggregator.transmit.staticCall(report, signatures);
        } catch {
          reverted = true;
        }
        expect(reverted, `${label} must revert`).to.equal(true);
        continue;
      }
      await (await d.aggregator.transmit(report, signatures)).wait();
      accepted++;
      t.history.push({ report, signatures });
      for (const feed of feeds) {
        const state = t.feeds[feed.feedIndex];
        state.round += 1;
        state.er = er;
        state.ts = ts;
        const data = d.aggregator.interface.encodeFunctionData("latestRoundData") + feed.feedIndex.toString(16).padStart(64, "0");
        const [roundId, answer] = d.aggregator.interface.decodeFunctionResult("latestRoundData", await ethers.provider.call({ to: d.address, data }));
        expect(roundId, `${label} round`).to.equal((BigInt(feed.feedIndex) << 32n) | BigInt(state.round));
        expect(answer, `${label} median`).to.equal(expectedAnswer(feed.observations));
        expect(await d.aggregator.getConfidence(roundId), `${label} confidence`).to.equal(expectedConfidence(feed.observations));
      }
    }
    expect(accepted).to.be.greaterThan(CASES / 10);
    for (const kind of new Set(KINDS)) expect(counts[kind] ?? 0, `cases of ${kind}`).to.be.greaterThan(0);
  });
});

/** XORs byte `index` of a hex string with `mask` (non-zero, so the byte always changes). */
function flip(hex: string, index: number, mask: number): string {
  const bytes = getBytes(hex);
  bytes[index] ^= mask;
  return hexlify(bytes);
}
