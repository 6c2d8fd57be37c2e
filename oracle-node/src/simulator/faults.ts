import type { OutageKind } from "./vocabulary";

/**
 * Per-venue transport faults: an outage kind and added latency. An outage is how a venue's
 * whole API misbehaves (5xx, reset connections, requests that never get an answer); attacks
 * (attacks.ts) are what it says when it does answer. The outage kinds are in vocabulary.ts.
 */

/** A flaky venue fails this share of requests with a 503 ... */
export const FLAKY_5XX_SHARE = 0.3;
/** ... and resets this share of connections; the rest are answered normally. */
export const FLAKY_RESET_SHARE = 0.1;

/** What a venue's outage does to one request. */
export function outageFor(kind: OutageKind, rand: () => number = Math.random): Exclude<OutageKind, "flaky"> {
  if (kind !== "flaky") return kind;
  const x = rand();
  if (x < FLAKY_5XX_SHARE) return "5xx";
  if (x < FLAKY_5XX_SHARE + FLAKY_RESET_SHARE) return "reset";
  return "none";
}

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
