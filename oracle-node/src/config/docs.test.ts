import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schemaKeyPaths } from "./schema-keys";

/** docs/configuration.md documents every key of the schema, and only keys that exist. */
const DOC = readFileSync("docs/configuration.md", "utf8");
/** The key column of the reference tables: "| `node.keystore.path` | ...". */
const DOCUMENTED = new Set([...DOC.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));

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

  it("the walker sees nested, list, map and union keys (it can fail)", () => {
    const keys = schemaKeyPaths();
    for (const k of ["node.keystore.passwordEnv", "feeds[].sources[].id", "sources.overrides.<id>.baseUrl", "sources.generic[].valuePath", "sources.generic[].column"]) {
      expect(keys).toContain(k);
    }
  });
});
