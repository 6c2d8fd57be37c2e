import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { garbleBody } from "./attacks";
import { delayFor, outageFor, type VenueFaults } from "./faults";
import type { SimMarket } from "./market";
import { serviceUnavailable, type SimResponse } from "./response";
import type { TokenBucket } from "./rate-limit";
import { VENUE_APIS } from "./venues";
import { isSimulatedSourceId, type SimulatedSourceId } from "./vocabulary";

/**
 * One node:http server for every simulated API, routed by the first path segment:
 * http://127.0.0.1:PORT/binance/api/v3/ticker/price?symbol=BTCUSDT. An adapter whose base URL is
 * http://127.0.0.1:PORT/binance sends its documented path unchanged. Per request: count it,
 * apply the venue's outage, answer, apply rate limit and structural garbage, then wait its
 * latency. A bad request gets the venue's error; nothing a client sends can stop the server.
 */
export interface VenueStats {
  requests: number;
  byStatus: Record<string, number>;
  rateLimited: number;
  resets: number;
  hangs: number;
}

export interface ServerState {
  market: SimMarket;
  faults: Map<SimulatedSourceId, VenueFaults>;
  limits: Map<SimulatedSourceId, TokenBucket>;
  stats: Map<SimulatedSourceId, VenueStats>;
  /** Handles /_sim/... requests; undefined = not a control path. */
  control: (req: IncomingMessage, body: string, url: URL) => SimResponse | undefined;
}

export function emptyStats(): VenueStats {
  return { requests: 0, byStatus: {}, rateLimited: 0, resets: 0, hangs: 0 };
}

/** Largest control request body accepted (attacks are a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;

export function createSimServer(state: ServerState): { server: Server; sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = "";
    let tooBig = false;
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      if (body.length + chunk.length > MAX_BODY_BYTES) tooBig = true;
      else body += chunk;
    });
    req.on("end", () => {
      try {
        if (tooBig) return send(res, { status: 413, body: "request body too large", contentType: "text/plain" });
        route(state, req, res, body);
      } catch (err) {
        send(res, { status: 500, body: JSON.stringify({ error: (err as Error).message }), contentType: "application/json" });
      }
    });
    req.on("error", () => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  return { server, sockets };
}

function route(state: ServerState, req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const control = state.control(req, body, url);
  if (control) return send(res, control);
  const segs = url.pathname.split("/");
  const id = segs[1] ?? "";
  if (!isSimulatedSourceId(id)) {
    return send(res, {
      status: 404,
      body: JSON.stringify({ error: `no simulated source ${JSON.stringify(id)}; paths start with /<source id>/` }),
      contentType: "application/json",
    });
  }
  const stats = state.stats.get(id) as VenueStats;
  stats.requests += 1;
  const faults = state.faults.get(id) as VenueFaults;
  const outage = outageFor(faults.outage);
  if (outage === "reset") {
    stats.resets += 1;
    req.socket.destroy();
    return;
  }
  if (outage === "hang") {
    stats.hangs += 1;
    return; // never answered; the socket is destroyed when the client gives up or the simulator closes
  }
  let answer: SimResponse;
  if (req.method !== "GET") {
    answer = { status: 405, body: "Method Not Allowed", contentType: "text/plain" };
  } else if (outage === "5xx") {
    answer = serviceUnavailable();
  } else {
    answer = VENUE_APIS[id].handle({ path: url.pathname.slice(id.length + 1) || "/", query: url.searchParams, market: state.market });
    const bucket = state.limits.get(id);
    const decision = bucket ? bucket.take(answer.weight ?? 1) : { ok: true as const };
    if (!decision.ok) {
      stats.rateLimited += 1;
      answer = VENUE_APIS[id].rateLimited(decision.retryAfterS, decision.banned);
    } else if (answer.status === 200) {
      const mode = state.market.structuralGarbage(id, answer.pairs ?? []);
      const garbled = mode ? garbleBody(answer.body, mode) : null;
      if (garbled) answer = { ...answer, ...garbled };
    }
  }
  const bucket = state.limits.get(id);
  if (id === "binance" && bucket) answer = { ...answer, headers: { ...answer.headers, "X-MBX-USED-WEIGHT-1M": String(bucket.used()) } };
  stats.byStatus[answer.status] = (stats.byStatus[answer.status] ?? 0) + 1;
  const delay = delayFor(faults);
  if (delay > 0) setTimeout(() => send(res, answer), delay);
  else send(res, answer);
}

function send(res: ServerResponse, r: SimResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(r.status, { "Content-Type": r.contentType, "Content-Length": Buffer.byteLength(r.body), ...(r.headers ?? {}) });
  res.end(r.body);
}
