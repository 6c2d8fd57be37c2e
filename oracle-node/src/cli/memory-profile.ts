import { setFlagsFromString } from "node:v8";

/**
 * The node's V8 memory profile: a young generation that stays small and an old generation that
 * is collected before it doubles. Applied once, before the CLI loads its commands.
 *
 * Why (measured under `npm run bench:chaos`, docs/operator-guide.md "Memory"): the live JS heap
 * of a node stays flat under attack, but V8 sizes its heap for throughput. It doubles the young
 * generation (two semi-spaces) from 1 MB each up to 16 MB each (32 MB committed) as soon as
 * allocation is fast, and lets the old generation grow to about twice the live heap before the
 * next full collection. Junk envelopes, oversized bodies and slow connections are exactly that
 * allocation: resident memory climbed by a quarter on a flat live heap. The node's garbage is
 * short-lived (one request, one round), so small semi-spaces cost more scavenges of well under
 * a millisecond each, and an earlier full collection is mostly concurrent marking.
 *
 * How: `--max-semi-space-size` is read once, when V8 sets up the heap, so only node's command
 * line or NODE_OPTIONS can carry it, and the node does not own those when an operator starts it
 * (`npx oracle-node start`, a supervisor, a test harness); a re-exec would put a second process
 * between the supervisor and the node. The two flags below are read by V8 at every growth step,
 * so setting them at run time (`v8.setFlagsFromString`) takes effect without a restart:
 * - `--semi-space-growth-factor=1`: the semi-spaces keep the size they have (1 MB each at start);
 * - `--heap-growing-percent=N`: after a full collection the old generation may grow by N % of
 *   what survived (V8's own factor is up to 4x, 2x in practice here), not more.
 * An operator who passes one of these flags (NODE_OPTIONS or node's command line) keeps their
 * value for it; `ORACLE_NODE_V8_MEMORY=default` leaves V8's own sizing entirely.
 */
export const MEMORY_PROFILE_ENV = "ORACLE_NODE_V8_MEMORY";
/** Old generation growth after a full collection, in % of what survived (V8's default is dynamic, up to 300 %). */
export const HEAP_GROWING_PERCENT = 25;

interface ProfileFlag {
  /** What the node sets. */
  flag: string;
  /** An operator flag that sizes the same thing: when present, the node leaves it alone. */
  operator: RegExp;
}

const PROFILE: ProfileFlag[] = [
  { flag: "--semi-space-growth-factor=1", operator: /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/ },
  { flag: `--heap-growing-percent=${HEAP_GROWING_PERCENT}`, operator: /--heap[-_]growing[-_]percent\b/ },
];

export interface MemoryProfile {
  /** Flags set by the node. */
  applied: string[];
  /** Flags left to the operator's own value, or "all" when the profile is off. */
  operator: string[];
}

/** The flags the node should set, given its environment and node's own arguments (process.execArgv). */
export function memoryProfile(env: NodeJS.ProcessEnv, execArgv: readonly string[]): MemoryProfile {
  if (env[MEMORY_PROFILE_ENV] === "default") return { applied: [], operator: ["all"] };
  const given = [env.NODE_OPTIONS ?? "", ...execArgv].join(" ");
  const out: MemoryProfile = { applied: [], operator: [] };
  for (const p of PROFILE) (p.operator.test(given) ? out.operator : out.applied).push(p.flag);
  return out;
}

let applied: MemoryProfile | null = null;

/** Applies `memoryProfile` to this process once (the CLI's main() and `start` call it); returns what it did. */
export function applyMemoryProfile(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): MemoryProfile {
  if (applied) return applied;
  applied = memoryProfile(env, execArgv);
  for (const f of applied.applied) setFlagsFromString(f);
  return applied;
}
