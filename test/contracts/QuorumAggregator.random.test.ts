import { expect } from "chai";
import { ethers } from "hardhat";
import { Interface, getBytes, hexlify } from "ethers";
import { expectedAnswer, expectedConfidence, type FeedReport } from "../../oracle-node/src/protocol/report";
import { Rng } from "../../oracle-node/src/simulator/rng";
import { deployAggregator, keyFor, makeCommittee, now, rawFeed, rawHeader, signRaw, type Deployed } from "./helpers/committee";
import type { Signer } from "ethers";
import type { ReferenceAggregator } from "../../typechain-types";

/**
 * Randomized reports, run side by side against QuorumAggregator (assembly) and
 * contracts/test/ReferenceAggregator.sol (the same contract in plain Solidity): every case is
 * built valid and then, most of the time, broken in one named way. Both must give the same
 * return or revert data for every transmit and read, and the same events; the optimized one must
 * also accept exactly the valid ones, store the median (and half-IQR confidence) of each feed
 * and advance each feed's round by one (or, for a median outside feed 1's bounds, keep it).
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
  ref: ReferenceAggregator;
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
  "futureWithinSkew",
  "tooOld",
  "outOfBounds",
  "trailingBytes",
  "observerOutOfRange",
] as const;
/** Kinds that must land (the optimized contract is also checked against the model for these). */
const LANDS: readonly Kind[] = ["valid", "futureWithinSkew", "outOfBounds"];
/** Feed 1's bounds: about half of the random magnitudes fall outside. */
const BOUND = 1n << 100n;
/** Feed 2's maximum report age (feeds 0 and 1 keep the default 300 s). */
const FEED2_MAX_AGE = 120;
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
    const feedOpts = [{}, { minAnswer: -BOUND, maxAnswer: BOUND }, { maxReportAge: FEED2_MAX_AGE }];
    for (let i = 0; i < AGGREGATORS; i++) {
      const committee = randomCommittee(`agg${i}`);
      const d = await deployAggregator(signer, committee, feedOpts);
      const ref = (await (await ethers.getContractFactory("ReferenceAggregator", signer)).deploy(owner.address, d.address)) as unknown as ReferenceAggregator;
      for (const f of feedOpts)
        await (await ref.addFeed(8, `FEED${feedOpts.indexOf(f)} / USD`, f.minAnswer ?? -(1n << 127n), f.maxAnswer ?? (1n << 127n) - 1n)).wait();
      await (await ref.setMaxReportAge(2, FEED2_MAX_AGE)).wait();
      await (
        await ref.setConfig(
          committee.signers.map((x) => x.address),
          committee.transmitters,
          committee.f,
          "0x",
        )
      ).wait();
      targets.push({ d, ref, feeds: Array.from({ length: FEEDS }, () => ({ er: 0n, ts: 0, round: 0 })), history: [] });
    }
    for (const t of targets) await compareReads(t, r.int);
    const stranger = keyFor(`${SEED}/stranger`, 0);
    const counts: Record<string, number> = {};
    let accepted = 0;

    for (let c = 0; c < CASES; c++) {
      const t = r.pick(targets);
      // Now and then the owner rotates the committee: later cases replay the old config.
      if (r.next() < 0.02) {
        const committee = randomCommittee(`case${c}`);
        await inOneBlock([
          () =>
            t.d.aggregator.setConfig(
              committee.signers.map((s) => s.address),
              committee.transmitters,
              committee.f,
              "0x",
            ),
          () =>
            t.ref.setConfig(
              committee.signers.map((s) => s.address),
              committee.transmitters,
              committee.f,
              "0x",
            ),
        ]);
        const [, , digest] = await t.d.aggregator.latestConfigDetails();
        t.previous = t.d;
        t.d = { ...t.d, committee, configDigest: digest };
        for (const feed of t.feeds) feed.er = 0n;
      }
      const { d } = t;
      const { n, f } = d.committee;
      // Now and then time passes (up to beyond every maximum report age).
      if (r.next() < 0.05) {
        await ethers.provider.send("evm_increaseTime", [r.int(1, 400)]);
        await ethers.provider.send("evm_mine", []);
      }
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
        case "futureWithinSkew":
          // The block comes at least a second after `now`: a lead of 1..4 s stays within 5 s.
          ts += r.int(1, 4);
          break;
        case "tooOld":
          // Older than every feed's maximum (300 s at most).
          ts -= r.int(310, 2000);
          break;
        case "outOfBounds": {
          if (!chosen.includes(1)) kind = "valid";
          else {
            const feed = feeds.find((x) => x.feedIndex === 1)!;
            const sign = r.next() < 0.5 ? -1n : 1n;
            feed.observations = sorted(feed.observations.map(() => sign * (BOUND + 1n + BigInt(r.int(0, 1000)))));
          }
          break;
        }
        case "observerOutOfRange": {
          const feed = r.pick(feeds);
          feed.observers[r.int(0, feed.observers.length - 1)] = r.int(n, 255);
          break;
        }
        default:
          break;
      }

      let report =
        rawHeader(signWith.configDigest, er, ts, feeds.length) + feeds.map((feed) => rawFeed(feed.feedIndex, feed.observers, 15, feed.observations)).join("");
      let signatures = signRaw(signWith, report, signerIndices, domain);
      if (kind === "strangerSigner") {
        const victim = r.pick(signerIndices);
        const fake = { ...signWith, committee: { ...signWith.committee, signers: signWith.committee.signers.map((s, i) => (i === victim ? stranger : s)) } };
        signatures = signRaw(fake, report, signerIndices, domain);
      }
      if (kind === "replay") ({ report, signatures } = r.pick(t.history));
      if (kind === "tamperReport") report = flip(report, r.int(0, (report.length - 2) / 2 - 1), r.int(1, 255));
      if (kind === "trailingBytes") report += "00".repeat(r.int(1, 3));
      if (kind === "tamperSignature") signatures = flip(signatures, r.int(0, (signatures.length - 2) / 2 - 1), r.int(1, 255));
      const submitTo = kind === "otherContractSubmit" ? r.pick(targets.filter((x) => x !== t)).d : d;

      const label = `case ${c} (${kind}, n=${n}, f=${f}, feeds=${chosen.join(",")}, sigs=${signerIndices.length})`;
      const submitRef = kind === "otherContractSubmit" ? targets.find((x) => x.d === submitTo)!.ref : t.ref;
      const data = d.aggregator.interface.encodeFunctionData("transmit", [report, signatures]);
      const [optimized, reference] = await Promise.all([outcome(submitTo.address, data), outcome(await submitRef.getAddress(), data)]);
      expect(optimized, `${label}: optimized vs reference outcome`).to.deep.equal(reference);
      const lands = LANDS.includes(kind) && submitTo === d;
      expect(optimized.ok, `${label} ${lands ? "must land" : "must revert"} (${optimized.data.slice(0, 10)})`).to.equal(lands);
      if (!lands) continue;
      const [a, b] = await inOneBlock([
        () => d.aggregator.transmit(report, signatures, { gasLimit: 5_000_000 }),
        () => t.ref.transmit(report, signatures, { gasLimit: 10_000_000 }),
      ]);
      expect(a.logs.map(logOf), `${label} events`).to.deep.equal(b.logs.map(logOf));
      accepted++;
      t.history.push({ report, signatures });
      for (const feed of feeds) {
        const state = t.feeds[feed.feedIndex];
        state.er = er;
        const answer = expectedAnswer(feed.observations);
        const refused = feed.feedIndex === 1 && (answer < -BOUND || answer > BOUND);
        if (kind === "outOfBounds" && feed.feedIndex === 1) expect(refused, `${label} refusal`).to.equal(true);
        if (refused) {
          const [active, median] = await d.aggregator.outOfBounds(1);
          expect([active, median], `${label} outOfBounds`).to.deep.equal([true, answer]);
          continue;
        }
        state.round += 1;
        state.ts = ts;
        const call = d.aggregator.interface.encodeFunctionData("latestRoundData") + feed.feedIndex.toString(16).padStart(64, "0");
        const [roundId, stored] = d.aggregator.interface.decodeFunctionResult("latestRoundData", await ethers.provider.call({ to: d.address, data: call }));
        expect(roundId, `${label} round`).to.equal((BigInt(feed.feedIndex) << 32n) | BigInt(state.round));
        expect(stored, `${label} median`).to.equal(answer);
        expect(await d.aggregator.getConfidence(roundId), `${label} confidence`).to.equal(expectedConfidence(feed.observations));
      }
      // The touched feeds after every landed report; everything now and then and at the end.
      if (accepted % 100 === 0) await compareReads(t, r.int, label);
      else await compareReads(t, r.int, label, chosen, false);
    }
    for (const t of targets) await compareReads(t, r.int, "final reads");
    expect(accepted).to.be.greaterThan(CASES / 10);
    for (const kind of new Set(KINDS)) expect(counts[kind] ?? 0, `cases of ${kind}`).to.be.greaterThan(0);
  });
});

/** Return data of a call, or its revert data: what both contracts must agree on. */
async function outcome(to: string, data: string): Promise<{ ok: boolean; data: string }> {
  try {
    return { ok: true, data: await ethers.provider.call({ to, data }) };
  } catch (err) {
    const revert = (err as { data?: string }).data;
    if (typeof revert !== "string") throw err;
    return { ok: false, data: revert };
  }
}

/** Sends the transactions into one block (same block.timestamp for both contracts). */
async function inOneBlock(sends: (() => Promise<{ wait: () => Promise<unknown> }>)[]) {
  await ethers.provider.send("evm_setAutomine", [false]);
  try {
    const txs = [];
    for (const send of sends) txs.push(await send());
    await ethers.provider.send("evm_mine", []);
    const receipts = (await Promise.all(txs.map((tx) => tx.wait()))) as { status: number; logs: { topics: readonly string[]; data: string }[] }[];
    for (const receipt of receipts) expect(receipt.status).to.equal(1);
    return receipts;
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
}

const logOf = (l: { topics: readonly string[]; data: string }) => ({ topics: [...l.topics], data: l.data });

/**
 * Every read of both contracts, for every feed (and one feed index never added): the plain call,
 * the trailing-word call, FeedProxy's one-byte read, rounds around the latest, and the views.
 */
async function compareReads(t: Target, int: (lo: number, hi: number) => number, label = "reads", feeds = [0, 1, 2, 7], deep = true) {
  // Untyped: the function names below are looped over.
  const iface = new Interface(t.d.aggregator.interface.fragments);
  const refAddress = await t.ref.getAddress();
  const word = (v: number | bigint) => BigInt(v).toString(16).padStart(64, "0");
  const calls: string[] = [
    iface.encodeFunctionData("latestTransmissionDetails"),
    iface.encodeFunctionData("feedCount"),
    iface.encodeFunctionData("domainSeparator"),
    iface.encodeFunctionData("getOracles"),
  ];
  for (const feed of feeds) {
    const latest = BigInt(t.feeds[Math.min(feed, 2)].round);
    calls.push(
      iface.encodeFunctionData("latestRoundData") + word(feed),
      "0x" + feed.toString(16).padStart(2, "0"),
      iface.encodeFunctionData("outOfBounds", [feed]),
    );
    calls.push(iface.encodeFunctionData("getRoundData", [(BigInt(feed) << 32n) | latest]), iface.encodeFunctionData("latestConfidence") + word(feed));
    if (!deep) continue;
    for (const fn of ["latestAnswer", "latestTimestamp", "latestRound", "decimals", "description"] as const)
      calls.push(iface.encodeFunctionData(fn) + word(feed));
    for (const fn of ["maxReportAge", "feedInfo"] as const) calls.push(iface.encodeFunctionData(fn, [feed]));
    for (const round of [latest - 1n, latest - 63n, latest - 64n, BigInt(int(0, 80))]) {
      if (round < 0n) continue;
      const roundId = (BigInt(feed) << 32n) | round;
      for (const fn of ["getRoundData", "getConfidence", "getAnswer", "getTimestamp"] as const) calls.push(iface.encodeFunctionData(fn, [roundId]));
    }
  }
  calls.push(iface.encodeFunctionData("latestRoundData") + word(256), "0x", "0x0102");
  for (const data of calls) {
    const [a, b] = await Promise.all([outcome(t.d.address, data), outcome(refAddress, data)]);
    expect(a, `${label}: read ${data.slice(0, 10)}…${data.slice(-4)}`).to.deep.equal(b);
  }
}

/** XORs byte `index` of a hex string with `mask` (non-zero, so the byte always changes). */
function flip(hex: string, index: number, mask: number): string {
  const bytes = getBytes(hex);
  bytes[index] ^= mask;
  return hexlify(bytes);
}
