import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Limits for a listening port that anyone on the network can reach (issue 13, item 6): every
 * phase of a request has a deadline, and connections are capped per remote IP and in total, so
 * an outsider holding thousands of trickling connections can neither exhaust the process's file
 * descriptors (the common default is 1,024) nor keep a real request from being served.
 *
 * At a cap, a connection is closed to make room for the new one: at the per-IP cap the oldest
 * untrusted one of that IP, at the total cap the oldest untrusted one of the IP holding the most
 * connections (trusted: it carried an authenticated peer message; the API port trusts none). A
 * held slot is therefore worth little to an attacker: its own connections are the ones evicted,
 * a fresh request from an operator or a peer on another address always gets a socket, and an
 * authenticated peer connection is never evicted.
 */
export interface ServerLimits {
  /** The whole request line and headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (slow body). */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request in flight is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no bytes moving either way is closed after this (a stalled reader or writer). */
  idleTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

/** The peer port: messages are small and peers are fast; a round is ~1 s. */
export const PEER_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  // A peer's connection, once authenticated, is trusted (auth-gate.ts): keep it for a minute. The
  // server announces this (Keep-Alive: timeout=60) and the sender's fetch keeps the socket that long.
  keepAliveTimeoutMs: 60_000,
  idleTimeoutMs: 65_000,
  maxConnections: 256, // a 31-member committee needs ~60; leaves most of 1,024 fds for RPC and sources
  maxConnectionsPerIp: 32,
};

/** The operator's API port (health, metrics, dashboard): tiny GETs. */
export const API_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 15_000,
  maxConnections: 128,
  maxConnectionsPerIp: 16,
};

/**
 * Pending connections the kernel queues before the process accepts them (node's default is 511).
 * A flood of connection attempts fills a short queue, and a real client's SYN dropped there is
 * only retried after 1 s, then 3 s: a long queue keeps an operator's request within a second.
 */
export const LISTEN_BACKLOG = 4_096;

/** How often node checks the header and request deadlines (its default is every 30 s). */
const DEADLINE_CHECK_INTERVAL_MS = 250;

/** Fastify constructor options that set the per-phase timeouts of `limits`. */
export function fastifyTimeouts(limits: ServerLimits) {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS },
  };
}

export interface ConnectionStats {
  open: number;
  /** Connections closed to make room for a newcomer. */
  evicted: number;
  /** Connections closed as soon as accepted (over a cap, nothing evictable). */
  refused: number;
}

/** A connection younger than this is not evicted for a newcomer from its own IP (bounds churn). */
const EVICTION_GRACE_MS = 1_000;

/**
 * Caps connections on `server` per IP and in total. Call before `listen`. Returns live counters.
 * At the per-IP cap (untrusted connections) the newcomer replaces its own IP's oldest untrusted connection if that one is
 * older than EVICTION_GRACE_MS, else it is refused. At the total cap a newcomer from an IP that
 * holds less than half of the biggest IP's share replaces that IP's oldest untrusted connection;
 * a newcomer from a big IP only replaces its own (same grace rule). A refused connection is
 * closed before node's HTTP machinery sees it, so a reconnecting flood costs an accept and a
 * close per attempt, and never turns into a storm of evictions.
 */
export function capConnections(server: Server, limits: ServerLimits, isTrusted: (socket: Socket) => boolean = () => false): ConnectionStats {
  const all = new Map<Socket, number>(); // socket -> accepted at; insertion order = age
  const byIp = new Map<string, Set<Socket>>();
  const stats: ConnectionStats = { open: 0, evicted: 0, refused: 0 };
  const forget = (s: Socket) => {
    if (!all.delete(s)) return;
    const ip = s.remoteAddress ?? "?";
    const set = byIp.get(ip);
    set?.delete(s);
    if (set && set.size === 0) byIp.delete(ip);
    stats.open = all.size;
  };
  /** Evicts the oldest untrusted socket of `pool` (accepted before `before`); false when there is none. */
  const evictOldest = (pool: Set<Socket>, before: number): boolean => {
    for (const s of pool) {
      if ((all.get(s) ?? 0) >= before) return false; // the rest are younger still
      if (isTrusted(s)) continue;
      stats.evicted += 1;
      forget(s);
      s.destroy();
      return true;
    }
    return false;
  };
  const untrustedIn = (pool: Set<Socket>): number => {
    let n = 0;
    for (const s of pool) if (!isTrusted(s)) n += 1;
    return n;
  };
  const biggestPool = (): Set<Socket> | undefined => {
    let best: Set<Socket> | undefined;
    for (const pool of byIp.values()) if (!best || pool.size > best.size) best = pool;
    return best;
  };
  const admit = (socket: Socket): boolean => {
    const now = Date.now();
    const mine = byIp.get(socket.remoteAddress ?? "?");
    const mineSize = mine?.size ?? 0;
    // The per-IP cap counts untrusted connections only: the members of a committee on one host (or
    // behind one NAT) each keep their authenticated connections (auth-gate.ts caps those per peer).
    if (mine && untrustedIn(mine) >= limits.maxConnectionsPerIp && !evictOldest(mine, now - EVICTION_GRACE_MS)) return false;
    if (all.size < limits.maxConnections) return true;
    const big = biggestPool();
    if (big && big !== mine && mineSize < big.size / 2 && evictOldest(big, Infinity)) return true;
    return mine !== undefined && evictOldest(mine, now - EVICTION_GRACE_MS);
  };
  // Node's HTTP server handles a connection in its own "connection" listener: run ours first, and
  // hand it only the admitted ones (a refused socket never gets an HTTP parser).
  const httpListeners = server.listeners("connection") as Array<(s: Socket) => void>;
  server.removeAllListeners("connection");
  server.on("connection", (socket: Socket) => {
    if (!admit(socket)) {
      stats.refused += 1;
      socket.destroy();
      return;
    }
    const ip = socket.remoteAddress ?? "?";
    const mine = byIp.get(ip) ?? new Set<Socket>();
    all.set(socket, Date.now());
    mine.add(socket);
    byIp.set(ip, mine);
    stats.open = all.size;
    socket.once("close", () => forget(socket));
    for (const l of httpListeners) l.call(server, socket);
  });
  return stats;
}
