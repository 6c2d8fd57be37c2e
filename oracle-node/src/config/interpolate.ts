import type { ConfigIssue } from "./errors";
import { formatPath } from "./errors";

/**
 * `${VAR}` and `${VAR:-default}` in any string value of the config are replaced with the
 * environment's value; `$${` writes a literal `${`. A variable that is unset (and has no default)
 * is an issue at that value's path. Only values are interpolated, never keys.
 */
const VAR_RE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, issues: ConfigIssue[], path: PropertyKey[] = []): unknown {
  if (typeof value === "string") return interpolateString(value, env, issues, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, issues, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}

/** A value that is one whole reference takes the type its text reads as in YAML (port: ${PORT}). */
const WHOLE_REF_RE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const INT_RE = /^-?\d{1,15}$/;
const FLOAT_RE = /^-?\d+\.\d+$/;

function interpolateString(s: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[], path: PropertyKey[]): unknown {
  const out = substitute(s, env, issues, path);
  if (!WHOLE_REF_RE.test(s)) return out;
  if (INT_RE.test(out) || FLOAT_RE.test(out)) return Number(out);
  if (out === "true" || out === "false") return out === "true";
  return out;
}

function substitute(s: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[], path: PropertyKey[]): string {
  return s.replace(VAR_RE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      issues.push({ path: formatPath(path), message: `bad variable reference ${match}: write \${NAME} or \${NAME:-default}` });
      return match;
    }
    const v = env[name];
    if (v !== undefined && v !== "") return v;
    if (fallback !== undefined) return fallback;
    issues.push({ path: formatPath(path), message: `environment variable ${name} is not set (write \${${name}:-default} for a default)` });
    return match;
  });
}
