import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Limits for a listening port that anyone on the network can reach (issue 13, item 6): every
 * phase of a request has a deadline, and connections are capped per remote IP and in total, so
 * an outsider holding thousands of trickling connections can neither exhaust the process's file
 * descriptors (the common default is 1,024) nor keep a real request from being served.
 *
 * At a cap, the OLDEST connection that is not trusted is closed to make room for the new one
 * (trusted: it carried an authenticated peer message; the API port trusts none). A held slot is
 * therefore worth nothing to an attacker: a fresh request from an operator or a peer always gets
 * a socket, and an authenticated peer connection is never the one evicted.
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
  keepAliveTimeoutMs: 10_000, // longer than a peer's gap between rounds, so its trusted socket stays
  idleTimeoutMs: 15_000,
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
  evicted: number;
}

/**
 * Caps connections on `server` per IP and in total, evicting the oldest untrusted one at a cap.
 * Call before `listen`. Returns live counters.
 */
export function capConnections(server: Server, limits: ServerLimits, isTrusted: (socket: Socket) => boolean = () => false): ConnectionStats {
  const all = new Set<Socket>(); // insertion order = age
  const byIp = new Map<string, Set<Socket>>();
  const stats: ConnectionStats = { open: 0, evicted: 0 };
  const evictOldest = (pool: Set<Socket>, except: Socket): boolean => {
    for (const s of pool) {
      if (s === except || isTrusted(s)) continue;
      stats.evicted += 1;
      forget(s);
      s.destroy();
      return true;
    }
    return false;
  };
  const forget = (s: Socket) => {
    if (!all.delete(s)) return;
    const ip = s.remoteAddress ?? "?";
    const set = byIp.get(ip);
    set?.delete(s);
    if (set && set.size === 0) byIp.delete(ip);
    stats.open = all.size;
  };
  server.on("connection", (socket: Socket) => {
    const ip = socket.remoteAddress ?? "?";
    const mine = byIp.get(ip) ?? new Set<Socket>();
    if (mine.size >= limits.maxConnectionsPerIp && !evictOldest(mine, socket)) return void socket.destroy();
    if (all.size >= limits.maxConnections && !evictOldest(all, socket)) return void socket.destroy();
    all.add(socket);
    mine.add(socket);
    byIp.set(ip, mine);
    stats.open = all.size;
    socket.once("close", () => forget(socket));
  });
  return stats;
}
