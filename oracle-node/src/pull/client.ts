import { Contract, Interface, getBytes, getCreate2Address, toBeHex, type InterfaceAbi, type Provider } from "ethers";
import { DEFAULT_MAX_REPORT_AGE_SEC } from "../protocol/report-age";
import { PullReportError, verifyPulledReport, type PullCommittee, type VerifiedReport } from "./verify";

/**
 * The pull consumer's client (docs/consumers.md "Pull reports"): fetch the committee's latest
 * signed report from its nodes and build the calldata of the consumer's own transaction.
 *
 *   const committee = await committeeFromChain(provider, aggregatorAddress);
 *   const r = await fetchLatestReport({ nodes, feeds: [0], committee });
 *   const data = consumerCalldata(perpAbi, "open", [size], r);   // or updateAndReadCalldata(r)
 *
 * f+1 nodes are asked at once (at least one of any f+1 is honest); a node that fails, is slow
 * or serves anything that does not verify locally (verify.ts) is replaced by the next one, and
 * the first report that verifies wins (the others are aborted). Every request is cancelled at
 * its deadline and its body read at most `maxBodyBytes` far, so a hostile node can neither hold
 * the consumer nor fill its memory.
 */
export interface FetchReportOptions {
  /** Base URLs of the nodes' APIs (http://host:port), in the order to try them. */
  nodes: readonly string[];
  /** Feed indexes to fetch (the aggregator's feedIndex); all must be in one report. */
  feeds: readonly number[];
  committee: PullCommittee;
  /** The node's `chain` parameter (a chains[].name or chain id) for nodes serving many chains; default the committee's chain id. */
  chain?: string;
  /** How many nodes to ask at once; default f+1. */
  parallel?: number;
  /** Oldest report accepted, seconds; default the aggregator's default maximum age (300 s). */
  maxAgeSeconds?: number;
  timeoutMs?: number;
  maxBodyBytes?: number;
  now?: () => number;
  signal?: AbortSignal;
}

/** A node answers from memory in milliseconds; one slower than this is not worth a consumer's block. */
export const DEFAULT_FETCH_TIMEOUT_MS = 2_000;
/** A report of a few feeds is a few hundred bytes; even 255 feeds of 31 oracles stay well under. */
export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;

export class PullFetchError extends Error {
  constructor(
    message: string,
    /** Per node, why its answer was not used. */
    readonly failures: ReadonlyArray<{ node: string; reason: string }>,
  ) {
    super(message);
    this.name = "PullFetchError";
  }
}

/** The first report from `nodes` that verifies locally; throws PullFetchError when none does. */
export async function fetchLatestReport(o: FetchReportOptions): Promise<VerifiedReport> {
  if (o.nodes.length === 0) throw new PullFetchError("no node to ask", []);
  const parallel = Math.max(1, Math.min(o.parallel ?? o.committee.f + 1, o.nodes.length));
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const failures: Array<{ node: string; reason: string }> = [];
  let next = 0;
  try {
    return await new Promise<VerifiedReport>((resolve, reject) => {
      let inFlight = 0;
      const launch = () => {
        while (inFlight < parallel && next < o.nodes.length && !stop.signal.aborted) {
          const node = o.nodes[next++];
          inFlight++;
          fetchOne(node, o, stop.signal).then(
            (r) => {
              inFlight--;
              resolve(r);
              stop.abort();
            },
            (err: unknown) => {
              inFlight--;
              failures.push({ node, reason: (err as Error).message });
              launch();
              if (inFlight === 0 && (next >= o.nodes.length || stop.signal.aborted)) {
                reject(
                  new PullFetchError(`no valid report from ${failures.length} node(s): ${failures.map((f) => `${f.node}: ${f.reason}`).join("; ")}`, failures),
                );
              }
            },
          );
        }
      };
      launch();
    });
  } finally {
    stop.abort();
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/** One node's answer, fetched within the deadline and size cap, then verified. */
async function fetchOne(node: string, o: FetchReportOptions, stop: AbortSignal): Promise<VerifiedReport> {
  const url = new URL("/v1/reports/latest", node);
  url.searchParams.set("feeds", o.feeds.join(","));
  url.searchParams.set("chain", o.chain ?? String(o.committee.chainId));
  const signal = AbortSignal.any([stop, AbortSignal.timeout(o.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS)]);
  let text: string;
  try {
    const res = await fetch(url, { signal, headers: { accept: "application/json" }, redirect: "error" });
    text = await readCapped(res, o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    if (res.status !== 200) throw new PullReportError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  } catch (err) {
    if (err instanceof PullReportError) throw err;
    throw new PullReportError(signal.aborted && !stop.aborted ? "timed out" : (err as Error).message);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PullReportError("answer is not JSON");
  }
  return verifyPulledReport(node, body, {
    committee: o.committee,
    feeds: o.feeds,
    maxAgeSeconds: o.maxAgeSeconds ?? DEFAULT_MAX_REPORT_AGE_SEC,
    nowMs: (o.now ?? Date.now)(),
  });
}

/** The body as text, refusing (and cancelling) one longer than `max` bytes, declared or streamed. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) {
    await res.body?.cancel();
    throw new PullReportError(`answer of ${declared} bytes, more than ${max}`);
  }
  if (!res.body) return "";
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new PullReportError(`answer longer than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The aggregator functions a pull consumer needs, human-readable (no build artifacts needed). */
export const PULL_ABI = [
  "function getOracles() view returns (address[] signers, address[] transmitters, uint8 f)",
  "function latestConfigDetails() view returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest)",
  "function verifyReport(bytes report, bytes signatures) view returns (tuple(uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp)[] answers)",
  // IPullReportsSingle: served by the aggregator's fallback (not in its own ABI), the cheapest check of a one-feed report.
  "function verifyReportSingle(bytes report, bytes signatures) view returns (uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp)",
  "function updateAndRead(bytes report, bytes signatures) returns (tuple(uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp)[] answers)",
];

/** The committee a report must be signed by, read from the aggregator (read it again after a ConfigSet). */
export async function committeeFromChain(provider: Provider, aggregator: string): Promise<PullCommittee> {
  const c = new Contract(aggregator, PULL_ABI, provider);
  const [network, oracles, details] = await Promise.all([
    provider.getNetwork(),
    c.getFunction("getOracles").staticCall() as Promise<[string[], string[], bigint]>,
    c.getFunction("latestConfigDetails").staticCall() as Promise<[bigint, bigint, string]>,
  ]);
  return { chainId: network.chainId, aggregator, configDigest: details[2], signers: [...oracles[0]], f: Number(oracles[2]) };
}

const pullInterface = new Interface(PULL_ABI);

/** One feed of a verified report, as the aggregator returns it. */
export interface PulledAnswer {
  feedIndex: bigint;
  answer: bigint;
  confidence: bigint;
  observationsTimestamp: bigint;
}

/** Byte 41 of a report: its feed count (docs/protocol.md "Report format"); 0 when too short. */
function feedCountOf(report: string): number {
  const b = getBytes(report);
  return b.length > 41 ? b[41] : 0;
}

/**
 * Calldata of the cheapest on-chain check of the report: verifyReportSingle for a report of one
 * feed, verifyReport otherwise (the same checks and errors). An eth_call of it returns the
 * answers: decode them with decodeVerifyResult.
 */
export function verifyReportCalldata(r: Pick<VerifiedReport, "report" | "signatures">): string {
  const fn = feedCountOf(r.report) === 1 ? "verifyReportSingle" : "verifyReport";
  return pullInterface.encodeFunctionData(fn, [r.report, r.signatures]);
}

/** The answers of an eth_call of verifyReportCalldata(r): one per feed, in report order. */
export function decodeVerifyResult(r: Pick<VerifiedReport, "report">, data: string): PulledAnswer[] {
  if (feedCountOf(r.report) === 1) {
    const [feedIndex, answer, confidence, observationsTimestamp] = pullInterface.decodeFunctionResult("verifyReportSingle", data) as unknown as bigint[];
    return [{ feedIndex, answer, confidence, observationsTimestamp }];
  }
  const [answers] = pullInterface.decodeFunctionResult("verifyReport", data);
  return (answers as PulledAnswer[]).map((a) => ({
    feedIndex: a.feedIndex,
    answer: a.answer,
    confidence: a.confidence,
    observationsTimestamp: a.observationsTimestamp,
  }));
}

/** Calldata of aggregator.updateAndRead(report, signatures): stores the report when newer, returns the answers. */
export function updateAndReadCalldata(r: Pick<VerifiedReport, "report" | "signatures">): string {
  return pullInterface.encodeFunctionData("updateAndRead", [r.report, r.signatures]);
}

/** Calldata of a consumer's own function whose last two arguments are (bytes report, bytes signatures), as PerpConsumer.open(size, report, signatures). */
export function consumerCalldata(
  abi: Interface | InterfaceAbi,
  fn: string,
  args: readonly unknown[],
  r: Pick<VerifiedReport, "report" | "signatures">,
): string {
  const iface = abi instanceof Interface ? abi : new Interface(abi);
  return iface.encodeFunctionData(fn, [...args, r.report, r.signatures]);
}

/**
 * The pull verifier functions (contracts/pull/): the aggregator's pullVerifierFactory (served by
 * its fallback, IPullVerifierSource) and the factory's views.
 */
export const PULL_VERIFIER_ABI = [
  "function pullVerifierFactory() view returns (address)",
  "function current() view returns (address verifier, uint256 version)",
  "function INIT_CODE_HASH() view returns (bytes32)",
];

/** A configuration's pull verifier: what PullReportsCall.verifySingleAt derives from (factory, initCodeHash, version). */
export interface PullVerifierRef {
  factory: string;
  initCodeHash: string;
  version: bigint;
  verifier: string;
}

/** The CREATE2 address of `factory`'s verifier of `version` (PullVerifierFactory.verifierAt, PullReportsCall.verifySingleAt). */
export function verifierAddress(factory: string, initCodeHash: string, version: bigint): string {
  return getCreate2Address(factory, toBeHex(version, 32), initCodeHash);
}

/**
 * The aggregator's current pull verifier, read through `provider` (read it again after a
 * ConfigSet, FeedAdded or MaxReportAgeSet: each retires the verifier). Throws when the address
 * the version derives is not the factory's current verifier (a wrong factory or init code hash).
 */
export async function currentVerifier(provider: Provider, aggregator: string): Promise<PullVerifierRef> {
  const source = new Contract(aggregator, PULL_VERIFIER_ABI, provider);
  const factory = (await source.getFunction("pullVerifierFactory").staticCall()) as string;
  const f = new Contract(factory, PULL_VERIFIER_ABI, provider);
  const [[verifier, version], initCodeHash] = await Promise.all([
    f.getFunction("current").staticCall() as Promise<[string, bigint]>,
    f.getFunction("INIT_CODE_HASH").staticCall() as Promise<string>,
  ]);
  if (version === 0n) throw new PullReportError(`aggregator ${aggregator} has no configuration (no pull verifier yet)`);
  if (verifierAddress(factory, initCodeHash, version) !== verifier)
    throw new PullReportError(`factory ${factory}: current() is not its CREATE2 address of version ${version}`);
  return { factory, initCodeHash, version, verifier };
}

/**
 * Calldata of a consumer's function whose last three arguments are (uint256 version, bytes
 * report, bytes signatures), as PerpConsumer.openAt(size, version, report, signatures): the
 * direct path, verified at that version's pull verifier. `version`: a number, or the
 * PullVerifierRef of currentVerifier.
 */
export function consumerCalldataAt(
  abi: Interface | InterfaceAbi,
  fn: string,
  args: readonly unknown[],
  version: bigint | Pick<PullVerifierRef, "version">,
  r: Pick<VerifiedReport, "report" | "signatures">,
): string {
  const iface = abi instanceof Interface ? abi : new Interface(abi);
  return iface.encodeFunctionData(fn, [...args, typeof version === "bigint" ? version : version.version, r.report, r.signatures]);
}
