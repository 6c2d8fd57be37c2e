import { RateLimiter } from "./rate-limiter";

/**
 * Who pays for a signature check (issue 13, item 7). A signature recovery costs ~1-2 ms of CPU,
 * so unauthenticated senders must not be able to order unlimited ones, but a throttle keyed by
 * IP lets an outsider behind a peer's NAT get that peer refused. So:
 * - a connection that has carried one correctly signed message from committee member P is
 *   trusted for P: later messages on it claiming P are checked without any budget (a peer's
 *   own traffic is limited by identity, by the per-peer rate limiter);
 * - every other check (new connection, or a claimed sender the connection is not trusted for)
 *   draws one token from a single global budget, refunded when the signature turns out good.
 *   An outsider can therefore burn at most `perSecond` failed checks a second in total, from
 *   any number of addresses, and can never make an established peer connection wait or fail.
 * Cheap checks (shape, recipient, claimed sender in the committee, config digest, freshness,
 * nonce not seen) run before any of this, so most junk never reaches a signature check.
 */
/** Failed signature checks per second the node pays for unknown senders (~15 % of one core). */
export const DEFAULT_UNTRUSTED_CHECKS_PER_SECOND = 100;
export const DEFAULT_UNTRUSTED_CHECKS_BURST = 200;

export type Admission = "trusted" | "budget" | "throttled";

export class AuthGate {
  private readonly trusted = new WeakMap<object, string>();
  private readonly budget: RateLimiter;
  private readonly refillPerSecond: number;

  constructor(perSecond = DEFAULT_UNTRUSTED_CHECKS_PER_SECOND, burst = DEFAULT_UNTRUSTED_CHECKS_BURST) {
    this.budget = new RateLimiter(burst, perSecond);
    this.refillPerSecond = perSecond;
  }

  /** Whether a signature check claimed by `claimed` on connection `conn` may run, and on whose account. */
  admit(conn: object | undefined, claimed: string): Admission {
    if (conn && this.trusted.get(conn) === claimed.toLowerCase()) return "trusted";
    return this.budget.take("untrusted") ? "budget" : "throttled";
  }

  /** The signature checked out: the connection is now trusted for that peer, and the token is refunded. */
  succeeded(conn: object | undefined, peer: string, admission: Admission): void {
    if (conn) this.trusted.set(conn, peer.toLowerCase());
    if (admission === "budget") this.budget.refund("untrusted");
  }

  /** A bad signature on a trusted connection: trust is withdrawn (something on that host lies). */
  failed(conn: object | undefined, admission: Admission): void {
    if (conn && admission === "trusted") this.trusted.delete(conn);
  }

  isTrusted(conn: object): boolean {
    return this.trusted.has(conn);
  }

  get perSecond(): number {
    return this.refillPerSecond;
  }
}
