import type { z } from "zod";

/**
 * Config problems, each with the path it concerns ("feeds[0].sources[2].id") and what is
 * wrong. Loading collects every problem it can find before throwing, so an operator fixes a
 * file in one pass.
 */
export interface ConfigIssue {
  /** Dotted path with [n] for list items; "" for the file as a whole. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly issues: ConfigIssue[],
    readonly file?: string,
  ) {
    super(`${file ?? "config"}: ${issues.length} problem(s)\n${formatConfigErrors(issues)}`);
    this.name = "ConfigError";
  }
}

/** ["feeds", 0, "sources", 2, "id"] -> "feeds[0].sources[2].id". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** One line per issue: "  feeds[0].minSources: is 5 but the feed lists only 3 source(s)". */
export function formatConfigErrors(issues: readonly ConfigIssue[] | ConfigError): string {
  const list = issues instanceof ConfigError ? issues.issues : issues;
  return list.map((i) => `  ${i.path === "" ? "(file)" : i.path}: ${i.message}`).join("\n");
}

/** zod issues -> ConfigIssues, with messages that say what was expected and what was found. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    if (i.code === "unrecognized_keys") {
      for (const key of i.keys) out.push({ path: formatPath([...i.path, key]), message: unknownKeyMessage(key) });
      continue;
    }
    if (i.code === "invalid_type" && / received undefined$/.test(i.message)) {
      out.push({ path: formatPath(i.path), message: `required (${i.expected})` });
      continue;
    }
    out.push({ path: formatPath(i.path), message: i.message });
  }
  return out;
}

function unknownKeyMessage(key: string): string {
  if (/^pass(word|phrase)$/i.test(key)) {
    return "never put a password in the config: use passwordEnv (an environment variable name) or passwordFile";
  }
  if (/private.?key|mnemonic|secret/i.test(key)) return "never put a key or secret in the config: use node.keystore";
  return "unknown key (check its spelling against docs/configuration.md)";
}
