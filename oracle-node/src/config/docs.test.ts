import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schemaDefaults, schemaKeyPaths } from "./schema-keys";

/** docs/configuration.md documents every key of the schema, and only keys that exist. */
const DOC = readFileSync("docs/configuration.md", "utf8");
/** The key column of the reference tables: "| `node.keystore.path` | ...". */
const DOCUMENTED = new Set([...DOC.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
/** The default column of each key's row (cells split on unescaped pipes). */
const DEFAULT_CELL = new Map([...DOC.matchAll(/^\| `([^`]+)` \|.*$/gm)].map((m) => [m[1], m[0].split(/(?<!\\)\|/)[3]?.trim() ?? ""] as const));

describe("docs/configuration.md", () => {
  it("has a table row for every key in the schema", () => {
    const missing = schemaKeyPaths().filter((p) => !DOCUMENTED.has(p));
    expect(missing, `keys missing from docs/configuration.md:\n${missing.join("\n")}`).toEqual([]);
  });

  it("documents no key the schema does not have", () => {
    const keys = new Set(schemaKeyPaths());
    const stale = [...DOCUMENTED].filter((p) => !keys.has(p));
    expect(stale, `documented keys the schema lacks:\n${stale.join("\n")}`).toEqual([]);
  });

  it("states each key's schema default, so the docs cannot drift from the one place defaults live", () => {
    const defaults = schemaDefaults();
    expect(defaults.get("node.timing.pollIntervalMs")).toBe(1_000);
    const wrong = [...defaults]
      .filter(([path, value]) => !(DEFAULT_CELL.get(path) ?? "").includes(`\`${value}\``))
      .map(([path, value]) => `${path}: schema default ${value}, docs say "${DEFAULT_CELL.get(path)}"`);
    expect(wrong).toEqual([]);
  });

  it("the walker sees nested, list, map and union keys (it can fail)", () => {
    const keys = schemaKeyPaths();
    for (const k of [
      "node.keystore.passwordEnv",
      "feeds[].sources[].id",
      "sources.overrides.<id>.baseUrl",
      "sources.generic[].valuePath",
      "sources.generic[].column",
    ]) {
      expect(keys).toContain(k);
    }
  });
});
