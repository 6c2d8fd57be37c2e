import { SourceError } from "../../quotes/quote";
import { buildQuote } from "../build-quote";
import { malformed, type RawQuote } from "../extract";
import { GenericCsvSourceConfigSchema, type GenericCsvSourceConfig, type GenericCsvSourceConfigInput } from "../generic-config";
import { snippet, type HttpResponse } from "../http/client";
import type { SourceAdapter, SourceContext, SourceRequest, SourceResult } from "../types";
import { parseCsv } from "./parse-csv";
import { configuredSource } from "./configured-source";
import { applyScale } from "./scale";
import type { TemplateVars } from "./template";

/** Stooq's quota resets daily; an hour is the shortest back-off that makes sense. */
const CSV_PENALTY_MS = 60 * 60_000;

/**
 * A CSV source defined only in config (Stooq: `Symbol,Date,Time,Open,High,Low,Close,Volume`):
 * reads one column of the symbol's row, optional date/time columns as its timestamp.
 */
export function createGenericCsvSource(input: GenericCsvSourceConfig | GenericCsvSourceConfigInput): SourceAdapter {
  const cfg = GenericCsvSourceConfigSchema.parse(input);

  function finish(req: SourceRequest, vars: TemplateVars, got: { rows: string[][]; receivedAt: number }, ctx: SourceContext): SourceResult {
    const header = got.rows[0];
    const col = (name: string) => {
      const i = header.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
      if (i < 0) malformed(`no ${name} column in the CSV header`);
      return i;
    };
    const data = got.rows.slice(1);
    const symCol = cfg.symbolColumn ? col(cfg.symbolColumn) : -1;
    const row = symCol >= 0 ? data.find((r) => (r[symCol] ?? "").trim().toLowerCase() === vars.symbol.toLowerCase()) : data[0];
    if (!row) return { ok: false, error: new SourceError("unknown-symbol", cfg.id, `${req.pair}: no row for ${vars.symbol}`) };
    const cell = (i: number) => (row[i] ?? "").trim();
    const price = cell(col(cfg.column));
    if (price === cfg.missingValue)
      return { ok: false, error: new SourceError("unknown-symbol", cfg.id, `${req.pair}: ${vars.symbol} has no data (${price})`) };
    const raw: RawQuote = { price };
    if (cfg.volumeColumn) raw.volume = cell(col(cfg.volumeColumn));
    const t = cfg.timestamp;
    if (t) raw.timestamp = csvTimestamp(cell(col(t.dateColumn)), t.timeColumn ? cell(col(t.timeColumn)) : undefined, t.utcOffsetMinutes);
    return buildQuote(cfg.id, req.pair, raw, got.receivedAt, ctx, ctx.maxAgeMs ?? cfg.maxAgeMs, (x) => applyScale(x, cfg.scale));
  }

  return configuredSource(cfg, CSV_PENALTY_MS, (res) => interpret(cfg, res), finish);
}

function interpret(cfg: GenericCsvSourceConfig, res: HttpResponse): { rows: string[][]; receivedAt: number } {
  if (res.text.includes(cfg.rateLimitText)) throw new SourceError("rate-limited", cfg.id, snippet(res.text));
  if (cfg.unknownSymbolStatuses.includes(res.status)) throw new SourceError("unknown-symbol", cfg.id, `HTTP ${res.status}: ${snippet(res.text)}`);
  if (res.status < 200 || res.status > 299) throw new SourceError("http-error", cfg.id, `HTTP ${res.status}: ${snippet(res.text)}`);
  const rows = parseCsv(res.text, cfg.delimiter);
  if (rows.length < 2 || rows[0].length < 2) throw new SourceError("malformed", cfg.id, `not a CSV with a header and a row: ${snippet(res.text, 60)}`);
  return { rows, receivedAt: res.receivedAt };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** "2024-03-22" + "22:00:09" at a UTC offset to unix ms. */
function csvTimestamp(date: string, time: string | undefined, offsetMinutes: number): number {
  const d = DATE_RE.exec(date);
  if (!d) return malformed(`date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  const t = time === undefined ? ["", "0", "0", "0"] : TIME_RE.exec(time);
  if (!t) return malformed(`time ${JSON.stringify(time)} is not HH:MM:SS`);
  const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  if (Number.isNaN(ms)) malformed(`bad date/time ${date} ${time ?? ""}`);
  return ms - offsetMinutes * 60_000;
}
