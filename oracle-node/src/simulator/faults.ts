/**
 * Per-venue transport faults: an outage kind and added latency. An outage is how a venue's
 * whole API misbehaves (5xx, reset connections, requests that never get an answer); attacks
 * (attacks.ts) are what it says when it does answer.
 */
export const OUTAGE_KINDS = ["none", "5xx", "reset", "hang"] as const;
export type OutageKind = (typeof OUTAGE_KINDS)[number];

export interface VenueFaults {
  outage: OutageKind;
  /** Added before every answer, ms. */
  latencyMs: number;
  /** Uniform extra 0..jitterMs on top of latencyMs. */
  jitterMs: number;
}

export function noFaults(latencyMs = 0): VenueFaults {
  return { outage: "none", latencyMs, jitterMs: 0 };
}

/** The delay for one answer. */
export function delayFor(f: VenueFaults, rand: () => number = Math.random): number {
  return f.latencyMs + (f.jitterMs > 0 ? rand() * f.jitterMs : 0);
}
