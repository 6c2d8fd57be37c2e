import type { Scenario } from "./market";

/** A float as plain decimal text with `sig` significant digits (no exponent). */
export function plainDecimal(x: number, sig = 12): string {
  const digits = Math.max(0, Math.min(18, sig - 1 - Math.floor(Math.log10(Math.abs(x) || 1))));
  return x.toFixed(digits);
}

/** Writes a simulated scenario in ../shared/scenarios/FORMAT.md: quotes (with labels) and truth. */
export function scenarioToCsv(sc: Scenario): { quotes: string; truth: string } {
  const q = ["timestamp,source,price,bid,ask,volume,label"];
  const t = ["timestamp,true_price"];
  for (const r of sc.rounds) {
    t.push(`${r.ts},${plainDecimal(r.truth)}`);
    for (const row of r.rows) {
      q.push(`${r.ts},${row.source},${row.price},${row.bid ?? ""},${row.ask ?? ""},${row.volume ?? ""},${row.label}`);
    }
  }
  return { quotes: q.join("\n") + "\n", truth: t.join("\n") + "\n" };
}
