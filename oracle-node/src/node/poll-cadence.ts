/**
 * A feed's `pollIntervalMs` as a schedule aligned to the wall clock: the node polls at the
 * instants that are whole multiples of the interval (every 5 s means :00, :05, :10 ...), so
 * every node of a committee with synchronised clocks looks at its venues at the same moments.
 * That only works when the interval divides the next larger unit evenly (a second, a minute,
 * an hour, a day); any other interval is a config error that names the nearest valid values,
 * never a silent rounding. Whole seconds and above become a node-cron expression (six fields,
 * seconds first); intervals under a second are below cron's resolution and run on a timer
 * with the same alignment.
 */
export type PollCadence = { kind: "cron"; intervalMs: number; expression: string } | { kind: "timer"; intervalMs: number };

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Below this a poll would hammer the venues (the config schema's floor too). */
export const MIN_POLL_INTERVAL_MS = 100;

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/** Every interval that aligns to the clock, ascending (100 ms ... 24 h). */
export const VALID_POLL_INTERVALS_MS: readonly number[] = [
  ...divisors(SECOND_MS).filter((d) => d >= MIN_POLL_INTERVAL_MS && d < SECOND_MS),
  ...divisors(60)
    .filter((d) => d < 60)
    .map((s) => s * SECOND_MS),
  ...divisors(60)
    .filter((d) => d < 60)
    .map((m) => m * MINUTE_MS),
  ...divisors(24).map((h) => h * HOUR_MS),
];

/** Why this interval cannot be scheduled, naming the nearest valid values; null when it can. */
export function pollIntervalProblem(ms: number): string | null {
  if (!Number.isInteger(ms) || ms < MIN_POLL_INTERVAL_MS || ms > DAY_MS) {
    return `pollIntervalMs must be a whole number of milliseconds from ${MIN_POLL_INTERVAL_MS} to ${DAY_MS}, got ${ms}`;
  }
  if (VALID_POLL_INTERVALS_MS.includes(ms)) return null;
  const below = [...VALID_POLL_INTERVALS_MS].reverse().find((v) => v < ms);
  const above = VALID_POLL_INTERVALS_MS.find((v) => v > ms);
  const unit = ms < SECOND_MS ? "a second" : ms < MINUTE_MS ? "a minute" : ms < HOUR_MS ? "an hour" : "a day";
  const near = [below, above].filter((v) => v !== undefined).join(" or ");
  return `pollIntervalMs ${ms} does not divide ${unit} evenly, so polls could not stay aligned to the clock: use ${near}`;
}

/** The schedule for one interval; throws the `pollIntervalProblem` message when there is none. */
export function pollCadence(ms: number): PollCadence {
  const problem = pollIntervalProblem(ms);
  if (problem) throw new Error(problem);
  if (ms < SECOND_MS) return { kind: "timer", intervalMs: ms };
  const step = (n: number) => (n === 1 ? "*" : `*/${n}`);
  // node-cron fields: second minute hour day-of-month month day-of-week
  if (ms < MINUTE_MS) return { kind: "cron", intervalMs: ms, expression: `${step(ms / SECOND_MS)} * * * * *` };
  if (ms < HOUR_MS) return { kind: "cron", intervalMs: ms, expression: `0 ${step(ms / MINUTE_MS)} * * * *` };
  if (ms < DAY_MS) return { kind: "cron", intervalMs: ms, expression: `0 0 ${step(ms / HOUR_MS)} * * *` };
  return { kind: "cron", intervalMs: ms, expression: "0 0 0 * * *" };
}
