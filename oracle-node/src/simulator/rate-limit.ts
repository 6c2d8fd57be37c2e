import type { RateLimitSpec } from "./venue-profiles";

/**
 * Token-bucket rate limiting per venue, with the ban a venue hands out to a client that keeps
 * hammering after a 429 (Binance answers 418 for it). All clients share one bucket: every
 * request to the simulator comes from 127.0.0.1, as it would from one node's IP.
 */
export type RateDecision = { ok: true } | { ok: false; banned: boolean; retryAfterS: number };

/** Rejected requests while limited before a venue that bans starts answering with a ban. */
export const BAN_AFTER_REJECTIONS = 5;
/** Binance's first IP ban lasts two minutes. */
export const BAN_MS = 120_000;
/** Bybit: "access too frequent", wait at least ten minutes. */
export const BYBIT_BAN_MS = 600_000;

export class TokenBucket {
  private tokens: number;
  private last: number;
  private rejections = 0;
  private bannedUntil = 0;

  constructor(
    readonly spec: RateLimitSpec,
    /** How long a client that ignores the limit is banned, ms; 0 = the venue never bans. */
    private readonly banMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = spec.capacity;
    this.last = now();
  }

  /** Units used in the current window (Binance reports it as X-MBX-USED-WEIGHT-1M). */
  used(): number {
    const t = this.now();
    const tokens = Math.min(this.spec.capacity, this.tokens + ((t - this.last) / 1000) * this.spec.refillPerSec);
    return Math.max(0, Math.round(this.spec.capacity - tokens));
  }

  take(weight = 1): RateDecision {
    const t = this.now();
    if (t < this.bannedUntil) return { ok: false, banned: true, retryAfterS: Math.ceil((this.bannedUntil - t) / 1000) };
    this.tokens = Math.min(this.spec.capacity, this.tokens + ((t - this.last) / 1000) * this.spec.refillPerSec);
    this.last = t;
    if (this.tokens >= weight) {
      this.tokens -= weight;
      this.rejections = 0;
      return { ok: true };
    }
    this.rejections += 1;
    if (this.banMs > 0 && this.rejections > BAN_AFTER_REJECTIONS) {
      this.bannedUntil = t + this.banMs;
      return { ok: false, banned: true, retryAfterS: Math.ceil(this.banMs / 1000) };
    }
    const retryAfterS = Math.max(1, Math.ceil((weight - this.tokens) / this.spec.refillPerSec));
    return { ok: false, banned: false, retryAfterS };
  }
}
