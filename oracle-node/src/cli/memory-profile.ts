import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/**
 * The node's V8 memory profile: a young generation capped at YOUNG_GEN_CAP_MB and an old
 * generation collected before it doubles. Applied once, before the CLI loads its commands.
 *
 * Why (docs/operator-guide.md, "Memory"): the live JS heap of a node stays flat under attack, but
 * V8 sizes its heap for throughput. It doubles the young generation (two semi-spaces) from 1 MB
 * each up to 16 MB each (32 MB committed) as soon as allocation is fast, and lets the old
 * generation grow to about twice the live heap before the next full collection. Junk envelopes,
 * oversized bodies and slow connections are exactly that allocation: under `npm run bench:chaos`
 * the resident memory of a node climbed by up to a quarter on a flat live heap.
 *
 * How: `--max-semi-space-size` is read once, when V8 sets up the heap, so only node's command
 * line or NODE_OPTIONS can carry it, and the node does not own those when an operator starts it
 * (`npx oracle-node start`, a supervisor, a test harness); a re-exec would put a second process
 * between the supervisor and the node. Two flags V8 reads at every growth step do the same at
 * run time (`v8.setFlagsFromString`):
 * - `--semi-space-growth-factor`: 2 (V8's default) while the young generation is under the cap,
 *   1 (keep the size it has) from the moment it reaches it; a timer checks every
 *   YOUNG_GEN_CHECK_MS. Not pinned at V8's initial 1 MB: with semi-spaces that small a node
 *   under the chaos bench ran ~15x more scavenges and spent several times longer in them.
 * - `--heap-growing-percent=N`: after a full collection the old generation may grow by N % of
 *   what survived (V8's own factor is dynamic, up to 4x), not more.
 * An operator who passes one of these flags (NODE_OPTIONS or node's command line) keeps their
 * value for it; `ORACLE_NODE_V8_MEMORY=default` leaves V8's own sizing entirely.
 */
export const MEMORY_PROFILE_ENV = "ORACLE_NODE_V8_MEMORY";
/** Old generation growth after a full collection, in % of what survived. */
export const HEAP_GROWING_PERCENT = 25;
/** Young generation cap, MB committed (both semi-spaces): 4 MB each, a quarter of V8's 64-bit maximum. */
export const YOUNG_GEN_CAP_MB = 8;
/**
 * How often the young generation's size is checked against the cap. Growth happens at scavenges,
 * which a burst of allocation runs faster than this: it may take the young generation one
 * doubling past the cap (16 MB) before the check stops it; under the chaos bench it stayed at 8 MB.
 */
const YOUNG_GEN_CHECK_MS = 20;

const YOUNG_GEN_OPERATOR = /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/;
const OLD_GEN_OPERATOR = /--heap[-_]growing[-_]percent\b/;

export interface MemoryProfile {
  /** The young generation is capped by the node (false: the operator's flags or V8's default). */
  youngGenCapMb: number | null;
  /** Flags set once by the node. */
  applied: string[];
  /** What the node left to the operator's own flags ("young-generation", "old-generation"), or "all" when the profile is off. */
  operator: string[];
}

/** What the node should do, given its environment and node's own arguments (process.execArgv). */
export function memoryProfile(env: NodeJS.ProcessEnv, execArgv: readonly string[]): MemoryProfile {
  if (env[MEMORY_PROFILE_ENV] === "default") return { youngGenCapMb: null, applied: [], operator: ["all"] };
  const given = [env.NODE_OPTIONS ?? "", ...execArgv].join(" ");
  const out: MemoryProfile = { youngGenCapMb: YOUNG_GEN_CAP_MB, applied: [], operator: [] };
  if (YOUNG_GEN_OPERATOR.test(given)) {
    out.youngGenCapMb = null;
    out.operator.push("young-generation");
  }
  if (OLD_GEN_OPERATOR.test(given)) out.operator.push("old-generation");
  else out.applied.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return out;
}

/** Committed bytes of the young generation (both semi-spaces). */
function youngGenBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Keeps the young generation under `capMb`: growth allowed below it, stopped at it. Starts with
 * growth stopped: the first check runs only once the synchronous start-up (loading every module)
 * is over, and V8 would otherwise double the semi-spaces to their maximum during it. The timer
 * never keeps the process alive.
 */
export function capYoungGeneration(capMb: number, everyMs = YOUNG_GEN_CHECK_MS): () => void {
  let factor = 1;
  setFlagsFromString("--semi-space-growth-factor=1");
  const check = () => {
    const want = youngGenBytes() >= capMb * 1024 * 1024 ? 1 : 2;
    if (want !== factor) setFlagsFromString(`--semi-space-growth-factor=${(factor = want)}`);
  };
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

let applied: MemoryProfile | null = null;

/** Applies `memoryProfile` to this process once (the CLI's main() and `start` call it); returns what it did. */
export function applyMemoryProfile(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): MemoryProfile {
  if (applied) return applied;
  applied = memoryProfile(env, execArgv);
  for (const f of applied.applied) setFlagsFromString(f);
  if (applied.youngGenCapMb !== null) capYoungGeneration(applied.youngGenCapMb);
  return applied;
}
