import axios from "axios";
import { SourceError } from "../../quotes/quote";
import type { SourceContext } from "../types";
import { backoffDelay } from "./backoff";
import { RateLimitedLocally } from "./rate-limiter";
import { parseRetryAfter } from "./retry-after";
import { sleep } from "./sleep";

/**
 * Retries after a timeout, 5xx or reset, per request: one more try rides out a blip and still
 * fits in a round. Equals the config default of `sources.maxRetries` (a config test checks).
 */
export const DEFAULT_MAX_RETRIES = 1;
/** No ticker answer is anywhere near this; a larger body is a broken or hostile server. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Back-off after a rate-limit answer that names no Retry-After, when the adapter has none. */
export const DEFAULT_RATE_LIMIT_PENALTY_MS = 10_000;

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
  receivedAt: number;
}

export interface HttpGetOptions<T> {
  /** Limiter cost of one attempt (request weight). */
  cost?: number;
  /** Back-off when the venue rate-limits without Retry-After. */
  penaltyMs?: number;
  /**
   * Turns a response (any status) into a value, or throws a SourceError. An http-error or
   * malformed thrown for a 5xx is retried; everything else it throws is final.
   */
  interpret: (res: HttpResponse) => T;
}

const RESET_RE = /ECONNRESET|socket hang up/;

type Attempt<T> = { ok: true; value: T } | { ok: false; error: SourceError; retry: boolean };

/**
 * GET through axios with everything a price source needs: a per-attempt timeout that aborts
 * the socket (AbortController), retries with jittered back-off only for timeouts, 5xx and resets,
 * 429/418 (and rate-limit bodies) answered by backing the source's limiter off for
 * Retry-After, and every failure thrown as a classified SourceError.
 */
export async function httpGet<T>(sourceId: string, url: string, ctx: SourceContext, opts: HttpGetOptions<T>): Promise<T> {
  const maxRetries = ctx.maxRetries ?? DEFAULT_MAX_RETRIES;
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal?.aborted) throw new SourceError("timeout", sourceId, "aborted before the request was sent");
    await takeToken(sourceId, ctx, opts.cost ?? 1);
    const run = () => timedAttempt(sourceId, url, ctx, opts);
    const out = ctx.semaphore ? await ctx.semaphore(run) : await run();
    if (out.ok) return out.value;
    if (!out.retry || attempt >= maxRetries || ctx.signal?.aborted) throw out.error;
    const delay = backoffDelay(attempt);
    ctx.logger?.debug({ source: sourceId, attempt: attempt + 1, delay, failure: out.error.failure }, "retrying source request");
    try {
      await sleep(delay, ctx.signal);
    } catch {
      throw out.error;
    }
  }
}

async function takeToken(sourceId: string, ctx: SourceContext, cost: number): Promise<void> {
  if (!ctx.limiter) return;
  try {
    await ctx.limiter.take(cost, ctx.timeoutMs, ctx.signal);
  } catch (err) {
    if (err instanceof RateLimitedLocally) throw new SourceError("rate-limited", sourceId, err.message, err.retryAfterMs);
    throw new SourceError("timeout", sourceId, "aborted while waiting for the rate limiter");
  }
}

/** One attempt, reported to ctx.onResponse with its duration and outcome. */
async function timedAttempt<T>(sourceId: string, url: string, ctx: SourceContext, opts: HttpGetOptions<T>): Promise<Attempt<T>> {
  if (!ctx.onResponse) return attemptOnce(sourceId, url, ctx, opts);
  const started = performance.now();
  const out = await attemptOnce(sourceId, url, ctx, opts);
  try {
    ctx.onResponse(sourceId, (performance.now() - started) / 1000, out.ok ? "ok" : out.error.failure);
  } catch (err) {
    // A broken metrics hook must not turn a good answer into a failed source.
    ctx.logger?.warn({ source: sourceId, err: (err as Error)?.message ?? String(err) }, "onResponse hook threw");
  }
  return out;
}

async function attemptOnce<T>(sourceId: string, url: string, ctx: SourceContext, opts: HttpGetOptions<T>): Promise<Attempt<T>> {
  let res: HttpResponse;
  try {
    res = await sendOnce(sourceId, url, ctx);
  } catch (err) {
    const error = err instanceof SourceError ? err : new SourceError("unreachable", sourceId, String(err));
    // A reset on a reused keep-alive socket (the venue closed it as we sent) is a transport
    // hiccup like a timeout, not an answer: retry it too.
    const transient = error.failure === "timeout" || (error.failure === "unreachable" && RESET_RE.test(error.message));
    return { ok: false, error, retry: transient && !ctx.signal?.aborted };
  }
  if (res.status === 429 || res.status === 418) {
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"], ctx.now());
    const what = res.status === 418 ? "IP banned (418)" : "rate limited (429)";
    return { ok: false, error: backOff(new SourceError("rate-limited", sourceId, `${what}: ${snippet(res.text)}`, retryAfterMs), ctx, opts), retry: false };
  }
  try {
    return { ok: true, value: opts.interpret(res) };
  } catch (err) {
    const error = err instanceof SourceError ? err : new SourceError("malformed", sourceId, err instanceof Error ? err.message : String(err));
    if (error.failure === "rate-limited") return { ok: false, error: backOff(error, ctx, opts), retry: false };
    const serverFault = res.status >= 500 && (error.failure === "http-error" || error.failure === "malformed");
    return { ok: false, error, retry: serverFault };
  }
}

/** Opens the limiter's back-off window for Retry-After (or the adapter's penalty). */
function backOff<T>(error: SourceError, ctx: SourceContext, opts: HttpGetOptions<T>): SourceError {
  const ms = error.retryAfterMs ?? opts.penaltyMs ?? DEFAULT_RATE_LIMIT_PENALTY_MS;
  ctx.limiter?.backOff(ms);
  ctx.logger?.warn({ source: error.source, backoffMs: ms }, "source rate limited us; backing off");
  return error.retryAfterMs === undefined ? new SourceError("rate-limited", error.source, stripPrefix(error), ms) : error;
}

export function stripPrefix(e: SourceError): string {
  const prefix = `${e.source}: ${e.failure}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}

/** One HTTP attempt; the socket is destroyed when the timeout or the caller's signal fires. */
async function sendOnce(sourceId: string, url: string, ctx: SourceContext): Promise<HttpResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, ctx.timeoutMs);
  const onAbort = () => controller.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  ctx.onRequest?.(sourceId, url);
  try {
    const res = await axios.get<string>(url, {
      signal: controller.signal,
      responseType: "text",
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      maxContentLength: MAX_BODY_BYTES,
      // A venue answering with a redirect has moved its API: a config change, not something to
      // follow silently to another host (and the native transport is cheaper per request).
      maxRedirects: 0,
      headers: { Accept: "application/json, text/csv;q=0.9, */*;q=0.5", "User-Agent": "ai-oracle-node/0.1" },
    });
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) headers[k.toLowerCase()] = v === undefined || v === null ? undefined : String(v);
    return { status: res.status, headers, text: typeof res.data === "string" ? res.data : String(res.data ?? ""), receivedAt: ctx.now() };
  } catch (err) {
    if (timedOut) throw new SourceError("timeout", sourceId, `no answer within ${ctx.timeoutMs} ms`);
    if (ctx.signal?.aborted) throw new SourceError("timeout", sourceId, "aborted by the caller");
    const code = (err as { code?: string }).code;
    const msg = err instanceof Error ? err.message : String(err);
    if (code === "ERR_BAD_RESPONSE" || /maxContentLength/.test(msg)) throw new SourceError("malformed", sourceId, `bad response: ${msg}`);
    throw new SourceError("unreachable", sourceId, `${code ?? "error"}: ${msg}`);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
  }
}

/** The start of a body, for error messages. */
export function snippet(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
