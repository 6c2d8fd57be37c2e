import { RateLimiter } from "./rate-limiter";

/**
 * Who pays for a signature check (issue 13, item 7). A signature recovery costs ~1-2 ms of CPU,
 * so unauthenticated senders must not be able to order unlimited ones, but a throttle keyed by
 * IP lets an outsider behind a peer's NAT get that peer refused. So:
 * - a connection that has carried one correctly signed message from committee member P is
 *   trusted for P: later messages on it claiming P are checked without any budget (a peer's
 *   own traffic is limited by identity, by the per-peer rate limiter);
 * - every other check (new connection, or a claimed sender the connection is not trusted for)
 *   draws one token from its remote IP's budget and one from a global budget, both refunded
 *   when the signature turns out good. An outsider can therefore burn at most `perSecond`
 *   failed checks a second in total, from any number of addresses; once half the global
 *   budget is spent, one address gets at most `perIpPerSecond`, so the new connections of
 *   peers on other addresses still get checked; and it can never make an established peer
 *   connection wait or fail.
 * - a new connection claiming peer P from an address P has authenticated from before (within
 *   KNOWN_PAIR_TTL_MS) draws from the budget of that (address, P) pair instead: a peer behind
 *   the same NAT as an outsider keeps getting its new connections checked unless the outsider
 *   sends more than KNOWN_PAIR_PER_SECOND forged envelopes a second in that peer's name.
 * Cheap checks (shape, recipient, claimed sender in the committee, config digest, freshness,
 * nonce not seen) run before any of this, so most junk never reaches a signature check.
 */
/** Failed signature checks per second the node pays for unknown senders (~15 % of one core). */
export const DEFAULT_UNTRUSTED_CHECKS_PER_SECOND = 100;
export const DEFAULT_UNTRUSTED_CHECKS_BURST = 200;
/** The share of one remote address: a peer's new connection costs one check, then none. */
export const DEFAULT_UNTRUSTED_CHECKS_PER_IP_PER_SECOND = 10;
const PER_IP_BURST = 20;
/** New connections a second a known (address, peer) pair gets checked for, and for how long it is known. */
const KNOWN_PAIR_PER_SECOND = 50;
const KNOWN_PAIR_TTL_MS = 10 * 60_000;
/** Connections one peer may hold trusted at once; more stay untrusted (evictable, capped per IP). */
export const MAX_TRUSTED_PER_PEER = 8;

export type Admission = "trusted" | "known-pair" | "budget" | "throttled";

export class AuthGate {
  private readonly trusted = new WeakMap<object, string>();
  private readonly trustedCount = new Map<string, number>();
  private readonly budget: RateLimiter;
  private readonly perIp: RateLimiter;
  private readonly pairs = new RateLimiter(KNOWN_PAIR_PER_SECOND * 2, KNOWN_PAIR_PER_SECOND);
  private readonly knownPairs = new Map<string, number>(); // "ip|peer" -> last authenticated at
  private readonly refillPerSecond: number;
  private readonly burst: number;

  constructor(
    perSecond = DEFAULT_UNTRUSTED_CHECKS_PER_SECOND,
    burst = DEFAULT_UNTRUSTED_CHECKS_BURST,
    perIpPerSecond = DEFAULT_UNTRUSTED_CHECKS_PER_IP_PER_SECOND,
  ) {
    this.budget = new RateLimiter(burst, perSecond);
    this.perIp = new RateLimiter(Math.max(PER_IP_BURST, perIpPerSecond * 2), perIpPerSecond);
    this.refillPerSecond = perSecond;
    this.burst = burst;
  }

  /** Whether a signature check claimed by `claimed` on connection `conn` from `ip` may run, and on whose account. */
  admit(conn: object | undefined, claimed: string, ip = "?"): Admission {
    const who = claimed.toLowerCase();
    if (conn && this.trusted.get(conn) === who) return "trusted";
    const pair = ip + "|" + who;
    const known = this.knownPairs.get(pair);
    if (known !== undefined && Date.now() - known < KNOWN_PAIR_TTL_MS && this.pairs.take(pair)) return "known-pair";
    // Per-address shares only apply once the global budget is half spent (under attack): a
    // committee on one host or behind one NAT opening its connections is never throttled by them.
    const underPressure = this.budget.level("untrusted") < this.burst / 2;
    if (!this.perIp.take(ip) && underPressure) return "throttled";
    if (this.budget.take("untrusted")) return "budget";
    this.perIp.refund(ip);
    return "throttled";
  }

  /** The signature checked out: the connection is now trusted for that peer, and the tokens are refunded. */
  succeeded(conn: object | undefined, peer: string, admission: Admission, ip = "?"): void {
    if (conn) this.trust(conn, peer.toLowerCase());
    if (this.knownPairs.size > 10_000) this.knownPairs.clear(); // bounded: only authenticated pairs get here
    this.knownPairs.set(ip + "|" + peer.toLowerCase(), Date.now());
    if (admission === "known-pair") this.pairs.refund(ip + "|" + peer.toLowerCase());
    if (admission === "budget") {
      this.budget.refund("untrusted");
      this.perIp.refund(ip);
    }
  }

  /** A bad signature on a trusted connection: trust is withdrawn (something on that host lies). */
  failed(conn: object | undefined, admission: Admission): void {
    if (conn && admission === "trusted") this.untrust(conn);
  }

  private trust(conn: object, peer: string): void {
    if (this.trusted.has(conn)) return;
    const n = this.trustedCount.get(peer) ?? 0;
    if (n >= MAX_TRUSTED_PER_PEER) return; // a member opening connections by the hundred gets no more protected slots
    this.trusted.set(conn, peer);
    this.trustedCount.set(peer, n + 1);
    const socket = conn as { once?: (event: string, fn: () => void) => unknown };
    socket.once?.("close", () => this.untrust(conn));
  }

  private untrust(conn: object): void {
    const peer = this.trusted.get(conn);
    if (peer === undefined) return;
    this.trusted.delete(conn);
    const n = (this.trustedCount.get(peer) ?? 1) - 1;
    if (n <= 0) this.trustedCount.delete(peer);
    else this.trustedCount.set(peer, n);
  }

  isTrusted(conn: object): boolean {
    return this.trusted.has(conn);
  }

  get perSecond(): number {
    return this.refillPerSecond;
  }
}
