import { Command, Option } from "commander";
import { startDemo, type DemoHandle } from "./demo/run";
import { CLEAR_SCREEN, renderView } from "./demo/view";
import { summaryLine } from "./demo/summary";
import { positiveInt } from "../oracle-node/src/cli/option-parsers";

/**
 * `npm run demo`: the whole network on this machine, watched live in the terminal and in the
 * dashboard. `npm run demo -- --headless --rounds N` runs the same, exits 0 after N on-chain
 * rounds for every feed (the attacks included) and prints one JSON summary line on stdout.
 */

/** The headless run must finish well inside the 3 minutes the product promises. */
const DEFAULT_HEADLESS_TIMEOUT_S = 170;
/** Terminal view refresh. */
const REDRAW_MS = 1_000;
/** Without a TTY (piped output) a compact status line this often instead of a redrawn table. */
const PLAIN_STATUS_MS = 10_000;

interface Args {
  headless?: boolean;
  rounds: number;
  seed: number;
  calmSeconds: number;
  timeoutSeconds: number;
  keep?: boolean;
  filter: "onnx" | "mad" | "none";
  chains: "1" | "2";
}

const program = new Command()
  .name("npm run demo --")
  .description("a local oracle network: chain, contracts, venue simulator, 4 nodes, attacks; live view and dashboard")
  .option("--headless", "no live view: exit 0 after --rounds on-chain rounds per feed, print one JSON summary line")
  .option("--rounds <n>", "on-chain rounds every feed must reach (headless)", positiveInt, 3)
  .option("--seed <n>", "price model seed", positiveInt, 42)
  .option("--calm-seconds <n>", "seconds of calm market before the attacks", positiveInt, 15)
  .option("--timeout-seconds <n>", "headless: give up (exit 1) after this long", positiveInt, DEFAULT_HEADLESS_TIMEOUT_S)
  .addOption(new Option("--filter <kind>", "the nodes' quote filter: the anomaly model or a baseline").choices(["onnx", "mad", "none"]).default("onnx"))
  .addOption(new Option("--chains <n>", "local chains the same nodes serve (2: a second Hardhat chain, id 31338)").choices(["1", "2"]).default("1"))
  .option("--keep", "keep the temp dir with configs, keys, logs and databases")
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.code === "commander.helpDisplayed" || err.code === "commander.help" ? 0 : 2));

const err = (line: string) => process.stderr.write(`${line}\n`);

/** Stops the demo once, from a signal, a crash, the end of a headless run or a timeout, and exits. */
interface StopControl {
  stopping: boolean;
  timer: NodeJS.Timeout | undefined;
  stop(code: number): Promise<void>;
}

function stopControl(demo: DemoHandle, args: Args): StopControl {
  const ctl: StopControl = {
    stopping: false,
    timer: undefined,
    stop: async (code) => {
      if (ctl.stopping) return;
      ctl.stopping = true;
      clearInterval(ctl.timer);
      await demo.stop(args.keep || code !== 0).catch((e: Error) => err(`demo: stop: ${e.message}`));
      if (args.keep || code !== 0) err(`configs, keys, logs and databases kept in ${demo.workDir}`);
      process.exit(code);
    },
  };
  process.on("SIGINT", () => {
    if (!args.headless) process.stdout.write("\nstopping nodes, simulator and chain ...\n");
    void ctl.stop(0);
  });
  process.on("SIGTERM", () => void ctl.stop(0));
  return ctl;
}

let roundsAtAttack: number[] | null = null;

/** One headless check: crashed nodes or the deadline fail the run; N rounds per feed, one under attack, end it. */
async function headlessTick(demo: DemoHandle, args: Args, ctl: StopControl, started: number, print: (line: string) => void): Promise<void> {
  if (ctl.stopping) return;
  const crashed = demo.crashed();
  if (crashed.length > 0) {
    err(`demo: node(s) crashed: ${crashed.map((c) => `${c.name} (${c.code ?? c.signal})`).join(", ")}`);
    return ctl.stop(1);
  }
  const chains = await demo.chains();
  const prog = chains.flatMap((c) => c.feeds);
  const attacked = demo.attackedAt() !== null;
  // Each feed's round count when this loop first saw the attack: a later round landed under attack.
  // (Round counts, not block times: automined blocks in a busy second run ahead of the wall clock.)
  if (attacked && roundsAtAttack === null) roundsAtAttack = prog.map((p) => p.rounds);
  const before = roundsAtAttack;
  // Done: N rounds everywhere (every chain) and, for every feed, a round that landed under attack.
  const done = before !== null && prog.every((p, k) => p.rounds >= args.rounds && p.rounds > before[k]);
  if (done) {
    const perChain = chains.map((c) => ({ chainId: c.chainId, feeds: c.feeds.map((p) => ({ id: p.feed.id, rounds: p.rounds, answer: p.answer ?? "" })) }));
    print(`${summaryLine(await demo.summary(), perChain, await demo.sla())}\n`);
    err(`demo: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ctl.stop(0);
  }
  if (Date.now() > started + args.timeoutSeconds * 1000) {
    err(`demo: timed out after ${args.timeoutSeconds} s: ${prog.map((p) => `${p.feed.id} ${p.rounds} round(s)`).join(", ")}`);
    return ctl.stop(1);
  }
}

/** The live terminal view: a redrawn table on a TTY, a status block every PLAIN_STATUS_MS otherwise. */
function liveView(demo: DemoHandle, ctl: StopControl): NodeJS.Timeout {
  const header = () => ({
    title: "AI oracle network — local demo",
    lines: [
      `chain ${demo.chainUrl} · venue simulator ${demo.simulatorUrl} · ${demo.dashboards.length} nodes`,
      `dashboard: ${demo.dashboards[0]}   (other nodes: ${demo.dashboards.slice(1).join(" ")})`,
      demo.attacked() ? "market: UNDER ATTACK (see events)" : "market: calm (attacks start after the calm period)",
    ],
    events: demo.events,
  });
  let lastPlain = 0;
  return setInterval(() => {
    void (async () => {
      if (ctl.stopping) return;
      const rows = await demo.rows();
      if (process.stdout.isTTY) {
        process.stdout.write(CLEAR_SCREEN + renderView(header(), rows, Date.now(), process.stdout.columns || 120));
      } else if (Date.now() - lastPlain >= PLAIN_STATUS_MS) {
        lastPlain = Date.now();
        process.stdout.write(renderView(header(), rows, Date.now(), 160) + "\n");
      }
    })().catch((e: Error) => err(`demo: ${e.message}`));
  }, REDRAW_MS);
}

async function main(): Promise<void> {
  const args = program.parse(process.argv).opts<Args>();
  const started = Date.now();
  // Hardhat prints compile results on stdout; in headless mode stdout carries only the summary.
  const realWrite = process.stdout.write.bind(process.stdout);
  if (args.headless)
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);

  let demo: DemoHandle;
  try {
    demo = await startDemo({
      seed: args.seed,
      calmMs: args.calmSeconds * 1000,
      filter: args.filter,
      log: args.headless ? err : (l) => process.stdout.write(`${l}\n`),
      keep: args.keep,
      chains: args.chains === "2" ? 2 : 1,
    });
  } catch (e) {
    err(`demo: ${(e as Error).message}`);
    process.exit(1);
  }
  const ctl = stopControl(demo, args);
  if (!args.headless) {
    ctl.timer = liveView(demo, ctl);
    return;
  }
  err(`dashboard: ${demo.dashboards[0]}`);
  ctl.timer = setInterval(() => {
    headlessTick(demo, args, ctl, started, (line) => realWrite(line)).catch((e: Error) => err(`demo: ${e.message}`));
  }, REDRAW_MS);
}

void main();
