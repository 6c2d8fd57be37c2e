/**
 * `npm run bench:pull [-- --json] [-- --samples N] [-- --pull-feeds K]`: pull reports on
 * loopback, measured.
 *
 * 7 oracle node processes (f = 2, `oracle-node start` with YAML configs, as an operator runs
 * them) polling 5 feeds every 1 s, the first K of them pull feeds (default 1), one automining
 * local chain, the venue simulator with a quiet market. The 7 nodes share this machine's cores,
 * and each checks every observation signature of every pull feed every second: more pull feeds
 * mean more CPU per round and older reports here (not on 7 machines). Then:
 * - report age at fetch: the bench fetches the latest report through the client helper
 *   (oracle-node/src/pull/client.ts: f+1 nodes at once, first valid wins) at random instants,
 *   and takes (time the verified answer is in hand) - observationsTimestamp, the age the
 *   contract sees (observationsTimestamp is whole seconds);
 * - verifyGas: the gas of a verification called by a consumer contract: feeds1 is the direct
 *   path (feeds1Path "direct"): the current configuration's pull verifier (contracts/pull/) called
 *   through PullReportsCall.verifySingleAt, as examples/PerpConsumer.sol's openAt calls it;
 *   feeds1ViaAggregator is the aggregator's verifyReportSingle (the one-feed entry point: four
 *   words back, no array) through PullReportsCall.verifySingle; feeds5 is verifyReport; the table
 *   also prints verifyReportSingle called through the Solidity interface and verifyReport for
 *   the one-feed report

 *   (contracts/test/PullGasProbe.sol: gasleft() before minus after the external call, so it
 *   counts the cold access to the aggregator and its config store, the ABI encoding of the
 *   arguments and the decoding of the answers; not the consumer transaction's 21,000 base nor
 *   the calldata of report and signatures, printed separately in the table). feeds1 and feeds5
 *   are the live report's header and its first feed's observers and observations, for feed 0
 *   and for feeds 0-4, signed by 3 of the committee's keys (f+1 of n = 7);
 * - updateAndReadGas: the same probe around updateAndRead of the one-feed report, which is
 *   newer than the stored round and so is stored (checked: AnswerUpdated in the receipt).
 * `--json` prints exactly one line:
 * {"nodes":7,"reportAgeMsP50":N,"reportAgeMsP95":N,"verifyGas":{"feeds1":N,"feeds1Path":"direct","feeds1ViaAggregator":N,"feeds5":N},"updateAndReadGas":N}
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, ContractFactory, JsonRpcProvider, Wallet, getBytes, type ContractTransactionResponse } from "ethers";
import { aggregatorInterface } from "../oracle-node/src/chain/aggregator";
import { encodeReport, signReportBy } from "../oracle-node/src/protocol/report";
import { committeeFromChain, currentVerifier, fetchLatestReport } from "../oracle-node/src/pull/client";
import type { PullCommittee, VerifiedReport } from "../oracle-node/src/pull/verify";
import { freePorts, setupCommittee, writeNodeConfig, type Committee, type FeedPlan } from "../test/e2e/harness/committee";
import { NodeProcess } from "../test/e2e/harness/node-process";

const NODES = 7;
const F = 2;
const ASSETS = ["BTC", "ETH", "SOL", "LINK", "XRP"];
/** Venues with batch endpoints: one request per venue per poll for all feeds. */
const VENUES = ["binance", "kraken", "bitfinex", "coingecko", "cryptocompare"];
const POLL_MS = 1_000;
const QUIET_VOLATILITY = 0.02;
const DEFAULT_SAMPLES = 40;
/** Pause between fetches: 300-900 ms, so fetch instants do not lock to the poll phase. */
const FETCH_GAP_MS = [300, 900] as const;
const START_DEADLINE_MS = 90_000;
/** After the first report: start-up epoch changes settle (not measured). */
const WARMUP_MS = 8_000;
const PROBE_ARTIFACT = join(__dirname, "../artifacts/contracts/test/PullGasProbe.sol/PullGasProbe.json");

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function intArg(argv: string[], name: string, dflt: number, max: number): number {
  const at = argv.indexOf(name);
  const v = at >= 0 ? Number(argv[at + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0 || v > max) {
    process.stderr.write(`bench-pull: ${name} takes an integer in 1..${max}\n`);
    process.exit(2);
  }
  return v;
}

function parseArgs(argv: string[]): { json: boolean; samples: number; pullFeeds: number } {
  return {
    json: argv.includes("--json"),
    samples: intArg(argv, "--samples", DEFAULT_SAMPLES, 10_000),
    pullFeeds: intArg(argv, "--pull-feeds", 1, ASSETS.length),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 7 node processes with their APIs; returns the API base URLs. */
async function startNodes(c: Committee, dir: string, nodes: NodeProcess[]): Promise<string[]> {
  const ports = await freePorts(NODES);
  for (let i = 0; i < NODES; i++) nodes.push(new NodeProcess(i, await writeNodeConfig(c, i, dir, { apiPort: ports[i], pollIntervalMs: POLL_MS })));
  for (const n of nodes) n.start();
  return ports.map((p) => `http://127.0.0.1:${p}`);
}

/** The first report the committee serves (the nodes starting and electing a leader). */
async function firstReport(urls: string[], committee: PullCommittee, feeds: number[], nodes: NodeProcess[]): Promise<VerifiedReport> {
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    const dead = nodes.find((n) => n.exit !== null && !n.running);
    if (dead) throw new Error(`node ${dead.index} exited: ${dead.lines.slice(-5).join("\n")}`);
    const r = await fetchLatestReport({ nodes: urls, feeds, committee }).catch(() => null);
    if (r) return r;
    await sleep(200);
  }
  throw new Error(`no pull report within ${START_DEADLINE_MS} ms`);
}

/** Report ages at fetch, ms, from `samples` fetches of feed 0 through the client helper. */
async function sampleAges(urls: string[], committee: PullCommittee, samples: number): Promise<{ ages: number[]; failed: number }> {
  const ages: number[] = [];
  let failed = 0;
  for (let k = 0; k < samples; k++) {
    await sleep(FETCH_GAP_MS[0] + Math.random() * (FETCH_GAP_MS[1] - FETCH_GAP_MS[0]));
    const r = await fetchLatestReport({ nodes: urls, feeds: [0], committee }).catch(() => null);
    if (r) ages.push(Date.now() - r.observationsTimestamp * 1000);
    else failed += 1;
  }
  return { ages: ages.sort((a, b) => a - b), failed };
}

interface GasResult {
  /** The direct path: the current configuration's pull verifier through PullReportsCall.verifySingleAt. */
  feeds1: number;
  /** The aggregator's verifyReportSingle through PullReportsCall.verifySingle. */
  feeds1ViaAggregator: number;
  /** The verifier's configuration version. */
  version: bigint;
  /** verifyReportSingle through the Solidity interface (ABI encoder and decoder in the consumer). */
  single1: number;
  /** verifyReport (the array form) of the one-feed report. */
  array1: number;
  /** array1 as the second call in one transaction (aggregator, config slot and store warm). */
  warm1: number;
  feeds5: number;
  updateAndRead: number;
  /** Calldata gas of report + signatures (16 per non-zero byte, 4 per zero byte), per report. */
  calldata1: number;
  calldata5: number;
  observations: number;
}

const calldataGas = (hex: string) => getBytes(hex).reduce((s, b) => s + (b === 0 ? 4 : 16), 0);

/** The live report's header and first feed's observations for feeds 0..count-1, signed by f+1 of the committee's keys. */
function craftedReport(c: Committee, live: VerifiedReport, count: number): { report: string; signatures: string } {
  const first = live.decoded.feeds[0];
  const report = encodeReport({ ...live.decoded, feeds: Array.from({ length: count }, (_, k) => ({ ...first, feedIndex: k })) });
  const keys = c.keys.slice(0, F + 1).map((k, i) => ({ signerIndex: i, key: new Wallet(k) }));
  return { report, signatures: signReportBy(report, { chainId: BigInt(c.chain.chainId), verifyingContract: c.deployment.aggregator }, keys) };
}

async function measureGas(c: Committee, live: VerifiedReport): Promise<GasResult> {
  const provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const { abi, bytecode } = JSON.parse(readFileSync(PROBE_ARTIFACT, "utf8")) as { abi: string[]; bytecode: string };
    const probe = (await new ContractFactory(abi, bytecode, new Wallet(c.chain.accounts[12], provider)).deploy()) as Contract;
    await probe.waitForDeployment();
    const agg = c.deployment.aggregator;
    const one = craftedReport(c, live, 1);
    const five = craftedReport(c, live, ASSETS.length);
    const verify = async (r: { report: string; signatures: string }) =>
      Number(await probe.getFunction("measureVerify").staticCall(agg, r.report, r.signatures));
    const v = await currentVerifier(provider, agg);
    const feeds1 = Number(await probe.getFunction("measureVerifySingleAt").staticCall(v.factory, v.initCodeHash, v.version, one.report, one.signatures));
    const feeds1ViaAggregator = Number(await probe.getFunction("measureVerifySingleCall").staticCall(agg, one.report, one.signatures));
    const single1 = Number(await probe.getFunction("measureVerifySingle").staticCall(agg, one.report, one.signatures));
    const array1 = await verify(one);
    const warm1 = Number(await probe.getFunction("measureVerifyWarm").staticCall(agg, one.report, one.signatures));
    const feeds5 = await verify(five);
    const tx = (await probe.getFunction("measureUpdate")(agg, one.report, one.signatures)) as ContractTransactionResponse;
    const receipt = await tx.wait();
    const logs = receipt?.logs ?? [];
    const answerUpdated = aggregatorInterface().getEvent("AnswerUpdated")!.topicHash;
    if (!logs.some((l) => l.topics[0] === answerUpdated)) throw new Error("updateAndRead did not store the one-feed report (not newer than the stored round?)");
    const measured = logs.map((l) => probe.interface.parseLog(l)).find((l) => l?.name === "Measured");
    if (!measured) throw new Error("the probe emitted no Measured event");
    return {
      feeds1,
      feeds1ViaAggregator,
      version: v.version,
      single1,
      array1,
      warm1,
      feeds5,
      updateAndRead: Number(measured.args.gasUsed as bigint),
      calldata1: calldataGas(one.report) + calldataGas(one.signatures),
      calldata5: calldataGas(five.report) + calldataGas(five.signatures),
      observations: live.decoded.feeds[0].observations.length,
    };
  } finally {
    provider.destroy();
  }
}

interface BenchResult {
  nodes: number;
  reportAgeMsP50: number;
  reportAgeMsP95: number;
  verifyGas: { feeds1: number; feeds1Path: string; feeds1ViaAggregator: number; feeds5: number };
  updateAndReadGas: number;
}

function printTable(r: BenchResult, ages: number[], failed: number, g: GasResult, pullFeeds: number): void {
  const rows: Array<[string, string]> = [
    ["nodes / f", `${NODES} / ${F} (separate processes)`],
    ["feeds (pull), poll interval", `${ASSETS.length} (${pullFeeds}), ${POLL_MS} ms`],
    ["machine load (1 min average, cores)", `${loadavg()[0].toFixed(1)}, ${cpus().length}`],
    ["fetches (client helper, f+1 nodes)", `${ages.length} ok, ${failed} failed`],
    ["report age at fetch p50", `${r.reportAgeMsP50} ms`],
    ["report age at fetch p95", `${r.reportAgeMsP95} ms`],
    ["report age at fetch max", `${ages[ages.length - 1] ?? 0} ms`],
    ["observations per feed (live report)", String(g.observations)],
    [
      `pull verifier (version ${g.version}) in a consumer call (verifySingleAt), 1 feed, 3 sigs (feeds1)`,
      `${r.verifyGas.feeds1} gas (+ ${g.calldata1} calldata + version)`,
    ],
    ["verifyReportSingle in a consumer call (PullReportsCall.verifySingle)", `${g.feeds1ViaAggregator} gas (+ ${g.calldata1} calldata)`],
    ["  verifyReportSingle through the Solidity interface", `${g.single1} gas (+ ${g.calldata1} calldata)`],
    ["verifyReport in a consumer call, 1 feed, 3 sigs", `${g.array1} gas (+ ${g.calldata1} calldata)`],
    ["  verifyReport, aggregator and config already warm", `${g.warm1} gas`],
    ["verifyReport in a consumer call, 5 feeds, 3 sigs (feeds5)", `${r.verifyGas.feeds5} gas (+ ${g.calldata5} calldata)`],
    ["updateAndRead, 1 feed, stored", `${r.updateAndReadGas} gas (+ ${g.calldata1} calldata)`],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log("gas: gasleft() around the external call in a consumer contract (PullGasProbe.sol); no 21,000 base, calldata shown apart");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const realWrite = process.stdout.write.bind(process.stdout);
  if (args.json)
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  const feeds: FeedPlan[] = ASSETS.map((a, k) => ({
    id: `${a}/USD`,
    pair: `${a}/USD`,
    decimals: 8,
    sources: VENUES,
    deviationBps: 50,
    heartbeatSec: 3600,
    pull: k < args.pullFeeds,
  }));
  process.stderr.write(
    `bench-pull: ${NODES} node processes (f=${F}), ${feeds.length} feeds (${args.pullFeeds} pull) polled every ${POLL_MS} ms, ${args.samples} fetches\n`,
  );
  const c = await setupCommittee({ n: NODES, f: F, feeds, volatilityScale: QUIET_VOLATILITY });
  const dir = mkdtempSync(join(tmpdir(), "bench-pull-"));
  const nodes: NodeProcess[] = [];
  try {
    const urls = await startNodes(c, dir, nodes);
    const provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const committee = await committeeFromChain(provider, c.deployment.aggregator);
    provider.destroy();
    await firstReport(urls, committee, [0], nodes);
    await sleep(WARMUP_MS); // every node past its start-up, the committee in one epoch
    const { ages, failed } = await sampleAges(urls, committee, args.samples);
    const live = await fetchLatestReport({ nodes: urls, feeds: [0], committee });
    const gas = await measureGas(c, live);
    const result: BenchResult = {
      nodes: NODES,
      reportAgeMsP50: percentile(ages, 50),
      reportAgeMsP95: percentile(ages, 95),
      verifyGas: { feeds1: gas.feeds1, feeds1Path: "direct", feeds1ViaAggregator: gas.feeds1ViaAggregator, feeds5: gas.feeds5 },
      updateAndReadGas: gas.updateAndRead,
    };
    if (args.json) realWrite(JSON.stringify(result) + "\n");
    else printTable(result, ages, failed, gas, args.pullFeeds);
  } finally {
    await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench-pull: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
