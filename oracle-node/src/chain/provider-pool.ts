import { JsonRpcApiProvider, Network, type JsonRpcError, type JsonRpcPayload, type JsonRpcResult } from "ethers";
import { redactUrl } from "../log/redact";
import { silentLogger, type Logger } from "../log/logger";
import { RpcHealthSchema, type RpcHealthConfig } from "../config/schema";
import { makeProvider, RPC_TIMEOUT_MS } from "./provider";

/**
 * Several JSON-RPC endpoints of one chain behind one ethers provider (RPC failover).
 *
 * - Health: every `healthCheckMs` each endpoint is asked `eth_chainId` and `eth_blockNumber`
 *   (latency measured). An endpoint is demoted when it errors or times out, answers another chain
 *   id, reports a head lower than one it reported before, or trails the best head of the pool by
 *   more than `maxLagBlocks`. It is promoted again after `recoverChecks` good checks in a row
 *   (and, after going backwards, only once it is past the highest head it reported before).
 * - Reads go to the preferred endpoint: among the healthy ones the highest head, ties by config
 *   order (the first URL is the primary). A read that fails at the transport level (refused,
 *   timeout, HTTP error, not JSON-RPC) demotes that endpoint and is retried on the next one;
 *   a JSON-RPC error answer (a revert, "nonce too low") is the chain's answer and is returned.
 * - `eth_sendRawTransaction` goes to every endpoint that is not on a wrong chain, with the same
 *   signed bytes: the transaction manager signs once and tracks one nonce, so a broadcast to N
 *   endpoints is one transaction, never N nonces. The first success wins; "already known" from
 *   the others is expected. When none succeeds the preferred endpoint's error is returned.
 */
export type ProviderStatus = "unknown" | "healthy" | "lagging" | "wrong-chain" | "backwards" | "failing";

export interface ProviderState {
  index: number;
  /** The endpoint with credentials redacted (log/redact.ts): safe for the API and the dashboard. */
  url: string;
  status: ProviderStatus;
  /** True for the endpoint reads go to now. */
  preferred: boolean;
  head: number | null;
  latencyMs: number | null;
  lastError: string | null;
  /** Times this endpoint went from healthy (or unknown) to a demoted status. */
  demotions: number;
  /** Transport-level failures of reads, writes and checks. */
  errors: number;
}

export interface ProviderPoolOptions {
  chainId: number;
  /** The first one is the primary. At least one. */
  urls: string[];
  healthCheckMs: number;
  maxLagBlocks: number;
  recoverChecks: number;
  /** Per RPC call. */
  timeoutMs?: number;
  logger?: Logger;
  /** Called after every health check and every status change (metrics, dashboard). */
  onChange?: (states: ProviderState[]) => void;
}

/** The largest JSON-RPC answer body read from an endpoint: a lying endpoint cannot make the node buffer gigabytes. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** A transport failure (as opposed to a JSON-RPC error answer): the endpoint, not the request, is at fault. */
export class RpcTransportError extends Error {}

interface Member {
  index: number;
  url: string;
  status: ProviderStatus;
  head: number | null;
  maxHead: number;
  latencyMs: number | null;
  okStreak: number;
  lastError: string | null;
  demotions: number;
  errors: number;
}

const DEMOTED: ReadonlySet<ProviderStatus> = new Set(["lagging", "wrong-chain", "backwards", "failing"]);

export class ProviderPool extends JsonRpcApiProvider {
  private readonly members: Member[];
  private readonly opts: Required<Omit<ProviderPoolOptions, "onChange" | "logger">> & Pick<ProviderPoolOptions, "onChange">;
  private readonly log: Logger;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nextId = 1;

  constructor(opts: ProviderPoolOptions) {
    const network = Network.from(opts.chainId);
    super(network, { staticNetwork: network, cacheTimeout: -1, batchMaxCount: 1, pollingInterval: 250 });
    if (opts.urls.length === 0) throw new Error("a provider pool needs at least one RPC URL");
    this.opts = { timeoutMs: RPC_TIMEOUT_MS, onChange: undefined, ...opts };
    this.log = (opts.logger ?? silentLogger).child({ chainId: opts.chainId });
    this.members = opts.urls.map((url, index) => ({
      index,
      url,
      status: "unknown",
      head: null,
      maxHead: -1,
      latencyMs: null,
      okStreak: 0,
      lastError: null,
      demotions: 0,
      errors: 0,
    }));
  }

  /** Runs one health check now, then one every `healthCheckMs` until `destroy()`. */
  async startHealthChecks(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.checkNow();
    this.loop = (async () => {
      while (this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.healthCheckMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        if (this.running) await this.checkNow();
      }
    })();
  }

  async stopHealthChecks(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  override destroy(): void {
    this.running = false;
    this.wake?.();
    super.destroy();
  }

  states(): ProviderState[] {
    const preferred = this.order()[0];
    return this.members.map((m) => ({
      index: m.index,
      url: redactUrl(m.url),
      status: m.status,
      preferred: m === preferred,
      head: m.head,
      latencyMs: m.latencyMs,
      lastError: m.lastError,
      demotions: m.demotions,
      errors: m.errors,
    }));
  }

  /** One health check of every endpoint, in parallel; statuses are updated together. */
  async checkNow(): Promise<ProviderState[]> {
    const probes = await Promise.all(this.members.map((m) => this.probe(m)));
    const heads = probes.flatMap((p) => (p.ok && p.chainId === this.opts.chainId ? [p.head] : []));
    const best = heads.length ? Math.max(...heads) : 0;
    probes.forEach((p, i) => this.judge(this.members[i], p, best));
    const states = this.states();
    this.opts.onChange?.(states);
    return states;
  }

  private async probe(m: Member): Promise<{ ok: true; chainId: number; head: number; ms: number } | { ok: false; error: string }> {
    const t0 = performance.now();
    try {
      const [chainId, head] = await Promise.all([this.rpcCall(m, "eth_chainId", []), this.rpcCall(m, "eth_blockNumber", [])]);
      return { ok: true, chainId: quantity(chainId, "eth_chainId"), head: quantity(head, "eth_blockNumber"), ms: performance.now() - t0 };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }

  private judge(m: Member, p: Awaited<ReturnType<ProviderPool["probe"]>>, best: number): void {
    let verdict: ProviderStatus;
    let why: string | null = null;
    if (!p.ok) {
      verdict = "failing";
      why = p.error;
    } else {
      m.latencyMs = Math.round(p.ms);
      m.head = p.head;
      if (p.chainId !== this.opts.chainId) {
        verdict = "wrong-chain";
        why = `chain id ${p.chainId}, expected ${this.opts.chainId}`;
      } else if (p.head < m.maxHead) {
        verdict = "backwards";
        why = `head ${p.head} below ${m.maxHead} it reported before`;
      } else if (best - p.head > this.opts.maxLagBlocks) {
        verdict = "lagging";
        why = `head ${p.head} is ${best - p.head} blocks behind ${best}`;
      } else verdict = "healthy";
      if (verdict !== "wrong-chain") m.maxHead = Math.max(m.maxHead, p.head);
    }
    if (verdict === "healthy") {
      m.okStreak++;
      // A demoted endpoint earns its way back; an unknown one is trusted on its first good check.
      if (m.status === "unknown" || m.status === "healthy" || m.okStreak >= this.opts.recoverChecks) this.setStatus(m, "healthy", null);
    } else {
      m.okStreak = 0;
      if (verdict === "failing") m.errors++;
      this.setStatus(m, verdict, why);
    }
  }

  private setStatus(m: Member, status: ProviderStatus, why: string | null): void {
    if (why !== null) m.lastError = why;
    if (m.status === status) return;
    const was = m.status;
    if (DEMOTED.has(status) && !DEMOTED.has(was)) m.demotions++;
    m.status = status;
    const fields = { provider: m.index, url: redactUrl(m.url), from: was, to: status, reason: why ?? undefined };
    if (DEMOTED.has(status)) this.log.warn(fields, "RPC endpoint demoted");
    else this.log.info(fields, "RPC endpoint healthy");
  }

  /** Endpoints in the order reads try them: healthy (highest head, then config order), unknown, demoted. */
  private order(): Member[] {
    const rank = (m: Member) => (m.status === "healthy" ? 0 : m.status === "unknown" ? 1 : m.status === "wrong-chain" ? 3 : 2);
    return [...this.members].sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? (b.head ?? 0) - (a.head ?? 0) : 0) || a.index - b.index);
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Array<JsonRpcResult | JsonRpcError>> {
    const list = Array.isArray(payload) ? payload : [payload];
    return Promise.all(list.map((p) => (p.method === "eth_sendRawTransaction" ? this.broadcast(p) : this.read(p))));
  }

  private async read(p: JsonRpcPayload): Promise<JsonRpcResult | JsonRpcError> {
    let lastErr: Error | null = null;
    for (const m of this.order()) {
      if (m.status === "wrong-chain") continue;
      try {
        return await this.raw(m, p);
      } catch (err) {
        lastErr = err as Error;
        this.transportFailed(m, lastErr);
      }
    }
    throw lastErr ?? new RpcTransportError("no RPC endpoint for this chain");
  }

  private async broadcast(p: JsonRpcPayload): Promise<JsonRpcResult | JsonRpcError> {
    const targets = this.order().filter((m) => m.status !== "wrong-chain");
    const answers = await Promise.all(
      targets.map((m) =>
        this.raw(m, p).catch((err: Error) => {
          this.transportFailed(m, err);
          return err;
        }),
      ),
    );
    const ok = answers.find((a): a is JsonRpcResult => !(a instanceof Error) && "result" in a);
    if (ok) return ok;
    const rpcError = answers.find((a): a is JsonRpcError => !(a instanceof Error));
    if (rpcError) return rpcError;
    throw answers[0] instanceof Error ? answers[0] : new RpcTransportError("no RPC endpoint for this chain");
  }

  private transportFailed(m: Member, err: Error): void {
    m.errors++;
    m.okStreak = 0;
    this.setStatus(m, "failing", err.message);
    this.opts.onChange?.(this.states());
  }

  private async rpcCall(m: Member, method: string, params: unknown[]): Promise<unknown> {
    const answer = await this.raw(m, { id: this.nextId++, jsonrpc: "2.0", method, params });
    if ("error" in answer) throw new RpcTransportError(`${method}: ${answer.error.message}`);
    return answer.result;
  }

  /** One JSON-RPC request to one endpoint, aborted after `timeoutMs`; throws RpcTransportError on anything but a JSON-RPC answer. */
  private async raw(m: Member, p: JsonRpcPayload): Promise<JsonRpcResult | JsonRpcError> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.opts.timeoutMs);
    try {
      const res = await fetch(m.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(p), signal: ac.signal });
      const text = await readCapped(res);
      if (!res.ok && res.status !== 400 && res.status !== 500) throw new RpcTransportError(`HTTP ${res.status}`);
      return parseAnswer(text, p.id);
    } catch (err) {
      if (err instanceof RpcTransportError) throw err;
      throw new RpcTransportError(ac.signal.aborted ? `timeout after ${this.opts.timeoutMs} ms` : redactUrl((err as Error).message));
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readCapped(res: Response): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_RESPONSE_BYTES) throw new RpcTransportError(`answer of ${declared} bytes is over ${MAX_RESPONSE_BYTES}`);
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new RpcTransportError(`answer over ${MAX_RESPONSE_BYTES} bytes`);
  return text;
}

function parseAnswer(text: string, id: number): JsonRpcResult | JsonRpcError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RpcTransportError("answer is not JSON");
  }
  const a = body as { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  if (typeof a !== "object" || a === null || Array.isArray(a)) throw new RpcTransportError("answer is not a JSON-RPC object");
  if (a.error && typeof a.error === "object") {
    return {
      id,
      error: { code: Number(a.error.code ?? -32603), message: typeof a.error.message === "string" ? a.error.message : "error", data: a.error.data },
    };
  }
  if (!("result" in a)) throw new RpcTransportError("answer has neither result nor error");
  if (a.id !== id) throw new RpcTransportError(`answer id ${String(a.id)} for request ${id}`);
  return { id, result: a.result };
}

/** A JSON-RPC quantity ("0x1a") as a safe integer; anything else is a lie. */
function quantity(v: unknown, what: string): number {
  if (typeof v !== "string" || !/^0x[0-9a-f]{1,14}$/i.test(v)) throw new RpcTransportError(`${what} answered ${JSON.stringify(v)?.slice(0, 40)}`);
  return Number.parseInt(v, 16);
}

/** The schema's defaults for the endpoint checks: one place holds them (config/schema.ts). */
const DEFAULT_RPC_HEALTH: RpcHealthConfig = RpcHealthSchema.parse({});

/**
 * The node's provider for its chain: one endpoint, a plain provider (as before failover
 * existed); with fallback URLs, a ProviderPool whose first health check has run and whose
 * checks keep running until `destroy()`.
 */
export async function makeChainProvider(
  c: { rpcUrl: string; fallbackRpcUrls?: string[]; rpcHealth?: RpcHealthConfig; chainId: number },
  logger: Logger,
  onChange: (states: ProviderState[]) => void,
): Promise<JsonRpcApiProvider> {
  const health = c.rpcHealth ?? DEFAULT_RPC_HEALTH;
  if (!c.fallbackRpcUrls?.length) return makeProvider(c.rpcUrl, c.chainId, health.timeoutMs);
  const pool = new ProviderPool({
    chainId: c.chainId,
    urls: [c.rpcUrl, ...c.fallbackRpcUrls],
    healthCheckMs: health.checkIntervalMs,
    maxLagBlocks: health.maxLagBlocks,
    recoverChecks: health.recoverChecks,
    timeoutMs: health.timeoutMs,
    logger,
    onChange,
  });
  await pool.startHealthChecks();
  return pool;
}
