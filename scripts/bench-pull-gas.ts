/**
 * `npm run bench:pull-gas [-- --json]`: where the gas of a one-feed pull verification goes.
 *
 * An in-process Hardhat chain, an aggregator of n = 7 (f = 2) with 5 feeds and no bounds (as
 * bench:pull deploys it), one report of feed 0 with 7 observations of a BTC-like price (6 bytes
 * each) signed by f + 1 = 3 keys, verified by PullGasProbe.measureVerifySingleCall (what
 * examples/PerpConsumer.sol pays: verifyReportSingle through PullReportsCall). The transaction
 * is traced (debug_traceTransaction) and every opcode between the probe's two GAS readings is
 * counted in one stage, cut at the opcodes that mark them: the consumer's encoding up to its
 * STATICCALL; the cold access to the aggregator; in the aggregator the dispatcher and fallback
 * up to the config slot's SLOAD, the argument checks up to the config store's EXTCODECOPY, the
 * header and EIP-712 digest up to the first ecrecover, the signature loop up to the last
 * ecrecover's result, the entry (layout, observers, sort order, median), the feed's checks and
 * the RETURN; then the consumer reading the answer. Precompile calls, SLOAD, EXTCODECOPY and
 * KECCAK256 are also printed apart, as the floor any verifier of this design pays.
 */
import hre from "hardhat";
import { deployAggregator, feedEntry, makeCommittee, observationsAround, signedReport } from "../test/contracts/helpers/committee";

const { ethers } = hre;

interface Step {
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

function breakdown(steps: Step[]): Breakdown {
  const start = steps.findIndex((s) => s.depth === 1 && s.op === "GAS");
  let end = -1;
  for (let i = start + 1; i < steps.length; i++) {
    if (steps[i].depth === 1 && steps[i].op === "GAS" && steps[i + 1]?.op !== "STATICCALL") end = i;
  }
  const stages = new Map<string, number>();
  const floor = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const recovers = steps.filter((s, i) => i > start && i < end && s.depth === 2 && s.op === "STATICCALL").length;
  let stage = "consumer: ABI encoding of the call (PullReportsCall)";
  let seenRecovers = 0;
  for (let i = start; i < end; i++) {
    const s = steps[i];
    if (s.depth === 1) {
      if (s.op === "STATICCALL") {
        const callee = steps.slice(i + 1).findIndex((x) => x.depth === 1);
        const inner = steps.slice(i + 1, i + 1 + callee).reduce((a, x, k) => a + (x.depth === 2 ? spent(steps, i + 1 + k) : 0), 0);
        add(stages, "the call: cold access to the aggregator", spent(steps, i) - inner);
        add(floor, "aggregator account, cold", 2600);
        stage = "aggregator: dispatcher and fallback";
        continue;
      }
      add(stages, seenRecovers > 0 ? "consumer: reading the four words back" : stage, spent(steps, i));
      continue;
    }
    if (s.depth !== 2) continue;
    if (s.op === "SLOAD") stage = "aggregator: argument checks, config slot (cold SLOAD)";
    if (s.op === "EXTCODECOPY" && stage.includes("argument")) stage = "aggregator: config store (cold EXTCODECOPY), report header, EIP-712 digest";
    if (s.op === "STATICCALL") {
      stage = "aggregator: signature loop (3 x ecrecover)";
      seenRecovers += 1;
    }
    if (seenRecovers === recovers && s.op !== "STATICCALL" && stage.startsWith("aggregator: signature") && steps[i - 1]?.op !== "STATICCALL") {
      // after the last recover's result is compared: the entry
      if (s.op === "JUMP") stage = "aggregator: entry, median, the feed's checks, RETURN";
    }
    const g = spent(steps, i);
    add(stages, stage, g);
    if (s.op === "SLOAD") add(floor, "config slot (store address), cold SLOAD", g);
    if (s.op === "EXTCODECOPY") add(floor, "config store account, cold EXTCODECOPY (+ copy)", g);
    if (s.op === "STATICCALL") add(floor, "ecrecover precompile (3,000 + 100 each)", g);
    if (s.op === "KECCAK256") add(floor, "KECCAK256 (report, struct, digest)", g);
  }
  const total = steps[start].gas - steps[end].gas;
  return { total, stages: [...stages], floor: [...floor] };
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
  const measured = Number(await probe.measureVerifySingleCall.staticCall(d.address, r.report, r.signatures));
  const tx = await probe.measureVerifySingleCall(d.address, r.report, r.signatures);
  const receipt = await tx.wait();
  const trace = (await ethers.provider.send("debug_traceTransaction", [receipt!.hash, { disableStorage: true, disableMemory: true, disableStack: true }])) as {
    structLogs: Step[];
  };
  const b = breakdown(trace.structLogs);
  if (json) {
    process.stdout.write(JSON.stringify({ measured, traced: b.total, stages: Object.fromEntries(b.stages), floor: Object.fromEntries(b.floor) }) + "\n");
    return;
  }
  const w = Math.max(...[...b.stages, ...b.floor].map(([k]) => k.length));
  console.log(`verifyReportSingle through PullReportsCall, n = 7, 3 signatures, 7 observations: ${measured} gas (probe), ${b.total} traced`);
  for (const [k, v] of b.stages) console.log(`  ${k.padEnd(w)}  ${String(v).padStart(6)}`);
  console.log("of which fixed costs of this design:");
  for (const [k, v] of b.floor) console.log(`  ${k.padEnd(w)}  ${String(v).padStart(6)}`);
  const fixed = b.floor.reduce((a, [, v]) => a + v, 0);
  console.log(`  ${"sum of fixed costs".padEnd(w)}  ${String(fixed).padStart(6)}`);
  console.log(`  ${"everything else (code)".padEnd(w)}  ${String(b.total - fixed).padStart(6)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench-pull-gas: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
