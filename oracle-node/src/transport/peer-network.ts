import Fastify, { type FastifyInstance } from "fastify";
import { computeAddress, getAddress, type SigningKey } from "ethers";
import { randomBytes } from "node:crypto";
import type { ZodType } from "zod";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { redactText } from "../log/redact";
import { ENVELOPE_VERSION, EnvelopeSchema, envelopeSigner, signEnvelope, type Envelope } from "./envelope";
import { AuthGate, DEFAULT_UNTRUSTED_CHECKS_BURST, DEFAULT_UNTRUSTED_CHECKS_PER_SECOND, type Admission } from "./auth-gate";
import { RateLimiter } from "./rate-limiter";
import { BodyTooLarge, readCappedText } from "./reply-body";
import { PROTOCOL_REPLY_TYPES, type ReplyTypes } from "./reply-types";
import { ReplayGuard, type ReplayStore } from "./replay-guard";
import { capConnections, fastifyTimeouts, LISTEN_BACKLOG, PEER_SERVER_LIMITS, type ConnectionStats, type ServerLimits } from "./server-limits";

/**
 * Signed peer-to-peer messages over HTTP (fastify). One endpoint, POST /v1/message, takes a
 * signed envelope and answers with a signed envelope (or 204). Every inbound message passes, in
 * order: the port's connection caps and per-phase timeouts (server-limits.ts), body size limit
 * (413), JSON and envelope shape (400); then the cheap checks, before any signature is verified:
 * addressed to this node and claimed sender in the peer set (403), config digest (409),
 * freshness and nonce not seen (409); then the signature check's admission (auth-gate.ts: free
 * on a connection already trusted for that peer, else one token of a global budget, 429 when it
 * is empty), the signature (401), the nonce recorded (durably with a store), the per-peer rate
 * limit by identity (429), payload schema of its type (400), then the protocol handler (a
 * refusal is 422). Nothing a peer sends can crash the node: every failure is a 4xx and a log
 * line. Replies to our own requests are read with the same byte cap, streamed, their status
 * checked before any parsing, and must carry the one reply type their request allows.
 */

export const MESSAGE_PATH = "/v1/message";
/** Largest message accepted: a 10-feed report proposal with 31 signed observations each is ~60 kB. */
export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;
/** Messages per second a peer may send on average; a round costs a peer ~4. */
export const DEFAULT_PEER_RATE_PER_SECOND = 200;
export const DEFAULT_PEER_BURST = 400;
/** Refusals logged per reason: a burst, then a few a second (a flood must not become a disk flood). */
const REJECT_LOG_BURST = 20;
const REJECT_LOG_PER_SECOND = 5;
/** Bytes of a non-200 answer read for its error code; the rest is dropped. */
const ERROR_BODY_LIMIT_BYTES = 4 * 1024;
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
    super(redactText(`peer ${peer}: ${code}: ${message}`));
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
  /** The one reply type each request type may get (default: the protocol's, reply-types.ts). */
  replyTypes?: ReplyTypes;
  /** Largest reply body read from a peer (default: bodyLimitBytes). */
  replyLimitBytes?: number;
  /** Durable nonce memory (the node's SQLite store) so a replay is refused across restarts. */
  replayStore?: ReplayStore;
  /** Timeouts and connection caps of the listening port (default PEER_SERVER_LIMITS). */
  serverLimits?: ServerLimits;
  /** Signature checks per second (and burst) granted to connections not yet trusted, in total and per remote IP. */
  untrustedChecksPerSecond?: number;
  untrustedChecksPerIpPerSecond?: number;
  untrustedChecksBurst?: number;
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
  /** Signature recoveries run on inbound messages (trusted or not). */
  signatureChecks: number;
  connections: ConnectionStats;
}

type Outcome = { status: number; body?: unknown };
type Checked = { env: Envelope; peer: string } | { refused: Outcome };

export class PeerNetwork {
  readonly address: string;
  private server: FastifyInstance | null = null;
  private readonly replay: ReplayGuard;
  private readonly peerLimiter: RateLimiter;
  private readonly gate: AuthGate;
  private readonly replyTypes: ReplyTypes;
  private readonly log: Logger;
  private readonly stats: Omit<TransportStats, "connections"> = {
    messagesSent: 0,
    bytesSent: 0,
    messagesReceived: 0,
    bytesReceived: 0,
    rejected: {},
    signatureChecks: 0,
  };
  private connections: ConnectionStats = { open: 0, evicted: 0, refused: 0 };
  private readonly rejectLog = new RateLimiter(REJECT_LOG_BURST, REJECT_LOG_PER_SECOND);
  private unloggedRejects = 0;
  private boundPort = 0;

  constructor(private readonly opts: PeerNetworkOptions) {
    this.address = getAddress(computeAddress(opts.key.publicKey));
    this.peerLimiter = new RateLimiter(opts.peerBurst ?? DEFAULT_PEER_BURST, opts.peerRatePerSecond ?? DEFAULT_PEER_RATE_PER_SECOND);
    this.gate = new AuthGate(
      opts.untrustedChecksPerSecond ?? DEFAULT_UNTRUSTED_CHECKS_PER_SECOND,
      opts.untrustedChecksBurst ?? DEFAULT_UNTRUSTED_CHECKS_BURST,
      opts.untrustedChecksPerIpPerSecond,
    );
    this.replay = new ReplayGuard(undefined, opts.replayStore);
    this.replyTypes = opts.replyTypes ?? PROTOCOL_REPLY_TYPES;
    this.log = (opts.logger ?? silentLogger).child({ component: "transport" });
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    const limits = this.opts.serverLimits ?? PEER_SERVER_LIMITS;
    const app = Fastify({ bodyLimit: this.opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES, logger: false, ...fastifyTimeouts(limits) });
    this.connections = capConnections(app.server, limits, (socket) => this.gate.isTrusted(socket));
    app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const code = status === 413 ? "too-large" : status === 400 ? "malformed" : (err.code ?? "error");
      this.reject(code, req.ip, err.message);
      void reply.code(status).send({ error: code, message: err.message });
    });
    app.post(MESSAGE_PATH, async (req, reply) => {
      const r = await this.receive(req.body, req.ip, Number(req.headers["content-length"] ?? 0), req.raw.socket);
      if (r.status === 204) return reply.code(204).send();
      return reply.code(r.status).send(r.body);
    });
    app.get("/v1/ping", async () => ({ address: this.address, configDigest: this.opts.configDigest() }));
    await app.listen({ host: this.opts.host ?? "127.0.0.1", port: this.opts.port, backlog: LISTEN_BACKLOG });
    this.server = app;
    const addr = app.server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    return this.boundPort;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  /** Nonces the replay guard remembers right now (bounded by the peers' rate budgets). */
  rememberedNonces(): number {
    return this.replay.size();
  }

  snapshot(): TransportStats {
    return { ...this.stats, rejected: { ...this.stats.rejected }, connections: { ...this.connections } };
  }

  /**
   * Handles one inbound body; exported shape for tests: { status, body }. `conn` identifies the
   * connection it came on (the socket): a connection that authenticated a peer is trusted for it.
   */
  async receive(body: unknown, ip: string, size: number, conn?: object): Promise<Outcome> {
    this.stats.messagesReceived += 1;
    this.stats.bytesReceived += size;
    const checked = this.authenticate(body, ip, conn);
    if ("refused" in checked) return checked.refused;
    const { env, peer } = checked;
    // Own keys only: a type such as "constructor" or "__proto__" must not reach Object.prototype.
    const handler = Object.hasOwn(this.opts.handlers, env.type) ? this.opts.handlers[env.type] : undefined;
    const schema = Object.hasOwn(this.opts.schemas, env.type) ? this.opts.schemas[env.type] : undefined;
    if (!handler || !schema) return this.refuse(400, "unknown-type", ip, `no handler for ${env.type}`, peer);
    const payload = schema.safeParse(env.payload);
    if (!payload.success) return this.refuse(400, "malformed", ip, `${env.type}: ${payload.error.issues[0]?.message}`, peer);
    try {
      const reply = await handler({ type: env.type, from: peer, epoch: env.epoch, round: env.round, sentAt: env.sentAt, payload: payload.data });
      if (!reply) return { status: 204 };
      const out = this.seal(peer, reply.type, env.epoch, env.round, reply.payload);
      this.stats.messagesSent += 1;
      this.stats.bytesSent += JSON.stringify(out).length;
      return { status: 200, body: out };
    } catch (err) {
      if (err instanceof PeerRefusal) return this.refuse(err.status, err.code, ip, err.message, peer);
      this.log.error({ err, type: env.type, from: peer }, "handler failed");
      return { status: 500, body: { error: "internal", message: "handler failed" } };
    }
  }

  /** Shape, the cheap checks, the admission to a signature check, the signature, the nonce. */
  private authenticate(body: unknown, ip: string, conn: object | undefined): Checked {
    const parsed = EnvelopeSchema.safeParse(body);
    if (!parsed.success) return { refused: this.refuse(400, "malformed", ip, parsed.error.issues[0]?.message ?? "bad envelope") };
    const env = parsed.data;
    if (env.to.toLowerCase() !== this.address.toLowerCase()) return { refused: this.refuse(403, "wrong-recipient", ip, `addressed to ${env.to}`) };
    if (!this.opts.isPeer(env.from)) return { refused: this.refuse(403, "not-a-peer", ip, `${env.from} is not in the on-chain signer set`) };
    if (env.configDigest.toLowerCase() !== this.opts.configDigest().toLowerCase()) {
      return { refused: this.refuse(409, "wrong-config", ip, `config digest ${env.configDigest}`) };
    }
    const early = this.replay.peek(env.from, env.nonce, env.sentAt);
    if (early !== "fresh") return { refused: this.refuse(409, early, ip, `message ${env.nonce} from ${env.from}`) };
    const admission: Admission = this.gate.admit(conn, env.from, ip);
    if (admission === "throttled") return { refused: this.refuse(429, "throttled", ip, "too many signature checks for unknown senders") };
    this.stats.signatureChecks += 1;
    const signer = envelopeSigner(env);
    if (!signer || signer.toLowerCase() !== env.from.toLowerCase()) {
      this.gate.failed(conn, admission);
      return { refused: this.refuse(401, "bad-signature", ip, `signature does not match sender ${env.from}`) };
    }
    const peer = getAddress(signer);
    this.gate.succeeded(conn, peer, admission, ip);
    // The rate before the nonce is remembered: a member's flood of fresh envelopes costs it its
    // own budget, never memory (the replay guard holds at most burst + rate x window per peer).
    if (!this.peerLimiter.take(peer.toLowerCase())) return { refused: this.refuse(429, "rate-limited", ip, `peer ${peer} over its rate`, peer) };
    const verdict = this.replay.record(signer, env.nonce, env.sentAt);
    if (verdict !== "fresh") return { refused: this.refuse(409, verdict, ip, `message ${env.nonce} from ${signer}`, peer) };
    return { env, peer };
  }

  /**
   * Sends a message to one peer and returns its verified reply (null for 204). Throws
   * PeerSendError on a timeout, an HTTP error, an oversized reply, a reply of a type its request
   * does not allow, or a reply that is not signed by that peer.
   */
  async send(to: string, type: string, epoch: number, round: number, payload: unknown, timeoutMs = DEFAULT_SEND_TIMEOUT_MS): Promise<InboundMessage | null> {
    const url = this.opts.peerUrl(to);
    if (!url) throw new PeerSendError(to, null, "no-url", "no URL configured for this peer");
    const env = this.seal(to, type, epoch, round, payload);
    const text = JSON.stringify(env);
    this.stats.messagesSent += 1;
    this.stats.bytesSent += text.length;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException("peer did not answer in time", "TimeoutError")), timeoutMs);
    try {
      const { status, bodyText } = await this.post(to, url, text, abort);
      if (status === 204) return null;
      return this.acceptReply(to, type, epoch, round, status, bodyText);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One POST; the body read streamed under the cap (a short cap for an error answer). */
  private async post(to: string, url: string, text: string, abort: AbortController): Promise<{ status: number; bodyText: string }> {
    const classify = (err: unknown): PeerSendError => {
      if (err instanceof BodyTooLarge) return new PeerSendError(to, null, "reply-too-large", err.message);
      const e = abort.signal.aborted ? (abort.signal.reason as Error) : (err as Error);
      return new PeerSendError(to, null, e?.name === "TimeoutError" ? "timeout" : "unreachable", e?.message ?? String(err));
    };
    try {
      const res = await fetch(url.replace(/\/$/, "") + MESSAGE_PATH, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
        signal: abort.signal,
      });
      if (res.status === 204) {
        await res.body?.cancel().catch(() => undefined);
        return { status: 204, bodyText: "" };
      }
      const limit = res.status === 200 ? (this.opts.replyLimitBytes ?? this.opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES) : ERROR_BODY_LIMIT_BYTES;
      const bodyText = await readCappedText(res, limit, abort).catch((err: unknown) => {
        // An error answer is judged by its status alone when its body is not worth reading.
        if (err instanceof BodyTooLarge && res.status !== 200) return "";
        throw err;
      });
      this.stats.messagesReceived += 1;
      this.stats.bytesReceived += bodyText.length;
      return { status: res.status, bodyText };
    } catch (err) {
      throw classify(err);
    }
  }

  private acceptReply(to: string, type: string, epoch: number, round: number, status: number, bodyText: string): InboundMessage {
    if (status !== 200) {
      let b: { error?: unknown; message?: unknown } = {};
      try {
        b = (JSON.parse(bodyText) ?? {}) as typeof b;
      } catch {
        // not JSON: the status says enough
      }
      const code = typeof b.error === "string" ? b.error.slice(0, 40) : "http-error";
      throw new PeerSendError(to, status, code, typeof b.message === "string" ? b.message.slice(0, 200) : `HTTP ${status}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw new PeerSendError(to, status, "malformed-reply", "reply is not JSON");
    }
    const parsed = EnvelopeSchema.safeParse(body);
    if (!parsed.success) throw new PeerSendError(to, 200, "malformed-reply", "reply is not an envelope");
    const reply = parsed.data;
    const expected = this.replyTypes[type];
    if (reply.type !== expected) {
      throw new PeerSendError(to, 200, "unexpected-reply", `a ${type} request is answered with ${expected ?? "no content"}, not ${reply.type}`);
    }
    const signer = envelopeSigner(reply);
    if (!signer || signer.toLowerCase() !== to.toLowerCase() || reply.to.toLowerCase() !== this.address.toLowerCase()) {
      throw new PeerSendError(to, 200, "bad-signature", "reply not signed by the peer or not addressed to us");
    }
    if (reply.configDigest.toLowerCase() !== this.opts.configDigest().toLowerCase() || reply.epoch !== epoch || reply.round !== round) {
      throw new PeerSendError(to, 200, "wrong-context", "reply bound to another config, epoch or round");
    }
    if (this.replay.check(signer, reply.nonce, reply.sentAt) !== "fresh") throw new PeerSendError(to, 200, "replayed", "reply replayed");
    const schema = Object.hasOwn(this.opts.schemas, reply.type) ? this.opts.schemas[reply.type] : undefined;
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

  private refuse(status: number, code: string, ip: string, message: string, peer?: string): Outcome {
    this.reject(code, ip, message, peer);
    return { status, body: { error: code, message } };
  }

  private reject(code: string, ip: string, message: string, peer?: string): void {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
    if (this.rejectLog.take(code)) {
      // Every refusal is counted (stats, onReject); the log line says how many went unlogged since the last one.
      this.log.warn({ code, ip, peer, reason: message, unlogged: this.unloggedRejects || undefined }, "peer message rejected");
      this.unloggedRejects = 0;
    } else this.unloggedRejects += 1;
    try {
      this.opts.onReject?.({ reason: code, peer });
    } catch (err) {
      // A broken metrics hook must never turn a refusal into a 500 or a crash.
      this.log.warn({ err: (err as Error)?.message ?? String(err) }, "onReject hook threw");
    }
  }
}
