import type { RateLimitSpec } from "../venue-spec";
import { sleep } from "./sleep";

/** Why the limiter refused: the venue told us to back off, or our own bucket is empty. */
export class RateLimitedLocally extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = "RateLimitedLocally";
  }
}

/**
 * A token bucket per source, sized from the venue's documented limit, plus a back-off window
 * opened by the venue's own 429/418 answers (Retry-After). `take` waits for tokens only while
 * the wait fits in the caller's budget; otherwise it fails fast, so a round is never held up by
 * one throttled venue.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;

  constructor(
    readonly spec: Pick<RateLimitSpec, "capacity" | "refillPerSec">,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(spec.capacity > 0) || !(spec.refillPerSec > 0)) {
      throw new Error(`rate limit needs capacity > 0 and refillPerSec > 0, got ${JSON.stringify(spec)}`);
    }
    this.tokens = spec.capacity;
    this.updatedAt = clock();
  }

  /** Milliseconds left in the back-off window a venue imposed (0 when none). */
  backoffRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.clock());
  }

  /** Tokens available right now (after refill). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** The venue said "slow down": stop sending until `ms` from now and drain the bucket. */
  backOff(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + Math.max(0, ms));
    this.tokens = 0;
    this.updatedAt = this.clock();
  }

  /**
   * Takes `cost` tokens, waiting up to `maxWaitMs` for them. Throws RateLimitedLocally when the
   * venue's back-off window is open or the wait would exceed `maxWaitMs`.
   */
  async take(cost = 1, maxWaitMs = 0, signal?: AbortSignal): Promise<void> {
    const paused = this.backoffRemainingMs();
    if (paused > 0) throw new RateLimitedLocally(`backing off for ${paused} ms after the venue's rate-limit answer`, paused);
    const need = Math.min(cost, this.spec.capacity);
    this.refill();
    if (this.tokens >= need) {
      this.tokens -= need;
      return;
    }
    const waitMs = Math.ceil(((need - this.tokens) / this.spec.refillPerSec) * 1000);
    if (waitMs > maxWaitMs) {
      throw new RateLimitedLocally(`local rate limit: next slot in ${waitMs} ms`, waitMs);
    }
    // Reserve now (tokens may go negative) so concurrent callers queue behind us fairly.
    this.tokens -= need;
    try {
      await sleep(waitMs, signal);
    } catch (err) {
      this.tokens += need; // aborted: give the reservation back
      throw err;
    }
  }

  private refill(): void {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.spec.capacity, this.tokens + elapsed * this.spec.refillPerSec);
    this.updatedAt = now;
  }
}
