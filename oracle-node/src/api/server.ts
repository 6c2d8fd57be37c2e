import Fastify, { LogController, type FastifyInstance } from "fastify";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import type { NodeMetrics } from "../metrics/metrics";
import { registerReportRoutes, type ReportRoutesOptions } from "./reports";
import type { FeedView, NodeState } from "./state";
import { refreshStateGauges } from "./state-metrics";
import { API_SERVER_LIMITS, capConnections, fastifyTimeouts, LISTEN_BACKLOG, type ServerLimits } from "../transport/server-limits";

/**
 * The node's HTTP face: liveness and readiness, Prometheus metrics, the dashboard page and the
 * JSON it polls. It only reads: `state()` is called per request and must be cheap (the node
 * keeps the state object up to date; the server never mutates it).
 *
 * Routes:
 *   GET /health         200 {status:"ok",...} when ready, 503 {status:"not-ready",notReady:[...]}
 *   GET /health/live    200 while the process serves requests (liveness)
 *   GET /health/ready   same as /health (readiness)
 *   GET /metrics        Prometheus text format
 *   GET /               the dashboard (self-contained HTML, no external resources)
 *   GET /api/state      the whole NodeState
 *   GET /api/feeds      feed summaries without history
 *   GET /api/feed?id=BTC/USD   one feed with history (404 if unknown)
 *   GET /v1/reports/latest?feeds=...   and  GET /v1/reports?feeds=...&at=<unix s>   pull reports (api/reports.ts)
 */
export interface ApiServerOptions {
  state: () => NodeState;
  metrics?: NodeMetrics;
  logger?: Logger;
  /**
   * Per-phase timeouts and connection caps (default API_SERVER_LIMITS): an outsider holding
   * slow connections cannot keep the operator's health check or the dashboard from answering.
   */
  limits?: ServerLimits;
  /** The signed pull reports and the feeds they are named by: GET /v1/reports routes (api/reports.ts). */
  reports?: ReportRoutesOptions;
}

/** Requests are tiny GETs; anything larger is not for us. */
const BODY_LIMIT_BYTES = 16 * 1024;

const DASHBOARD_HTML = readFileSync(join(__dirname, "dashboard.html"), "utf8");

export function createApiServer(opts: ApiServerOptions): FastifyInstance {
  return buildApp(opts) as unknown as FastifyInstance;
}

function buildApp(opts: ApiServerOptions) {
  const logger = opts.logger ?? silentLogger;
  const app = Fastify({
    loggerInstance: logger.child({ component: "api" }),
    // The dashboard polls every few seconds: per-request info lines would drown the round logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    ...fastifyTimeouts(opts.limits ?? API_SERVER_LIMITS),
  });
  capConnections(app.server, opts.limits ?? API_SERVER_LIMITS);

  app.setErrorHandler((err: unknown, req, reply) => {
    const e = err as { statusCode?: unknown; message?: unknown };
    const status = typeof e.statusCode === "number" && e.statusCode >= 400 ? e.statusCode : 500;
    if (status >= 500) req.log.error({ err, url: req.url }, "api request failed");
    void reply.code(status).send({ error: status >= 500 ? "internal error" : String(e.message) });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]}` });
  });

  const readiness = () => {
    const s = opts.state();
    return {
      status: s.node.ready ? "ok" : "not-ready",
      live: true,
      ready: s.node.ready,
      notReady: s.node.notReady,
      node: s.node.name,
      address: s.node.address,
      uptimeSeconds: Math.round((Date.now() - s.node.startedAt) / 1000),
    };
  };

  app.get("/health/live", async () => ({ status: "ok", live: true }));
  const ready = async (_req: unknown, reply: { code: (n: number) => unknown }) => {
    const r = readiness();
    reply.code(r.ready ? 200 : 503);
    return r;
  };
  app.get("/health", ready);
  app.get("/health/ready", ready);

  app.get("/metrics", async (_req, reply) => {
    if (!opts.metrics) {
      return reply.code(404).send({ error: "metrics are not enabled on this node" });
    }
    try {
      refreshStateGauges(opts.metrics, opts.state());
    } catch (err) {
      // The event counters are still worth serving when the state cannot be read.
      logger.warn({ err: (err as Error).message }, "metrics: state gauges not refreshed");
    }
    const body = await opts.metrics.registry.metrics();
    return reply.type(opts.metrics.registry.contentType).send(body);
  });

  app.get("/favicon.ico", async (_req, reply) => reply.code(204).send());
  app.get("/", async (_req, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(DASHBOARD_HTML));

  app.get("/api/state", async (_req, reply) => {
    reply.header("cache-control", "no-store");
    return opts.state();
  });

  app.get("/api/feeds", async () => opts.state().feeds.map(summarizeFeed));

  app.get<{ Querystring: { id?: string } }>("/api/feed", async (req, reply) => {
    const id = req.query.id;
    if (typeof id !== "string" || id.length === 0) return reply.code(400).send({ error: "query parameter id is required" });
    const feed = opts.state().feeds.find((f) => f.id === id);
    if (!feed) return reply.code(404).send({ error: `unknown feed ${JSON.stringify(id)}` });
    return feed;
  });

  if (opts.reports) registerReportRoutes(app as unknown as FastifyInstance, opts.reports);
  return app;
}

/** A feed without its chart history, for lists. */
export function summarizeFeed(feed: FeedView): Omit<FeedView, "history"> {
  const { history: _history, ...rest } = feed;
  return rest;
}

export interface RunningApiServer {
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Creates the server and listens (port 0 picks a free port). */
export async function startApiServer(opts: ApiServerOptions & { host?: string; port?: number }): Promise<RunningApiServer> {
  const app = createApiServer(opts);
  const host = opts.host ?? "127.0.0.1";
  await app.listen({ host, port: opts.port ?? 0, backlog: LISTEN_BACKLOG });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (opts.port ?? 0);
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return { app, url: `http://${shownHost}:${port}`, port, close: () => app.close() };
}
