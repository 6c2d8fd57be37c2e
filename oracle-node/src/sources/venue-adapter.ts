import { SourceError } from "../quotes/quote";
import { buildQuote, toSourceError } from "./build-quote";
import { PayloadError, type RawQuote } from "./extract";
import { httpGet } from "./http/client";
import { interpretVenueResponse } from "./interpret-response";
import { checkSymbol } from "./symbols";
import type { SourceAdapter, SourceContext, SourceRequest, SourceResult } from "./types";
import type { AllMarketsSpec, VenueSpec } from "./venue-spec";

/** A quote older than this does not describe the market a feed polls every few seconds. */
export const DEFAULT_MAX_QUOTE_AGE_MS = 120_000;
/**
 * How long a symbol that broke a batch (the venue said it does not exist) is answered
 * unknown-symbol without asking: a delisted pair then costs nothing per round instead of a
 * one-by-one fallback, and a relisting is noticed within this time.
 */
export const UNKNOWN_SYMBOL_TTL_MS = 10 * 60_000;
/**
 * From this many symbols in one round, a venue with an every-market endpoint is asked once for
 * all markets instead of once per symbol: one larger answer beats ten small requests against
 * the venue's request limit.
 */
export const ALL_MARKETS_MIN_SYMBOLS = 10;

interface Fetched {
  raw: RawQuote;
  receivedAt: number;
}

type SymbolResult = { ok: true; value: Fetched } | { ok: false; error: SourceError };

/** One HTTP request of a round: its path, cost and how to read its answer. */
interface ChunkRequest {
  path: string;
  cost: number;
  entries: (body: unknown, symbols: string[]) => unknown[];
  read: (entry: unknown, body: unknown, symbol: string) => RawQuote;
}

/** A venue adapter's state: its spec and the symbols a batch recently proved unknown. */
interface Venue {
  spec: VenueSpec;
  /** Per base URL and symbol: until when a batch's "unknown symbol" is believed. */
  unknownUntil: Map<string, number>;
}

/** Builds a SourceAdapter from a venue spec: batching, HTTP, parsing, validation, classification. */
export function venueAdapter(spec: VenueSpec): SourceAdapter {
  const venue: Venue = { spec, unknownUntil: new Map() };
  const maxAgeMs = spec.maxAgeMs ?? DEFAULT_MAX_QUOTE_AGE_MS;
  return {
    id: spec.id,
    defaultBaseUrl: spec.defaultBaseUrl,
    rateLimit: spec.rateLimit,
    batch: spec.maxBatch > 1 || spec.allMarkets !== undefined,
    maxAgeMs,
    defaultSymbol: (pair) => spec.defaultSymbol(pair),
    async fetch(reqs, ctx) {
      try {
        return await fetchVenue(venue, reqs, ctx, maxAgeMs);
      } catch (err) {
        // Last line of defence: an adapter never throws, whatever a payload did to it.
        const error = toSourceError(spec.id, err);
        return reqs.map(() => ({ ok: false, error }));
      }
    },
  };
}

/** One result per request: symbols resolved, fetched once each (batched), quotes validated. */
async function fetchVenue(venue: Venue, reqs: SourceRequest[], ctx: SourceContext, maxAgeMs: number): Promise<SourceResult[]> {
  const { spec } = venue;
  const keys = reqs.map((r) => resolveSymbol(spec, r));
  const unique = [...new Set(keys.filter((k): k is string => typeof k === "string"))];
  const { chunks, known } = plan(venue, unique, ctx);
  const asked = chunks.flat();
  const maps =
    spec.allMarkets && spec.maxBatch === 1 && asked.length >= ALL_MARKETS_MIN_SYMBOLS
      ? [await fetchAllMarkets(venue, spec.allMarkets, asked, ctx)]
      : await Promise.all(chunks.map((c) => fetchSymbols(venue, c, ctx)));
  const bySymbol = new Map([...known, ...maps.flatMap((m) => [...m])]);
  return reqs.map((req, i): SourceResult => {
    const key = keys[i];
    if (key instanceof SourceError) return { ok: false, error: key };
    const r = bySymbol.get(key);
    if (!r) return { ok: false, error: new SourceError("malformed", spec.id, `no result for ${key}`) };
    if (!r.ok) return r;
    return buildQuote(spec.id, req.pair, r.value.raw, r.value.receivedAt, ctx, ctx.maxAgeMs ?? maxAgeMs);
  });
}

/** The key a request is fetched under, or why it has none (a symbol the venue cannot have). */
function resolveSymbol(spec: VenueSpec, req: SourceRequest): string | SourceError {
  try {
    return checkSymbol(spec.resolveSymbol ? spec.resolveSymbol(req) : req.symbol?.trim() || spec.defaultSymbol(req.pair));
  } catch (err) {
    return new SourceError("unknown-symbol", spec.id, err instanceof Error ? err.message : String(err));
  }
}

function chunkRequest(spec: VenueSpec, symbols: string[]): ChunkRequest {
  return {
    path: spec.path(symbols),
    cost: spec.cost?.(symbols.length) ?? 1,
    entries: (body, syms) => spec.entries(body, syms),
    read: (e, b, sym) => spec.read(e, b, sym),
  };
}

/** One request for these symbols; throws (a SourceError) only when the whole answer fails. */
async function fetchChunk(spec: VenueSpec, symbols: string[], ctx: SourceContext, req = chunkRequest(spec, symbols)): Promise<Map<string, SymbolResult>> {
  const url = joinUrl(ctx.baseUrl ?? spec.defaultBaseUrl, req.path);
  const { body, receivedAt } = await httpGet(spec.id, url, ctx, {
    cost: req.cost,
    penaltyMs: spec.rateLimit.penaltyMs,
    interpret: (res) => interpretVenueResponse(spec, res),
  });
  let entries: unknown[];
  try {
    entries = req.entries(body, symbols);
    if (!Array.isArray(entries) || entries.length !== symbols.length) throw new PayloadError("malformed", "entries misaligned");
  } catch (err) {
    throw toSourceError(spec.id, err);
  }
  const out = new Map<string, SymbolResult>();
  symbols.forEach((sym, i) => {
    const entry = entries[i];
    if (entry === undefined || entry === null) {
      out.set(sym, { ok: false, error: new SourceError("unknown-symbol", spec.id, `no ${sym} in the answer`) });
      return;
    }
    try {
      out.set(sym, { ok: true, value: { raw: req.read(entry, body, sym), receivedAt } });
    } catch (err) {
      out.set(sym, { ok: false, error: toSourceError(spec.id, err) });
    }
  });
  return out;
}

/**
 * Every symbol from the venue's every-market answer. An endpoint the server does not have
 * (404, or an error the venue maps to unknown-symbol) falls back to per-symbol requests.
 */
async function fetchAllMarkets(venue: Venue, all: AllMarketsSpec, symbols: string[], ctx: SourceContext): Promise<Map<string, SymbolResult>> {
  const { spec } = venue;
  try {
    return await fetchChunk(spec, symbols, ctx, {
      path: all.path,
      cost: all.cost ?? 1,
      entries: (body, syms) => all.entries(body, syms),
      read: (e, b, sym) => (all.read ?? spec.read)(e, b, sym),
    });
  } catch (err) {
    const error = toSourceError(spec.id, err);
    if (error.failure === "unknown-symbol" || /HTTP 404/.test(error.message)) {
      ctx.logger?.info({ source: spec.id }, "no every-market endpoint here; fetching per symbol");
      const parts = await Promise.all(symbols.map((s) => fetchSymbols(venue, [s], ctx)));
      return new Map(parts.flatMap((m) => [...m]));
    }
    return new Map(symbols.map((s) => [s, { ok: false, error }]));
  }
}

function unknownKey(venue: Venue, ctx: SourceContext, sym: string): string {
  return `${ctx.baseUrl ?? venue.spec.defaultBaseUrl}|${sym}`;
}

/**
 * A batch naming one unknown symbol fails whole at most venues: then ask one by one, and
 * remember the unknown ones for UNKNOWN_SYMBOL_TTL_MS.
 */
async function fetchSymbols(venue: Venue, symbols: string[], ctx: SourceContext): Promise<Map<string, SymbolResult>> {
  const { spec } = venue;
  try {
    return await fetchChunk(spec, symbols, ctx);
  } catch (err) {
    const error = toSourceError(spec.id, err);
    if (error.failure === "unknown-symbol" && symbols.length > 1) {
      ctx.logger?.info({ source: spec.id, symbols: symbols.length }, "batch named an unknown symbol; fetching one by one");
      const parts = await Promise.all(symbols.map((s) => fetchSymbols(venue, [s], ctx)));
      const merged = new Map(parts.flatMap((m) => [...m]));
      for (const [sym, r] of merged) {
        if (!r.ok && r.error.failure === "unknown-symbol") venue.unknownUntil.set(unknownKey(venue, ctx, sym), ctx.now() + UNKNOWN_SYMBOL_TTL_MS);
      }
      return merged;
    }
    return new Map(symbols.map((s) => [s, { ok: false, error }]));
  }
}

/** Batches of at most maxBatch symbols, leaving out symbols a batch recently proved unknown. */
function plan(venue: Venue, symbols: string[], ctx: SourceContext): { chunks: string[][]; known: Map<string, SymbolResult> } {
  const { spec, unknownUntil } = venue;
  const now = ctx.now();
  const ask: string[] = [];
  const known = new Map<string, SymbolResult>();
  for (const sym of symbols) {
    const key = unknownKey(venue, ctx, sym);
    const until = unknownUntil.get(key);
    if (until !== undefined && until > now) {
      const error = new SourceError("unknown-symbol", spec.id, `${sym} is unknown at the venue (asked again in ${Math.ceil((until - now) / 1000)} s)`);
      known.set(sym, { ok: false, error });
      continue;
    }
    if (until !== undefined) unknownUntil.delete(key);
    ask.push(sym);
  }
  const chunks: string[][] = [];
  for (let i = 0; i < ask.length; i += spec.maxBatch) chunks.push(ask.slice(i, i + spec.maxBatch));
  return { chunks, known };
}

/** Base URL (scheme + host, maybe a prefix) plus the documented path and query. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + path;
}
