import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError, fromZodIssues, type ConfigIssue } from "./errors";
import { interpolateEnv } from "./interpolate";
import { NodeConfigSchema, type NodeConfig } from "./schema";

/**
 * Reading a node config: YAML text -> environment interpolation -> schema and cross-field
 * checks. Every step collects its problems; any problem throws one ConfigError listing all of
 * them, so nothing starts on an invalid config.
 */
export interface LoadOptions {
  /** Environment for ${VAR} interpolation. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Validates an already-parsed object (after interpolation). */
export function parseConfig(obj: unknown, opts: LoadOptions & { file?: string } = {}): NodeConfig {
  const issues: ConfigIssue[] = [];
  const interpolated = interpolateEnv(obj, opts.env ?? process.env, issues);
  if (issues.length > 0) throw new ConfigError(issues, opts.file);
  const parsed = NodeConfigSchema.safeParse(interpolated);
  if (!parsed.success) throw new ConfigError(fromZodIssues(parsed.error.issues), opts.file);
  return parsed.data;
}

/** Parses YAML text; syntax errors name their line and column. */
export function parseConfigText(text: string, opts: LoadOptions & { file?: string } = {}): NodeConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        path: "",
        message: `YAML line ${e.linePos?.[0].line ?? "?"} column ${e.linePos?.[0].col ?? "?"}: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
      opts.file,
    );
  }
  const obj: unknown = doc.toJS();
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new ConfigError([{ path: "", message: "the file must hold a YAML mapping with node, sources and feeds" }], opts.file);
  }
  return parseConfig(obj, opts);
}

/** Reads and validates a config file; throws ConfigError with every problem found. */
export function loadConfig(path: string, opts: LoadOptions = {}): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError([{ path: "", message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], path);
  }
  return parseConfigText(text, { ...opts, file: path });
}
