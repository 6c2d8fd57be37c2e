/**
 * `npm run bench:pull-gas [-- --json]`: where the gas of a one-feed pull verification goes.
 *
 * An in-process Hardhat chain, an aggregator of n = 7 (f = 2) with 5 feeds and no bounds (as
 * bench:pull deploys it), one report of feed 0 with 7 observations of a BTC-like price (6 bytes
 * each) signed by f + 1 = 3 keys, verified on two paths (what examples/PerpConsumer.sol pays):
 * the direct path, PullGasProbe.measureVerifySingleAt (the consumer derives the CREATE2 address
 * of the current configuration's pull verifier, contracts/pull/PullVerifier.sol, and calls it),
 * and the aggregator's verifyReportSingle through PullReportsCall (measureVerifySingleCall).
 * Each transaction is traced (debug_traceTransaction) and every opcode between the probe's two
 * GAS readings is counted in one stage, cut at the opcodes that mark them: the consumer's
 * encoding up to its STATICCALL; the cold access to the callee; in the callee the dispatcher and
 * fallback up to the config slot's SLOAD (the verifier: its retired slot), the argument checks
 * up to the config store's EXTCODECOPY (the verifier: of its own code, warm), the header and
 * EIP-712 digest up to the first ecrecover, the signature loop up to the last ecrecover's
 * result, the entry (layout, observers, sort order, median), the feed's checks and the RETURN;
 * then the consumer reading the answer. Precompile calls, SLOAD, EXTCODECOPY and KECCAK256 are
 * also printed apart, as the floor any verifier of this design pays. Then two config changes
 * (setMaxReportAge, setConfig of a new committee): their gas and the share of
 * PullVerifierFactory.rotate (the new verifier's deployment, the old one's retirement).
 */
import hre from "hardhat";
import { deployAggregator, feedEntry, makeCommittee, observationsAround, signedReport } from "../test/contracts/helpers/committee";

const { ethers } = hre;

interface Step {
  stack?: string[];
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
}

/** A BTC-like price in 8-decimal feed units (6 bytes per observation, as bench:gas). */
const CENTER = 67_123_45000000n;

/** Gas actually spent by step i: the drop in `gas` to the next step at the same depth. */
function spent(steps: Step[], i: number): number {
  const s = steps[i];
  if (s.op === "STATICCALL" || s.op === "CALL") {
    const next = steps.slice(i + 1).find((x) => x.depth === s.depth);
    return next ? s.gas - next.gas : s.gasCost;
  }
  return s.gasCost;
}

interface Breakdown {
  total: number;
  stages: Array<[string, number]>;
  floor: Array<[string, number]>;
}

/** The stage and floor names of one path: the callee's name and its config read. */
interface Labels {
  encode: string;
  call: string;
  account: string;
  entry: string;
  slot: string;
  slotFloor: string;
  copy: string;
  copyFloor: string;
  loop: string;
  tail: string;
}

/** The aggregator's verifyReportSingle through PullReportsCall.verifySingle. */
const VIA_AGGREGATOR: Labels = {
  encode: "consumer: ABI encoding of the call (PullReportsCall)",
  call: "the call: cold access to the aggregator",
  account: "aggregator account, cold",
  entry: "aggregator: dispatcher and fallback",
  slot: "aggregator: argument checks, config slot (cold SLOAD)",
  slotFloor: "config slot (store address), cold SLOAD",
  copy: "aggregator: config store (cold EXTCODECOPY), report header, EIP-712 digest",
  copyFloor: "config store account, cold EXTCODECOPY (+ copy)",
  loop: "aggregator: signature loop (3 x ecrecover)",
  tail: "aggregator: entry, median, the feed's checks, RETURN",
};

/** The current configuration's pull verifier through PullReportsCall.verifySingleAt. */
const DIRECT: Labels = {
  encode: "consumer: CREATE2 address of the version, ABI encoding (PullReportsCall)",
  call: "the call: cold access to the verifier",
  account: "verifier account, cold",
  entry: "verifier: fallback, trailer (CODECOPY), selector",
  slot: "verifier: retired slot (cold SLOAD), argument checks",
  slotFloor: "retired slot, cold SLOAD",
  copy: "verifier: its own code (warm EXTCODECOPY), report header, EIP-712 digest",
  copyFloor: "its own code, warm EXTCODECOPY (+ copy)",
  loop: "verifier: signature loop (3 x ecrecover)",
  tail: "verifier: entry, median, the feed's checks, RETURN",
};

function breakdown(steps: Step[], l: Labels): Breakdown {
  const start = steps.findIndex((s) => s.depth === 1 && s.op === "GAS");
  let end = -1;
  for (let i = start + 1; i < steps.length; i++) {
    if (steps[i].depth === 1 && steps[i].op === "GAS" && steps[i + 1]?.op !== "STATICCALL") end = i;
  }
  const stages = new Map<string, number>();
  const floor = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const recovers = steps.filter((s, i) => i > start && i < end && s.depth === 2 && s.op === "STATICCALL").length;
  let stage = l.encode;
  let seenRecovers = 0;
  for (let i = start; i < end; i++) {
    const s = steps[i];
    if (s.depth === 1) {
      if (s.op === "STATICCALL") {
        const callee = steps.slice(i + 1).findIndex((x) => x.depth === 1);
        const inner = steps.slice(i + 1, i + 1 + callee).reduce((a, x, k) => a + (x.depth === 2 ? spent(steps, i + 1 + k) : 0), 0);
        add(stages, l.call, spent(steps, i) - inner);
        add(floor, l.account, 2600);
        stage = l.entry;
        continue;
      }
      add(stages, seenRecovers > 0 ? "consumer: reading the four words back" : stage, spent(steps, i));
      continue;
    }
    if (s.depth !== 2) continue;
    if (s.op === "SLOAD") stage = l.slot;
    if (s.op === "EXTCODECOPY" && stage === l.slot) stage = l.copy;
    if (s.op === "STATICCALL") {
      stage = l.loop;
      seenRecovers += 1;
    }
    // After the last recover's result is compared: the entry.
    if (seenRecovers === recovers && stage === l.loop && steps[i - 1]?.op !== "STATICCALL" && s.op === "JUMP") stage = l.tail;
    const g = spent(steps, i);
    add(stages, stage, g);
    if (s.op === "SLOAD") add(floor, l.slotFloor, g);
    if (s.op === "EXTCODECOPY") add(floor, l.copyFloor, g);
    if (s.op === "STATICCALL") add(floor, "ecrecover precompile (3,000 + 100 each)", g);
    if (s.op === "KECCAK256") add(floor, "KECCAK256 (report, struct, digest)", g);
  }
  const total = steps[start].gas - steps[end].gas;
  return { total, stages: [...stages], floor: [...floor] };
}

/** The trace of one probe transaction. */
async function traced(tx: { wait(): Promise<{ hash: string } | null> }): Promise<Step[]> {
  const receipt = await tx.wait();
  const trace = (await ethers.provider.send("debug_traceTransaction", [receipt!.hash, { disableStorage: true, disableMemory: true, disableStack: true }])) as {
    structLogs: Step[];
  };
  return trace.structLogs;
}

/**
 * A config change's gas (receipt) and its share spent in PullVerifierFactory.rotate (the CALL to
 * the factory at the aggregator's depth: the verifier's deployment and the old one's retirement).
 */
async function rotationGas(tx: { wait(): Promise<{ hash: string; gasUsed: bigint } | null> }, factory: string): Promise<{ tx: number; rotate: number }> {
  const receipt = (await tx.wait())!;
  const trace = (await ethers.provider.send("debug_traceTransaction", [receipt.hash, { disableStorage: true, disableMemory: true }])) as { structLogs: Step[] };
  const steps = trace.structLogs;
  const target = BigInt(factory);
  const at = steps.findIndex((x) => x.depth === 1 && x.op === "CALL" && BigInt("0x" + x.stack![x.stack!.length - 2]) === target);
  if (at < 0) throw new Error("no CALL to the factory in the config change");
  return { tx: Number(receipt.gasUsed), rotate: spent(steps, at) };
}

function print(title: string, measured: number, b: Breakdown): void {
  const w = Math.max(...[...b.stages, ...b.floor].map(([k]) => k.length));
  console.log(`${title}, n = 7, 3 signatures, 7 observations: ${measured} gas (probe), ${b.total} traced`);
  for (const [k, v] of b.stages) console.log(`  ${k.padEnd(w)}  ${String(v).padStart(6)}`);
  console.log("of which fixed costs of this design:");
  for (const [k, v] of b.floor) console.log(`  ${k.padEnd(w)}  ${String(v).padStart(6)}`);
  const fixed = b.floor.reduce((a, [, v]) => a + v, 0);
  console.log(`  ${"sum of fixed costs".padEnd(w)}  ${String(fixed).padStart(6)}`);
  console.log(`  ${"everything else (code)".padEnd(w)}  ${String(b.total - fixed).padStart(6)}`);
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const [owner, transmitter, consumer] = await ethers.getSigners();
  const d = await deployAggregator(owner, makeCommittee(7, 2, transmitter.address, "bench-pull-gas"), [{}, {}, {}, {}, {}]);
  const probe = await (await ethers.getContractFactory("PullGasProbe", consumer)).deploy();
  const ts = (await ethers.provider.getBlock("latest"))!.timestamp;
  const r = signedReport(d, {
    configDigest: d.configDigest,
    epoch: 1,
    round: 1,
    observationsTimestamp: ts,
    feeds: [feedEntry(0, observationsAround(CENTER, 7))],
  });
  const factory = await ethers.getContractAt(
    "IPullVerifierFactory",
    await (await ethers.getContractAt("IPullVerifierSource", d.address)).pullVerifierFactory(),
  );
  const [hash, [, version]] = await Promise.all([factory.INIT_CODE_HASH(), factory.current()]);
  const at = [await factory.getAddress(), hash, version, r.report, r.signatures] as const;
  const direct = Number(await probe.measureVerifySingleAt.staticCall(...at));
  const d1 = breakdown(await traced(await probe.measureVerifySingleAt(...at)), DIRECT);
  const measured = Number(await probe.measureVerifySingleCall.staticCall(d.address, r.report, r.signatures));
  const b = breakdown(await traced(await probe.measureVerifySingleCall(d.address, r.report, r.signatures)), VIA_AGGREGATOR);
  // Config changes after the measurements: each deploys a verifier and retires the previous one.
  const f = await factory.getAddress();
  const age = await rotationGas(await d.aggregator.connect(owner).setMaxReportAge(4, 300), f);
  const next = makeCommittee(7, 2, transmitter.address, "bench-pull-gas/2");
  const config = await rotationGas(
    await d.aggregator.connect(owner).setConfig(
      next.signers.map((k) => k.address),
      next.transmitters,
      2,
      "0x",
    ),
    f,
  );
  const verifierBytes = (await ethers.provider.getCode((await factory.current())[0])).length / 2 - 1;
  const rotation = { verifierBytes, setMaxReportAge: age, setConfig: config };
  const rec = (m: number, x: Breakdown) => ({ measured: m, traced: x.total, stages: Object.fromEntries(x.stages), floor: Object.fromEntries(x.floor) });
  if (json) {
    process.stdout.write(JSON.stringify({ path: "direct", ...rec(direct, d1), viaAggregator: rec(measured, b), rotation }) + "\n");
    return;
  }
  print(`the pull verifier of version ${version}, through PullReportsCall.verifySingleAt (direct path)`, direct, d1);
  console.log("");
  print("the aggregator's verifyReportSingle, through PullReportsCall.verifySingle", measured, b);
  console.log("");
  console.log(
    `a config change deploys the new verifier (${verifierBytes} bytes of code, n = 7, 5 feeds) and retires the old one (PullVerifierFactory.rotate):`,
  );
  console.log(`  setMaxReportAge: ${age.tx} gas, of which rotate ${age.rotate}`);
  console.log(`  setConfig (new committee): ${config.tx} gas, of which rotate ${config.rotate}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench-pull-gas: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
