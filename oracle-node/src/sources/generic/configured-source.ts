import type { GenericJsonSourceConfig } from "../generic-config";
import { httpGet, type HttpResponse } from "../http/client";
import { checkSymbol } from "../symbols";
import type { SourceAdapter, SourceContext, SourceRequest, SourceResult } from "../types";
import { requestEach } from "./request-each";
import { fillTemplate, splitUrl, templateVars, type TemplateVars } from "./template";

/** What every source defined only in config has (JSON and CSV alike). */
type ConfiguredSourceBase = Pick<GenericJsonSourceConfig, "id" | "url" | "defaultSymbol" | "maxAgeMs" | "rateLimit">;

/**
 * The adapter shell shared by the config-defined JSON and CSV sources: fill the URL template per
 * request (one GET per distinct URL, see requestEach), download with the source's own rate limit
 * and 429 penalty, and let the format read each request's value from the shared answer.
 */
export function configuredSource<B>(
  cfg: ConfiguredSourceBase,
  penaltyMs: number,
  /** Reads a downloaded answer in the source's format (thrown SourceErrors classify it). */
  interpret: (res: HttpResponse) => B,
  finish: (req: SourceRequest, vars: TemplateVars, got: B, ctx: SourceContext) => SourceResult,
): SourceAdapter {
  const { origin, path } = splitUrl(cfg.url);
  const prepare = (req: SourceRequest, ctx: SourceContext) => {
    const vars = templateVars(req.pair, req.symbol, cfg.defaultSymbol);
    checkSymbol(vars.symbol);
    return { url: (ctx.baseUrl ?? origin).replace(/\/+$/, "") + fillTemplate(path, vars, true), plan: vars };
  };
  return {
    id: cfg.id,
    defaultBaseUrl: origin,
    rateLimit: { ...cfg.rateLimit, penaltyMs, note: "from the source's config" },
    batch: false,
    maxAgeMs: cfg.maxAgeMs,
    defaultSymbol: (pair) => templateVars(pair, undefined, cfg.defaultSymbol).symbol,
    fetch: (reqs, ctx) =>
      requestEach(
        cfg.id,
        reqs,
        (req) => prepare(req, ctx),
        (url) => httpGet(cfg.id, url, ctx, { penaltyMs, interpret }),
        (req, vars, got) => finish(req, vars, got, ctx),
      ),
  };
}
