import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Interface, Signature, Wallet } from "ethers";
import { encodeReport, expectedAnswer, expectedConfidence, packSignatures, reportDigest, signReport, signReportBy, type Report } from "../protocol/report";
import {
  consumerCalldata,
  consumerCalldataAt,
  decodeVerifyResult,
  fetchLatestReport,
  PULL_ABI,
  PullFetchError,
  updateAndReadCalldata,
  verifyReportCalldata,
} from "./client";
import type { PullCommittee } from "./verify";

const KEYS = [1, 2, 3, 4].map((i) => new Wallet("0x" + i.toString(16).padStart(64, "0")));
const AGG = "0x" + "42".repeat(20);
const OTHER_AGG = "0x" + "43".repeat(20);
const DIGEST = "0x" + "cd".repeat(32);
const COMMITTEE: PullCommittee = { chainId: 31337n, aggregator: AGG, configDigest: DIGEST, signers: KEYS.map((k) => k.address), f: 1 };
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function report(o: Partial<Report> = {}): Report {
  const obs = [3000_00000000n, 3001_00000000n, 3002_00000000n];
  return {
    configDigest: DIGEST,
    epoch: 3,
    round: 9,
    observationsTimestamp: Math.floor(Date.now() / 1000) - 1,
    feeds: [{ feedIndex: 1, observers: [0, 1, 2], observations: obs }],
    ...o,
  };
}

/** A node's answer body: the report signed by `signers` (committee indexes) in the domain of `agg` on `chainId`. */
function body(r: Report = report(), signers = [0, 1], agg = AGG, chainId = 31337n) {
  const enc = encodeReport(r);
  const signatures = signReportBy(
    enc,
    { chainId, verifyingContract: agg },
    signers.map((i) => ({ signerIndex: i, key: KEYS[i] })),
  );
  return { report: enc, signatures, feeds: [{ feedIndex: 1, answer: "1", confidence: "0" }] };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const seen: string[] = [];

async function serve(h: Handler): Promise<string> {
  const s = createServer((req, res) => {
    seen.push(req.url ?? "");
    h(req, res);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}
const json =
  (b: unknown, status = 200): Handler =>
  (_req, res) => {
    const text = JSON.stringify(b);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };

let good = "";
let slow = "";
beforeAll(async () => {
  good = await serve(json(body()));
  slow = await serve(() => undefined);
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const opts = { feeds: [1], committee: COMMITTEE, timeoutMs: 500 };

/** Why one hostile node's answer is refused. */
async function refusal(h: Handler, extra: Partial<Parameters<typeof fetchLatestReport>[0]> = {}): Promise<string> {
  const url = await serve(h);
  const err = await fetchLatestReport({ ...opts, nodes: [url], ...extra }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PullFetchError);
  return (err as PullFetchError).failures[0].reason;
}

describe("pull client", () => {
  it("fetches, verifies locally and computes the answers itself (not the node's JSON)", async () => {
    const r = await fetchLatestReport({ ...opts, nodes: [good] });
    expect(r.node).toBe(good);
    expect(r.feeds).toEqual([
      { feedIndex: 1, answer: expectedAnswer(report().feeds[0].observations), confidence: expectedConfidence(report().feeds[0].observations) },
    ]);
    expect(r.signers).toEqual([0, 1]);
    expect(r.ageMs).toBeGreaterThanOrEqual(0);
    expect(seen.some((u) => u.startsWith("/v1/reports/latest?feeds=1&chain=31337"))).toBe(true);
  });

  it("the first valid answer wins: garbage and a silent node cost no more than the good node's answer", async () => {
    const garbage = await serve((_q, res) => res.end("{not json"));
    const t0 = Date.now();
    const r = await fetchLatestReport({ ...opts, nodes: [slow, garbage, good], timeoutMs: 5_000 });
    expect(r.node).toBe(good);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("gives up on a silent node at the deadline, with every node's reason", async () => {
    const t0 = Date.now();
    const err = (await fetchLatestReport({ ...opts, nodes: [slow, slow], timeoutMs: 200 }).catch((e: unknown) => e)) as PullFetchError;
    expect(err).toBeInstanceOf(PullFetchError);
    expect(err.failures.map((f) => f.reason)).toEqual(["timed out", "timed out"]);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it("refuses a body over the cap, declared or streamed without a length", async () => {
    expect(await refusal(json({ report: "0x" + "00".repeat(600_000) }))).toMatch(/more than/);
    const streamer: Handler = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const push = () => {
        while (res.write(chunk)) if (res.writableLength > 1 << 20) break;
      };
      res.on("drain", push);
      push();
    };
    expect(await refusal(streamer, { maxBodyBytes: 100_000 })).toMatch(/longer than 100000 bytes/);
  });

  it("refuses reports the contract would refuse: f signatures, another chain, aggregator or config, a repeated or foreign signer, high s", async () => {
    expect(await refusal(json(body(report(), [2])))).toMatch(/f\+1 = 2/);
    expect(await refusal(json(body(report(), [0, 1], AGG, 1n)))).toMatch(/not the committee signer's/);
    expect(await refusal(json(body(report(), [0, 1], OTHER_AGG)))).toMatch(/not the committee signer's/);
    expect(await refusal(json(body(report({ configDigest: "0x" + "ee".repeat(32) }))))).toMatch(/config digest/);
    const enc = encodeReport(report());
    const digest = reportDigest(enc, { chainId: 31337n, verifyingContract: AGG });
    const twice = packSignatures([0, 0].map((i) => ({ signerIndex: i, signature: signReport(KEYS[i], digest) })));
    expect(await refusal(json({ report: enc, signatures: twice }))).toMatch(/signed twice/);
    const swapped = packSignatures([0, 1].map((i) => ({ signerIndex: 1 - i, signature: signReport(KEYS[i], digest) })));
    expect(await refusal(json({ report: enc, signatures: swapped }))).toMatch(/not the committee signer's/);
    // Compact signatures carry s in 255 bits: s just above n/2 is representable and the contract refuses it.
    const sig = Signature.from(signReport(KEYS[1], digest));
    const high = "01" + sig.r.slice(2) + (N / 2n + 1n).toString(16).padStart(64, "0");
    const malleable = packSignatures([{ signerIndex: 0, signature: signReport(KEYS[0], digest) }]) + high;
    expect(await refusal(json({ report: enc, signatures: malleable }))).toMatch(/high s/);
  });

  it("refuses old, future, feed-less and thin reports, garbage bodies and error statuses", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(json(body(report({ observationsTimestamp: now - 301 }))))).toMatch(/old/);
    expect(await refusal(json(body(report({ observationsTimestamp: now - 11 }))), { maxAgeSeconds: 10 })).toMatch(/old/);
    expect(await refusal(json(body(report({ observationsTimestamp: now + 60 }))))).toMatch(/future/);
    expect(await refusal(json(body()), { feeds: [1, 2] })).toMatch(/does not carry feed 2/);
    const thin = report({ feeds: [{ feedIndex: 1, observers: [0, 1], observations: [1n, 2n] }] });
    expect(await refusal(json(body(thin)))).toMatch(/2 observations, not 3\.\.4/);
    expect(await refusal(json({ report: "0x1234", signatures: "0x" }))).toMatch(/does not decode/);
    expect(await refusal(json({ report: 5, signatures: [] }))).toMatch(/not hex/);
    expect(await refusal(json([1, 2, 3]))).toMatch(/not hex/);
    expect(await refusal(json(null))).toMatch(/not a JSON object/);
    expect(await refusal(json({ error: "no report" }, 404))).toMatch(/HTTP 404/);
  });

  it("builds the calldata of the cheapest verify call (verifyReportSingle for one feed), decodes its answers, and builds updateAndRead's and a consumer's own call", async () => {
    const r = await fetchLatestReport({ ...opts, nodes: [good] });
    const agg = new Interface(PULL_ABI);
    // A one-feed report: verifyReportSingle (four words back); a batched one: verifyReport.
    expect(r.decoded.feeds.length).toBe(1);
    expect(agg.decodeFunctionData("verifyReportSingle", verifyReportCalldata(r))).toEqual([r.report, r.signatures]);
    const two = body(report({ feeds: [report().feeds[0], { ...report().feeds[0], feedIndex: 2 }] }));
    expect(agg.decodeFunctionData("verifyReport", verifyReportCalldata(two))).toEqual([two.report, two.signatures]);
    expect(agg.decodeFunctionData("verifyReport", verifyReportCalldata({ report: "0x1234", signatures: "0x" }))).toEqual(["0x1234", "0x"]);
    const single = agg.encodeFunctionResult("verifyReportSingle", [1n, -5n, 2n, 77n]);
    expect(decodeVerifyResult(r, single)).toEqual([{ feedIndex: 1n, answer: -5n, confidence: 2n, observationsTimestamp: 77n }]);
    const many = agg.encodeFunctionResult("verifyReport", [
      [
        [1n, 10n, 0n, 77n],
        [2n, 20n, 1n, 77n],
      ],
    ]);
    expect(decodeVerifyResult(two, many).map((a) => a.answer)).toEqual([10n, 20n]);
    expect(agg.decodeFunctionData("updateAndRead", updateAndReadCalldata(r))).toEqual([r.report, r.signatures]);
    const perp = ["function open(int256 size, bytes report, bytes signatures)"];
    const data = consumerCalldata(perp, "open", [-2n], r);
    expect([...new Interface(perp).decodeFunctionData("open", data)]).toEqual([-2n, r.report, r.signatures]);
    // The direct path: the configuration version before the report (a number or currentVerifier's answer).
    const perpAt = ["function openAt(int256 size, uint256 version, bytes report, bytes signatures)"];
    const at = new Interface(perpAt);
    expect([...at.decodeFunctionData("openAt", consumerCalldataAt(perpAt, "openAt", [-2n], 7n, r))]).toEqual([-2n, 7n, r.report, r.signatures]);
    expect([...at.decodeFunctionData("openAt", consumerCalldataAt(at, "openAt", [3n], { version: 2n ** 96n }, r))]).toEqual([
      3n,
      2n ** 96n,
      r.report,
      r.signatures,
    ]);
  });
});
