import { z } from "zod";
import { attackSchema } from "./attacks";
import { acceptingAliases, OUTAGE_KINDS, SIMULATED_SOURCE_IDS } from "./vocabulary";

/**
 * The simulator's control API (under /_sim/), so a simulator started from the CLI can be driven
 * by another process (the demo, an operator): inject attacks, cause outages, read fair prices.
 */
export const CONTROL_PREFIX = "/_sim";

export const outageBody = acceptingAliases(z.strictObject({ venue: z.enum(SIMULATED_SOURCE_IDS), kind: z.enum(OUTAGE_KINDS) }));
export const latencyBody = acceptingAliases(
  z.strictObject({ venue: z.enum(SIMULATED_SOURCE_IDS), ms: z.number().min(0), jitterMs: z.number().min(0).optional() }),
);
export const shiftBody = z.strictObject({ asset: z.string().min(1), factor: z.number().positive() });
/**
 * A stablecoin at `usd` dollars for `steps` model steps (600 = 10 minutes of market time at the
 * default 1 s step), reached and left over `rampSteps` steps (default 0: a jump).
 */
export const depegBody = z.strictObject({
  asset: z.string().min(1),
  usd: z.number().positive().max(10),
  steps: z.int().min(1).max(1_000_000),
  rampSteps: z.int().min(0).max(1_000_000).optional(),
});
export const advanceBody = z.strictObject({ steps: z.number().int().min(0).default(1) });
export const attackBody = attackSchema;

export function issuesText(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
}
