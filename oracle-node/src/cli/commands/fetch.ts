import type { Command } from "commander";
import { stripPrefix } from "../../sources/http/client";
import { splitPair } from "../../sources/symbols";
import { toQuoteJson } from "../../sources/quote-json";
import { SOURCE_IDS, createGenericCsvSource, createGenericJsonSource, getAdapter, isSourceId, type SourceAdapter } from "../../sources/registry";
import { genericSource, loadConfig, resolveBaseUrl } from "../../config";
import { createLogger } from "../../log/logger";

/** A single CLI fetch may wait longer than a round would: the operator is watching. */
const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

interface FetchOptions {
  source: string;
  pair: string;
  symbol?: string;
  baseUrl?: string;
  timeoutMs: string;
  maxAgeMs?: string;
  retries?: string;
  config?: string;
}

/** The adapter for --source: built in, or a generic source defined in --config. */
function sourceFor(o: FetchOptions): { adapter: SourceAdapter; baseUrl?: string } {
  if (!o.config) return { adapter: getAdapter(o.source) }; // throws, listing the known ids
  const cfg = loadConfig(o.config);
  const g = isSourceId(o.source) ? undefined : genericSource(cfg, o.source);
  const adapter = g ? (g.kind === "json" ? createGenericJsonSource(g) : createGenericCsvSource(g)) : getAdapter(o.source);
  return { adapter, baseUrl: resolveBaseUrl(cfg, { id: o.source }) };
}

/**
 * `oracle-node fetch --source ID --pair BASE/QUOTE`: one quote from one source, through the same
 * adapter, HTTP client and validation the node uses. Prints one JSON line
 * {"source","pair","price","bid","ask","volume","timestamp"} (prices as decimal text) and exits
 * 0; on failure prints the failure class and message on stderr and exits 1.
 */
export function register(program: Command): void {
  program
    .command("fetch")
    .description("fetch one normalized quote from one source and print it as a JSON line")
    .requiredOption("--source <id>", `source id: ${SOURCE_IDS.join(", ")}, or a generic source of --config`)
    .requiredOption("--pair <BASE/QUOTE>", "feed pair, e.g. BTC/USD")
    .option("--symbol <venue-symbol>", "the venue's symbol (default: the adapter's mapping of the pair)")
    .option("--base-url <url>", "replaces the documented scheme and host, e.g. http://127.0.0.1:8080")
    .option("--timeout-ms <n>", "per-attempt timeout in ms", String(DEFAULT_FETCH_TIMEOUT_MS))
    .option("--max-age-ms <n>", "reject source timestamps older than this (default: the adapter's)")
    .option("--retries <n>", "retries after a timeout or 5xx (default 2)")
    .option("--config <file>", "node config: its generic sources (sources.generic) and base URL overrides apply")
    .action(async (o: FetchOptions) => {
      const usage = (msg: string): never => {
        process.stderr.write(`oracle-node fetch: ${msg}\n`);
        process.exit(EXIT_USAGE);
      };
      let adapter: SourceAdapter;
      let configBaseUrl: string | undefined;
      try {
        ({ adapter, baseUrl: configBaseUrl } = sourceFor(o));
        splitPair(o.pair);
      } catch (err) {
        return usage(err instanceof Error ? err.message : String(err));
      }
      const timeoutMs = positiveInt(o.timeoutMs) ?? usage(`--timeout-ms must be a positive integer, got ${o.timeoutMs}`);
      const maxAgeMs = o.maxAgeMs === undefined ? undefined : (positiveInt(o.maxAgeMs) ?? usage(`--max-age-ms must be a positive integer`));
      const maxRetries = o.retries === undefined ? undefined : (nonNegativeInt(o.retries) ?? usage(`--retries must be a non-negative integer`));
      if (o.baseUrl !== undefined && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(o.baseUrl)) {
        usage(`--base-url must be a scheme and host (and optional path prefix) like http://127.0.0.1:8080, got ${o.baseUrl}`);
      }
      const [result] = await adapter.fetch([{ pair: o.pair.toUpperCase(), symbol: o.symbol }], {
        baseUrl: o.baseUrl ?? configBaseUrl,
        timeoutMs,
        now: Date.now,
        maxAgeMs,
        maxRetries,
        // stderr carries only "<class>: <message>" unless the operator asks for logs.
        logger: process.env.LOG_LEVEL ? createLogger({ level: process.env.LOG_LEVEL, destination: process.stderr }) : undefined,
      });
      if (!result || !result.ok) {
        const e = result?.error;
        process.stderr.write(`${e?.failure ?? "malformed"}: ${e ? stripPrefix(e) : "no result"}\n`);
        process.exit(EXIT_FAILURE);
      }
      const { source, pair, price, bid, ask, volume, timestamp } = toQuoteJson(result.quote);
      process.stdout.write(`${JSON.stringify({ source, pair, price, bid, ask, volume, timestamp })}\n`);
    });
}

function positiveInt(s: string): number | undefined {
  const n = Number(s);
  return /^\d+$/.test(s) && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function nonNegativeInt(s: string): number | undefined {
  return s === "0" ? 0 : positiveInt(s);
}
