import Fastify, { type FastifyInstance } from "fastify";
import { computeAddress, getAddress, type SigningKey } from "ethers";
import { randomBytes } from "node:crypto";
import type { ZodType } from "zod";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { ENVELOPE_VERSION, EnvelopeSchema, envelopeSigner, signEnvelope, type Envelope } from "./envelope";
import { RateLimiter } from "./rate-limiter";
import { ReplayGuard } from "./replay-guard";

/**
 * Signed peer-to-peer messages over HTTP (fastify). One endpoint, POST /v1/message, takes a
 * signed envelope and answers with a signed envelope (or 204). Every inbound message passes, in
 * order: body size limit (413), JSON and envelope shape (400), per-IP budget of failed
 * authentications (429), signature (401), sender in the peer set and addressed to this node
 * (403), config digest (409), freshness and nonce replay (409), per-peer rate limit (429),
 * payload schema of its type (400), then the protocol handler (a refusal is 422). Nothing a
 * peer sends can crash the node: every failure is a 4xx and a log line.
 */

export const MESSAGE_PATH = "/v1/message";
/** Largest message accepted: a 10-feed report proposal with 31 signed observations each is ~60 kB. */
export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
/** Messages per second a peer may send on average; a round costs a peer ~4. */
export const DEFAULT_PEER_RATE_PER_SECOND = 200;
export const DEFAULT_PEER_BURST = 400;
/** Failed authentications tolerated per remote IP per second before it is throttled. */
const AUTH_FAILURES_PER_SECOND = 20;
/** A peer that does not answer within this is treated as silent for this message. */
export const DEFAULT_SEND_TIMEOUT_MS = 2_000;

export class PeerRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 422,
  ) {
    super(message);
    this.name = "PeerRefusal";
  }
}

export class PeerSendError extends Error {
  constructor(
    readonly peer: string,
    readonly status: number | null,
    readonly code: string,
    message: string,
  ) {
    super(`peer ${peer}: ${code}: ${message}`);
    this.name = "PeerSendError";
  }
}

export interface InboundMessage<P = unknown> {
  type: string;
  from: string;
  epoch: number;
  round: number;
  sentAt: number;
  payload: P;
}

export interface Reply {
  type: string;
  payload: unknown;
}

export type MessageHandler = (msg: InboundMessage<any>) => Promise<Reply | null>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PeerNetworkOptions {
  key: SigningKey;
  host?: string;
  port: number;
  /** The config digest every message must carry; read on each message (it changes with the config). */
  configDigest: () => string;
  /** Whether an address belongs to the on-chain signer set. */
  isPeer: (address: string) => boolean;
  /** Peer address -> base URL ("http://127.0.0.1:7001"). */
  peerUrl: (address: string) => string | undefined;
  /** Payload schema of every message type this node accepts, inbound requests and replies. */
  schemas: Record<string, ZodType>;
  handlers: Record<string, MessageHandler>;
  logger?: Logger;
  bodyLimitBytes?: number;
  peerRatePerSecond?: number;
  peerBurst?: number;
  /**
   * Called on every rejected inbound message (metrics: oracle_peer_rejects_total). `peer` is the
   * sender's address once its signature checked out and it is in the peer set, else undefined:
   * an unauthenticated sender never names a label value.
   */
  onReject?: (rejection: PeerRejection) => void;
}

export interface PeerRejection {
  /** The refusal code sent back: malformed, bad-signature, replayed, rate-limited, not-leader, ... */
  reason: string;
  peer?: string;
}

export interface TransportStats {
  messagesSent: number;
  bytesSent: number;
  messagesReceived: number;
  bytesReceived: number;
  rejected: Record<string, number>;
}

export class PeerNetwork {
  readonly address: string;
  private server: FastifyInstance | null = null;
  private readonly replay = new ReplayGuard();
  private readonly peerLimiter: RateLimiter;
  private readonly log: Logger;
  private readonly stats: TransportStats = { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0, rejected: {} };
  private boundPort = 0;

  constructor(private readonly opts: PeerNetworkOptions) {
    this.address = getAddress(computeAddress(opts.key.publicKey));
    this.peerLimiter = new RateLimiter(opts.peerBurst ?? DEFAULT_PEER_BURST, opts.peerRatePerSecond ?? DEFAULT_PEER_RATE_PER_SECOND);
    this.log = (opts.logger ?? silentLogger).child({ component: "transport" });
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    const app = Fastify({ bodyLimit: this.opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES, logger: false });
    app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const code = status === 413 ? "too-large" : status === 400 ? "malformed" : err.code ?? "error";
      this.reject(code, req.ip, err.message);
      void reply.code(status).send({ error: code, message: err.message });
    });
    app.post(MESSAGE_PATH, async (req, reply) => {
      const r = await this.receive(req.body, req.ip, Number(req.headers["content-length"] ?? 0));
      if (r.status === 204) return reply.code(204).send();
      return reply.code(r.status).send(r.body);
    });
    app.get("/v1/ping", async () => ({ address: this.address, configDigest: this.opts.configDigest() }));
    await app.listen({ host: this.opts.host ?? "127.0.0.1", port: this.opts.port });
    this.server = app;
    const addr = app.server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    return this.boundPort;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  snapshot(): TransportStats {
    return { ...this.stats, rejected: { ...this.stats.rejected } };
  }

  /** Handles one inbound body; exported shape for tests: { status, body }. */
  async receive(body: unknown, ip: string, size: number): Promise<{ status: number; body?: unknown }> {
    this.stats.messagesReceived += 1;
    this.stats.bytesReceived += size;
    const parsed = EnvelopeSchema.safeParse(body);
    if (!parsed.success) return this.refuse(400, "malformed", ip, parsed.error.issues[0]?.message ?? "bad envelope");
    const env = parsed.data;
    if (this.authFailureExceeded(ip)) {
      return this.refuse(429, "throttled", ip, "too many failed authentications");
    }
    const signer = envelopeSigner(env);
    if (!signer || signer.toLowerCase() !== env.from.toLowerCase()) {
      this.noteAuthFailure(ip);
      return this.refuse(401, "bad-signature", ip, `signature does not match sender ${env.from}`);
    }
    if (!this.opts.isPeer(signer)) {
      this.noteAuthFailure(ip);
      return this.refuse(403, "not-a-peer", ip, `${signer} is not in the on-chain signer set`);
    }
    const peer = getAddress(signer);
    if (env.to.toLowerCase() !== this.address.toLowerCase()) return this.refuse(403, "wrong-recipient", ip, `addressed to ${env.to}`, peer);
    if (env.configDigest.toLowerCase() !== this.opts.configDigest().toLowerCase()) {
      return this.refuse(409, "wrong-config", ip, `config digest ${env.configDigest}`, peer);
    }
    const verdict = this.replay.check(signer, env.nonce, env.sentAt);
    if (verdict !== "fresh") return this.refuse(409, verdict, ip, `message ${env.nonce} from ${signer}`, peer);
    if (!this.peerLimiter.take(signer.toLowerCase())) return this.refuse(429, "rate-limited", ip, `peer ${signer} over its rate`, peer);
    const handler = this.opts.handlers[env.type];
    const schema = this.opts.schemas[env.type];
    if (!handler || !schema) return this.refuse(400, "unknown-type", ip, `no handler for ${env.type}`, peer);
    const payload = schema.safeParse(env.payload);
    if (!payload.success) return this.refuse(400, "malformed", ip, `${env.type}: ${payload.error.issues[0]?.message}`, peer);
    try {
      const reply = await handler({ type: env.type, from: signer, epoch: env.epoch, round: env.round, sentAt: env.sentAt, payload: payload.data });
      if (!reply) return { status: 204 };
      const out = this.seal(signer, reply.type, env.epoch, env.round, reply.payload);
      this.stats.messagesSent += 1;
      this.stats.bytesSent += JSON.stringify(out).length;
      return { status: 200, body: out };
    } catch (err) {
      if (err instanceof PeerRefusal) return this.refuse(err.status, err.code, ip, err.message, peer);
      this.log.error({ err, type: env.type, from: signer }, "handler failed");
      return { status: 500, body: { error: "internal", message: "handler failed" } };
    }
  }

  /**
   * Sends a message to one peer and returns its verified reply (null for 204). Throws
   * PeerSendError on a timeout, an HTTP error, or a reply that is not signed by that peer.
   */
  async send(to: string, type: string, epoch: number, round: number, payload: unknown, timeoutMs = DEFAULT_SEND_TIMEOUT_MS): Promise<InboundMessage | null> {
    const url = this.opts.peerUrl(to);
    if (!url) throw new PeerSendError(to, null, "no-url", "no URL configured for this peer");
    const env = this.seal(to, type, epoch, round, payload);
    const text = JSON.stringify(env);
    this.stats.messagesSent += 1;
    this.stats.bytesSent += text.length;
    let res: Response;
    try {
      res = await fetch(url.replace(/\/$/, "") + MESSAGE_PATH, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const code = (err as Error).name === "TimeoutError" ? "timeout" : "unreachable";
      throw new PeerSendError(to, null, code, (err as Error).message);
    }
    if (res.status === 204) return null;
    const bodyText = await res.text();
    this.stats.messagesReceived += 1;
    this.stats.bytesReceived += bodyText.length;
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw new PeerSendError(to, res.status, "malformed-reply", "reply is not JSON");
    }
    if (res.status !== 200) {
      const b = body as { error?: string; message?: string };
      throw new PeerSendError(to, res.status, b.error ?? "http-error", b.message ?? `HTTP ${res.status}`);
    }
    const parsed = EnvelopeSchema.safeParse(body);
    if (!parsed.success) throw new PeerSendError(to, 200, "malformed-reply", "reply is not an envelope");
    const reply = parsed.data;
    const signer = envelopeSigner(reply);
    if (!signer || signer.toLowerCase() !== to.toLowerCase() || reply.to.toLowerCase() !== this.address.toLowerCase()) {
      throw new PeerSendError(to, 200, "bad-signature", "reply not signed by the peer or not addressed to us");
    }
    if (reply.configDigest.toLowerCase() !== this.opts.configDigest().toLowerCase() || reply.epoch !== epoch || reply.round !== round) {
      throw new PeerSendError(to, 200, "wrong-context", "reply bound to another config, epoch or round");
    }
    if (this.replay.check(signer, reply.nonce, reply.sentAt) !== "fresh") throw new PeerSendError(to, 200, "replayed", "reply replayed");
    const schema = this.opts.schemas[reply.type];
    const payloadParsed = schema?.safeParse(reply.payload);
    if (!payloadParsed?.success) throw new PeerSendError(to, 200, "malformed-reply", `bad ${reply.type} payload`);
    return { type: reply.type, from: signer, epoch: reply.epoch, round: reply.round, sentAt: reply.sentAt, payload: payloadParsed.data };
  }

  private seal(to: string, type: string, epoch: number, round: number, payload: unknown): Envelope {
    return signEnvelope(this.opts.key, {
      v: ENVELOPE_VERSION,
      type,
      from: this.address,
      to: getAddress(to),
      configDigest: this.opts.configDigest(),
      epoch,
      round,
      nonce: randomBytes(16).toString("hex"),
      sentAt: Date.now(),
      payload,
    });
  }

  private refuse(status: number, code: string, ip: string, message: string, peer?: string): { status: number; body: unknown } {
    this.reject(code, ip, message, peer);
    return { status, body: { error: code, message } };
  }

  private reject(code: string, ip: string, message: string, peer?: string): void {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    this.log.warn({ code, ip, peer, reason: message }, "peer message rejected");
    try {
      this.opts.onReject?.({ reason: code, peer });
    } catch (err) {
      // A broken metrics hook must never turn a refusal into a 500 or a crash.
      this.log.warn({ err: (err as Error)?.message ?? String(err) }, "onReject hook threw");
    }
  }

  private readonly failures = new Map<string, number[]>();

  private noteAuthFailure(ip: string): void {
    const now = Date.now();
    const list = (this.failures.get(ip) ?? []).filter((t) => t > now - 1_000);
    list.push(now);
    if (this.failures.size > 1_000) this.failures.clear();
    this.failures.set(ip, list);
  }

  private authFailureExceeded(ip: string): boolean {
    const now = Date.now();
    return (this.failures.get(ip) ?? []).filter((t) => t > now - 1_000).length >= AUTH_FAILURES_PER_SECOND;
  }
}
