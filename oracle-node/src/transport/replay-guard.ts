/**
 * Rejects a message seen before, or sent outside the freshness window. Nonces are remembered
 * for the window's length, so memory stays bounded: anything older is rejected as stale.
 *
 * With a `ReplayStore` (the node's SQLite file, store/nonce-log.ts) every accepted nonce is also
 * written to disk before the message is handled, so an envelope captured before a restart (or a
 * kill -9) is still refused as replayed after it, for as long as it is fresh (issue 13, item 12).
 */
export const DEFAULT_MAX_MESSAGE_AGE_MS = 30_000; // wider than any round; clocks of honest peers agree to a few seconds
/** A message from the future by more than this is refused (a skewed or lying clock). */
export const MAX_CLOCK_SKEW_MS = 10_000;

export type ReplayVerdict = "fresh" | "replayed" | "stale" | "future";

/** Durable memory of accepted nonces. `remember` is false when the key was already there. */
export interface ReplayStore {
  remember(key: string, sentAt: number): boolean;
  has(key: string): boolean;
  /** Forgets every key whose message was sent before `sentBefore`. */
  prune(sentBefore: number): void;
}

export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly maxAgeMs = DEFAULT_MAX_MESSAGE_AGE_MS,
    private readonly store?: ReplayStore,
  ) {}

  /** Checks and, when fresh, records the nonce. */
  check(from: string, nonce: string, sentAt: number, now = Date.now()): ReplayVerdict {
    const verdict = this.peek(from, nonce, sentAt, now);
    return verdict === "fresh" ? this.record(from, nonce, sentAt, now) : verdict;
  }

  /** The verdict without recording anything: for the cheap checks before a signature is verified. */
  peek(from: string, nonce: string, sentAt: number, now = Date.now()): ReplayVerdict {
    if (sentAt < now - this.maxAgeMs) return "stale";
    if (sentAt > now + MAX_CLOCK_SKEW_MS) return "future";
    const key = from.toLowerCase() + ":" + nonce;
    if (this.seen.has(key) || this.store?.has(key)) return "replayed";
    return "fresh";
  }

  /** Records an authenticated message's nonce (durably when there is a store); "replayed" if it raced. */
  record(from: string, nonce: string, sentAt: number, now = Date.now()): ReplayVerdict {
    this.sweep(now);
    const key = from.toLowerCase() + ":" + nonce;
    if (this.seen.has(key)) return "replayed";
    if (this.store && !this.store.remember(key, sentAt)) return "replayed";
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
    this.store?.prune(limit);
  }
}
