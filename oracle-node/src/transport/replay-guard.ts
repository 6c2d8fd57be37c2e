/**
 * Rejects a message seen before, or sent outside the freshness window. Nonces are remembered
 * for the window's length, so memory stays bounded: anything older is rejected as stale.
 */
export const DEFAULT_MAX_MESSAGE_AGE_MS = 30_000; // wider than any round; clocks of honest peers agree to a few seconds
/** A message from the future by more than this is refused (a skewed or lying clock). */
export const MAX_CLOCK_SKEW_MS = 10_000;

export type ReplayVerdict = "fresh" | "replayed" | "stale" | "future";

export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly maxAgeMs = DEFAULT_MAX_MESSAGE_AGE_MS) {}

  check(from: string, nonce: string, sentAt: number, now = Date.now()): ReplayVerdict {
    if (sentAt < now - this.maxAgeMs) return "stale";
    if (sentAt > now + MAX_CLOCK_SKEW_MS) return "future";
    this.sweep(now);
    const key = from.toLowerCase() + ":" + nonce;
    if (this.seen.has(key)) return "replayed";
    this.seen.set(key, sentAt);
    return "fresh";
  }

  size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 1_000) return;
    this.lastSweep = now;
    const limit = now - this.maxAgeMs - MAX_CLOCK_SKEW_MS;
    for (const [k, t] of this.seen) if (t < limit) this.seen.delete(k);
  }
}
