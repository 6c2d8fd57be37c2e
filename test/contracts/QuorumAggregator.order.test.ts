import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { concat } from "ethers";
import { epochAndRound } from "../../oracle-node/src/protocol/report";
import { deployAggregator, makeCommittee, now, rawFeed, rawHeader, signRaw, type Deployed } from "./helpers/committee";

/**
 * transmit's check order is docs/protocol.md's "Acceptance, in check order" table: the table is
 * read here, and every case breaks two rules at once (the earlier row and a later one) and must
 * fail with the earlier row's error.
 */
function tableErrors(): string[] {
  const doc = readFileSync(join(__dirname, "../../docs/protocol.md"), "utf8");
  const section = doc.slice(doc.indexOf("### Acceptance, in check order"), doc.indexOf("### What is stored"));
  return section
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| check") && l.includes("`"))
    .map((l) => /`(\w+)\(/.exec(l.split("|")[2])![1]);
}

/** The rows as this test knows them (the table must list exactly these, in this order). */
const ROWS = [
  "ConfigNotSet",
  "UnauthorizedTransmitter",
  "MalformedReport:short",
  "ConfigDigestMismatch",
  "FutureReport",
  "MalformedSignatures",
  "WrongSignatureCount",
  "SignerOutOfRange",
  "DuplicateSigner",
  "InvalidSignature",
  "MalformedReport:noFeeds",
  "MalformedReport:head",
  "UnknownFeed",
  "FeedsNotAscending",
  "WrongObservationCount",
  "MalformedReport:observers",
  "InvalidObservationWidth",
  "MalformedReport:observations",
  "MalformedReport:trailing",
  "ObserverOutOfRange",
  "DuplicateObserver",
  "ObservationsNotSorted",
  "StaleReport",
  "ObservationsTimestampDecreased",
  "ReportTooOld",
] as const;
type Row = (typeof ROWS)[number];

const N = 7;
const F = 2;
const OBSERVERS = [0, 1, 2, 3, 4];
const VALUES = [10n, 11n, 12n, 13n, 14n];

async function fixture() {
  const [owner, transmitter, stranger] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(N, F, transmitter.address, "order", 0), [{}, {}, { minAnswer: 0n, maxAnswer: 5n }]);
  return { d, agg: d.aggregator.connect(transmitter), stranger };
}

type Ctx = Awaited<ReturnType<typeof fixture>>;
interface Case {
  first: Row;
  /** A later row, or the out-of-bounds refusal (which comes after every row and never reverts). */
  second: Row | "out-of-bounds median";
  /** Returns the call to make; may first land reports or move the clock. */
  build: (c: Ctx) => Promise<{ report: string; signatures: string; from?: "stranger" }>;
  args?: (c: Ctx) => unknown[];
}

const feed = (i: number, observers = OBSERVERS, width = 2, values = VALUES) => rawFeed(i, observers, width, values);
let epoch = 10;
async function header(d: Deployed, feeds: number, opts: { er?: bigint; ts?: number; digest?: string } = {}) {
  return rawHeader(opts.digest ?? d.configDigest, opts.er ?? epochAndRound(epoch++, 1), opts.ts ?? (await now()), feeds);
}
const sigs = (d: Deployed, report: string, signers = [0, 1, 2]) => signRaw(d, report, signers);
const OTHER_DIGEST = "0x" + "ab".repeat(32);

/** Lands a valid report for feed 0 at timestamp `ts` (block time ts). */
async function land(c: Ctx, ts: number) {
  await time.setNextBlockTimestamp(ts);
  const r = (await header(c.d, 1, { ts })) + feed(0);
  await (await c.agg.transmit(r, sigs(c.d, r))).wait();
}

const CASES: Case[] = [
  {
    first: "UnauthorizedTransmitter",
    second: "ConfigDigestMismatch",
    build: async ({ d }) => {
      const r = (await header(d, 1, { digest: OTHER_DIGEST })) + feed(0);
      return { report: r, signatures: sigs(d, r), from: "stranger" };
    },
  },
  {
    first: "MalformedReport:short",
    second: "MalformedSignatures",
    build: async () => ({ report: "0x" + "00".repeat(41), signatures: "0x00" }),
    args: () => [41n],
  },
  {
    first: "ConfigDigestMismatch",
    second: "FutureReport",
    build: async ({ d }) => {
      const r = (await header(d, 1, { digest: OTHER_DIGEST, ts: (await now()) + 3600 })) + feed(0);
      return { report: r, signatures: sigs(d, r) };
    },
  },
  {
    first: "FutureReport",
    second: "MalformedSignatures",
    build: async ({ d }) => {
      const r = (await header(d, 1, { ts: (await now()) + 3600 })) + feed(0);
      return { report: r, signatures: "0x" + "00".repeat(64) };
    },
  },
  {
    first: "MalformedSignatures",
    second: "WrongSignatureCount",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0);
      return { report: r, signatures: sigs(d, r, [0, 1]) + "00" };
    },
  },
  {
    first: "WrongSignatureCount",
    second: "SignerOutOfRange",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0);
      const s = sigs(d, r, [0, 1]);
      return { report: r, signatures: "0x09" + s.slice(4) };
    },
  },
  {
    first: "SignerOutOfRange",
    second: "DuplicateSigner",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0);
      const s = sigs(d, r, [0, 0, 1]);
      return { report: r, signatures: "0x09" + s.slice(4) };
    },
    args: () => [9n],
  },
  {
    first: "DuplicateSigner",
    second: "InvalidSignature",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0);
      const good = sigs(d, r, [0, 1]);
      return { report: r, signatures: concat([good, "0x00" + "11".repeat(64)]) };
    },
    args: () => [0n],
  },
  {
    first: "InvalidSignature",
    second: "MalformedReport:noFeeds",
    build: async ({ d }) => {
      const r = await header(d, 0);
      const s = sigs(d, r);
      return { report: r, signatures: s.slice(0, -2) + (s.endsWith("00") ? "01" : "00") };
    },
  },
  {
    first: "InvalidSignature",
    second: "UnknownFeed",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(9);
      return { report: r, signatures: sigs({ ...d, domain: { ...d.domain, chainId: 1n } }, r) };
    },
  },
  {
    first: "MalformedReport:head",
    second: "MalformedReport:trailing",
    build: async ({ d }) => {
      const r = (await header(d, 2)) + feed(0) + "01";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [42n + 2n + 5n + 1n + 10n],
  },
  {
    first: "UnknownFeed",
    second: "WrongObservationCount",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(9, [0], 2, [1n]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [9n],
  },
  {
    first: "FeedsNotAscending",
    second: "WrongObservationCount",
    build: async ({ d }) => {
      const r = (await header(d, 2)) + feed(1) + feed(0, [0], 2, [1n]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [1n, 0n],
  },
  {
    first: "WrongObservationCount",
    second: "MalformedReport:observers",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + "0009" + "0001";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [0n, 9n, 5n, 7n],
  },
  {
    first: "MalformedReport:observers",
    second: "InvalidObservationWidth",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + "0005" + "0001020300";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [44n],
  },
  {
    first: "MalformedReport:observers",
    second: "ObserverOutOfRange",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + "0005" + "0901";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [44n],
  },
  // Observer 0 repeats before observer 9 appears: out of range is still reported first.
  {
    first: "ObserverOutOfRange",
    second: "DuplicateObserver",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, [0, 0, 9, 1, 2]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [0n, 9n],
  },
  // Layout first: a bad width is reported before a repeated observer of the same entry.
  {
    first: "InvalidObservationWidth",
    second: "DuplicateObserver",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, [0, 1, 1, 2, 3], 0, []);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [0n, 0n],
  },
  {
    first: "DuplicateObserver",
    second: "ObservationsNotSorted",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, [0, 1, 1, 2, 3], 2, [5n, 4n, 6n, 7n, 8n]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [0n, 1n],
  },
  {
    first: "InvalidObservationWidth",
    second: "MalformedReport:observations",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, OBSERVERS, 16, [1n]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [0n, 16n],
  },
  {
    first: "MalformedReport:observations",
    second: "ObservationsNotSorted",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, OBSERVERS, 2, [5n, 4n, 3n, 2n]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [42n + 2n + 5n + 1n],
  },
  {
    first: "MalformedReport:trailing",
    second: "ObserverOutOfRange",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, [0, 9, 1, 2, 3]) + "00";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [42n + 2n + 5n + 1n + 10n],
  },
  {
    first: "MalformedReport:trailing",
    second: "ObservationsNotSorted",
    build: async ({ d }) => {
      const r = (await header(d, 1)) + feed(0, OBSERVERS, 2, [5n, 4n, 6n, 7n, 8n]) + "00";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [42n + 2n + 5n + 1n + 10n],
  },
  // A later entry's layout before an earlier entry's observers.
  {
    first: "UnknownFeed",
    second: "DuplicateObserver",
    build: async ({ d }) => {
      const r = (await header(d, 2)) + feed(0, [0, 0, 1, 2, 3]) + feed(9);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [9n],
  },
  {
    first: "ObservationsNotSorted",
    second: "StaleReport",
    build: async ({ d }) => {
      const r = (await header(d, 1, { er: 0n })) + feed(0, OBSERVERS, 2, [5n, 4n, 6n, 7n, 8n]);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [0n, 1n],
  },
  // Trailing bytes are structure: reported before any feed's freshness.
  {
    first: "MalformedReport:trailing",
    second: "StaleReport",
    build: async ({ d }) => {
      const r = (await header(d, 1, { er: 0n })) + feed(0) + "00";
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [42n + 2n + 5n + 1n + 10n],
  },
  // A later entry's structure before an earlier feed's freshness.
  {
    first: "UnknownFeed",
    second: "StaleReport",
    build: async ({ d }) => {
      const r = (await header(d, 2, { er: 0n })) + feed(0) + feed(9);
      return { report: r, signatures: sigs(d, r) };
    },
    args: () => [9n],
  },
  {
    first: "StaleReport",
    second: "ObservationsTimestampDecreased",
    build: async (c) => {
      const t = (await now()) + 10;
      await land(c, t);
      const r = (await header(c.d, 1, { er: epochAndRound(1, 1), ts: t - 1 })) + feed(0);
      return { report: r, signatures: sigs(c.d, r) };
    },
  },
  {
    first: "ObservationsTimestampDecreased",
    second: "ReportTooOld",
    build: async (c) => {
      const t = (await now()) + 10;
      await land(c, t);
      await time.setNextBlockTimestamp(t + 1000);
      const r = (await header(c.d, 1, { ts: t - 1 })) + feed(0);
      return { report: r, signatures: sigs(c.d, r) };
    },
  },
  // Freshness is checked before bounds: an old report with an out-of-bounds median reverts.
  {
    first: "ReportTooOld",
    second: "out-of-bounds median",
    build: async ({ d }) => {
      const t = (await now()) + 10;
      await time.setNextBlockTimestamp(t);
      const r = (await header(d, 1, { ts: t - 301 })) + feed(2, OBSERVERS, 2, [90n, 91n, 92n, 93n, 94n]);
      return { report: r, signatures: sigs(d, r) };
    },
  },
];

describe("QuorumAggregator.transmit check order (docs/protocol.md)", () => {
  it("the docs table lists exactly the rows this test checks, in this order", () => {
    expect(tableErrors()).to.deep.equal(ROWS.map((r) => r.split(":")[0]));
  });

  it("ConfigNotSet comes before everything", async () => {
    const [owner, transmitter] = await ethers.getSigners();
    const agg = await (await ethers.getContractFactory("QuorumAggregator", owner)).deploy(owner.address);
    await expect(agg.connect(transmitter).transmit("0x", "0x")).to.be.revertedWithCustomError(agg, "ConfigNotSet");
  });

  for (const c of CASES) {
    it(`${c.first} before ${c.second}`, async () => {
      if (c.second !== "out-of-bounds median") expect(ROWS.indexOf(c.first)).to.be.lessThan(ROWS.indexOf(c.second));
      const ctx = await loadFixture(fixture);
      const { report, signatures, from } = await c.build(ctx);
      const agg = from === "stranger" ? ctx.d.aggregator.connect(ctx.stranger) : ctx.agg;
      const call = agg.transmit(report, signatures);
      const name = c.first.split(":")[0];
      if (c.args)
        await expect(call)
          .to.be.revertedWithCustomError(agg, name)
          .withArgs(...c.args(ctx));
      else await expect(call).to.be.revertedWithCustomError(agg, name);
    });
  }
});
