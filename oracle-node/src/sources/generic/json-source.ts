import { SourceError } from "../../quotes/quote";
import { buildQuote } from "../build-quote";
import { tsIso, tsMs, tsSeconds, type RawQuote } from "../extract";
import { GenericJsonSourceConfigSchema, type GenericJsonSourceConfig, type GenericJsonSourceConfigInput } from "../generic-config";
import { snippet, type HttpResponse } from "../http/client";
import { JsonSyntaxError, parseJsonLossless } from "../http/parse-json";
import type { SourceAdapter, SourceContext, SourceRequest, SourceResult } from "../types";
import { walkPath } from "./json-path";
import { configuredSource } from "./configured-source";
import { applyScale } from "./scale";
import { fillTemplate, type TemplateVars } from "./template";

/** Back-off after a generic API's 429 without Retry-After. */
const GENERIC_PENALTY_MS = 30_000;

/**
 * A source defined only in config: GET a URL template, read the value (and optionally a
 * timestamp) at JSON paths, scale it exactly, validate it. Serves FX (Frankfurter,
 * open.er-api), weather (Open-Meteo) and any keyless JSON API of the same kind.
 */
export function createGenericJsonSource(input: GenericJsonSourceConfig | GenericJsonSourceConfigInput): SourceAdapter {
  const cfg = GenericJsonSourceConfigSchema.parse(input);

  function finish(req: SourceRequest, vars: TemplateVars, got: { body: unknown; receivedAt: number }, ctx: SourceContext): SourceResult {
    const valuePath = fillTemplate(cfg.valuePath, vars, false);
    const value = walkPath(got.body, valuePath);
    if (!value.found) {
      const failure = value.missingLast ? "unknown-symbol" : "malformed";
      return { ok: false, error: new SourceError(failure, cfg.id, `${req.pair}: nothing at ${valuePath} (stopped at ${value.at})`) };
    }
    const raw: RawQuote = { price: value.value };
    if (cfg.timestampPath) {
      const ts = walkPath(got.body, fillTemplate(cfg.timestampPath, vars, false));
      if (!ts.found) return { ok: false, error: new SourceError("malformed", cfg.id, `${req.pair}: no timestamp at ${cfg.timestampPath}`) };
      const read = cfg.timestampUnit === "ms" ? tsMs : cfg.timestampUnit === "iso" ? tsIso : tsSeconds;
      raw.timestamp = read(ts.value, cfg.timestampPath);
    }
    return buildQuote(cfg.id, req.pair, raw, got.receivedAt, ctx, ctx.maxAgeMs ?? cfg.maxAgeMs, (x) => applyScale(x, cfg.scale));
  }

  return configuredSource(cfg, GENERIC_PENALTY_MS, (res) => interpret(cfg, res), finish);
}

function interpret(cfg: GenericJsonSourceConfig, res: HttpResponse): { body: unknown; receivedAt: number } {
  let body: unknown;
  let syntax: string | undefined;
  try {
    body = parseJsonLossless(res.text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    syntax = err.message;
  }
  if (cfg.error && syntax === undefined) {
    const flag = walkPath(body, cfg.error.path);
    if (flag.found && flag.value === cfg.error.equals) {
      const msg = cfg.error.messagePath ? walkPath(body, cfg.error.messagePath) : undefined;
      const message = msg?.found ? String(msg.value) : snippet(res.text);
      const unknown = cfg.error.unknownSymbolPattern !== undefined && new RegExp(cfg.error.unknownSymbolPattern, "i").test(message);
      if (/rate.?limit|too many/i.test(message)) throw new SourceError("rate-limited", cfg.id, message);
      throw new SourceError(unknown ? "unknown-symbol" : "http-error", cfg.id, message);
    }
  }
  if (cfg.unknownSymbolStatuses.includes(res.status)) throw new SourceError("unknown-symbol", cfg.id, `HTTP ${res.status}: ${snippet(res.text)}`);
  if (res.status < 200 || res.status > 299) throw new SourceError("http-error", cfg.id, `HTTP ${res.status}: ${snippet(res.text)}`);
  if (syntax !== undefined) throw new SourceError("malformed", cfg.id, `not JSON (${syntax}): ${snippet(res.text, 60)}`);
  return { body, receivedAt: res.receivedAt };
}
