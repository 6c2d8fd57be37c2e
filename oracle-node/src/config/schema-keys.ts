import type { z } from "zod";
import { NodeConfigSchema } from "./schema";

/**
 * Every key a config file may contain, as documentation paths: "node.keystore.passwordEnv",
 * "feeds[].sources[].id", "sources.overrides.<id>.baseUrl", "sources.generic[].valuePath".
 * docs/configuration.md must mention each one (a test checks), so the schema cannot grow a
 * key the reference does not explain.
 */
export function schemaKeyPaths(schema: z.ZodType = NodeConfigSchema): string[] {
  const out = new Set<string>();
  walk(schema, "", out, () => undefined);
  return [...out].sort();
}

/**
 * The default of every key whose default is a plain value (number, string, boolean), by
 * documentation path: "node.timing.tickMs" -> 50. Object defaults (`prefault({})`) are not
 * listed: their keys' own defaults are.
 */
export function schemaDefaults(schema: z.ZodType = NodeConfigSchema): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  const seen = new Set<string>();
  walk(schema, "", seen, (path, def) => {
    const v = def.type === "default" ? def.defaultValue : undefined;
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out.set(path, v);
  });
  return out;
}

interface Def {
  type: string;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

function walk(schema: z.ZodType, path: string, out: Set<string>, visit: (path: string, def: Def) => void): void {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  visit(path, def);
  switch (def.type) {
    case "object":
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        const p = path === "" ? key : `${path}.${key}`;
        out.add(p);
        walk(child, p, out, visit);
      }
      return;
    case "array":
      walk(def.element as z.ZodType, `${path}[]`, out, visit);
      return;
    case "record":
      walk(def.valueType as z.ZodType, `${path}.<id>`, out, visit);
      return;
    case "union":
      for (const option of def.options ?? []) walk(option, path, out, visit);
      return;
    case "optional":
    case "default":
    case "nullable":
    case "readonly":
    case "prefault":
      walk(def.innerType as z.ZodType, path, out, visit);
      return;
    case "pipe":
      walk(def.in as z.ZodType, path, out, visit);
      walk(def.out as z.ZodType, path, out, visit);
      return;
    default:
      return;
  }
}
