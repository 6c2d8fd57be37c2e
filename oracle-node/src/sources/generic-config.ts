import { z } from "zod";
import { parseDecimal } from "../quotes/decimal";

/**
 * Config schemas of the generic sources: a feed's source defined entirely in the node's config
 * file (FX from Frankfurter or open.er-api, weather from Open-Meteo, stock closes from Stooq).
 * The node config schema imports these; z.infer gives the TypeScript types.
 *
 * Templates: `{base}`, `{quote}` and `{symbol}` expand to the pair's parts and the source's
 * symbol; `{base:lower}`, `{quote:lower}`, `{symbol:lower}` (and `:upper`) change case.
 */

/** Source ids appear in metrics and logs: keep them short and plain. */
const SOURCE_ID_RE = /^[a-z][a-z0-9-]{1,39}$/;

const decimalText = z.string().refine(
  (s) => {
    try {
      parseDecimal(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a decimal number written as a string, e.g. "273.15"' },
);

const urlTemplate = z.string().regex(/^https?:\/\/[^/?#\s{}]+(\/[^\s]*)?$/, { message: "must be an http(s) URL whose scheme and host have no {placeholders}" });

export const ScaleSchema = z.strictObject({
  /** Take 1/value first (the API quotes the inverse pair, e.g. USD per EUR for a EUR/USD feed). */
  invert: z.boolean().default(false),
  /** Then multiply by 10^pow10 (unit changes: cents -> dollars is -2). */
  pow10: z.int().min(-18).max(18).default(0),
  /** Then add this decimal (°C -> K: "273.15", so temperatures stay positive). */
  offset: decimalText.optional(),
});

export const GenericRateLimitSchema = z.strictObject({
  capacity: z.number().positive(),
  refillPerSec: z.number().positive(),
});

const common = {
  /** The source id used in feeds' source lists, logs and metrics. */
  id: z.string().regex(SOURCE_ID_RE, { message: "must be 2-40 chars of a-z, 0-9 and '-', starting with a letter" }),
  /** Full URL template; its scheme and host are what --base-url / baseUrl replace. */
  url: urlTemplate,
  /** Venue symbol when a feed's source entry names none. */
  defaultSymbol: z.string().min(1).default("{base}{quote}"),
  /** A source timestamp older than this is stale (daily FX needs days). */
  maxAgeMs: z.int().positive().default(120_000),
  rateLimit: GenericRateLimitSchema.default({ capacity: 5, refillPerSec: 1 }),
  scale: ScaleSchema.optional(),
  /** HTTP statuses that mean "no such symbol" (Frankfurter: 404 and 422). */
  unknownSymbolStatuses: z.array(z.int().min(400).max(599)).default([404]),
};

export const GenericJsonSourceConfigSchema = z.strictObject({
  kind: z.literal("json"),
  ...common,
  /** Dotted path to the value, with [n] for array items and templates: "rates.{quote}". */
  valuePath: z.string().min(1),
  /** Path to the source's timestamp, if it gives one. */
  timestampPath: z.string().min(1).optional(),
  /** Unit of that timestamp: unix seconds, unix ms, or ISO-8601 text (a date, or a time; UTC when no zone). */
  timestampUnit: z.enum(["s", "ms", "iso"]).default("s"),
  /** An error the API reports in its body: when the value at `path` equals `equals`. */
  error: z
    .strictObject({
      path: z.string().min(1),
      equals: z.union([z.string(), z.number(), z.boolean()]),
      messagePath: z.string().min(1).optional(),
      /** Error messages matching this regex mean "unknown symbol". */
      unknownSymbolPattern: z.string().optional(),
    })
    .optional(),
});

export const GenericCsvSourceConfigSchema = z.strictObject({
  kind: z.literal("csv"),
  ...common,
  /** Header name of the value column ("Close"). */
  column: z.string().min(1),
  /** Header name of a column to match against the symbol (case-insensitive); default: first data row. */
  symbolColumn: z.string().min(1).optional(),
  volumeColumn: z.string().min(1).optional(),
  /** Columns that make the source's timestamp: a date (YYYY-MM-DD) and an optional time (HH:MM:SS). */
  timestamp: z
    .strictObject({
      dateColumn: z.string().min(1),
      timeColumn: z.string().min(1).optional(),
      /** The source's clock offset from UTC, minutes (Stooq's times are not UTC). */
      utcOffsetMinutes: z.int().min(-840).max(840).default(0),
    })
    .optional(),
  delimiter: z.string().length(1).default(","),
  /** A cell text meaning "no data for this symbol" (Stooq: N/D). */
  missingValue: z.string().default("N/D"),
  /** A body containing this text means the quota is spent (Stooq's daily hits limit). */
  rateLimitText: z.string().default("Exceeded the daily hits limit"),
});

export const GenericSourceConfigSchema = z.discriminatedUnion("kind", [GenericJsonSourceConfigSchema, GenericCsvSourceConfigSchema]);

export type GenericJsonSourceConfig = z.infer<typeof GenericJsonSourceConfigSchema>;
export type GenericCsvSourceConfig = z.infer<typeof GenericCsvSourceConfigSchema>;
export type GenericSourceConfig = z.infer<typeof GenericSourceConfigSchema>;
/** What a config file may write (defaults not yet applied). */
export type GenericJsonSourceConfigInput = z.input<typeof GenericJsonSourceConfigSchema>;
export type GenericCsvSourceConfigInput = z.input<typeof GenericCsvSourceConfigSchema>;
