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
  walk(schema, "", out);
  return [...out].sort();
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

function walk(schema: z.ZodType, path: string, out: Set<string>): void {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case "object":
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        const p = path === "" ? key : `${path}.${key}`;
        out.add(p);
        walk(child, p, out);
      }
      return;
    case "array":
      walk(def.element as z.ZodType, `${path}[]`, out);
      return;
    case "record":
      walk(def.valueType as z.ZodType, `${path}.<id>`, out);
      return;
    case "union":
      for (const option of def.options ?? []) walk(option, path, out);
      return;
    case "optional":
    case "default":
    case "nullable":
    case "readonly":
    case "prefault":
      walk(def.innerType as z.ZodType, path, out);
      return;
    case "pipe":
      walk(def.in as z.ZodType, path, out);
      walk(def.out as z.ZodType, path, out);
      return;
    default:
      return;
  }
}
