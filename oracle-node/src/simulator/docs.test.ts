import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SIMULATED_SOURCE_IDS } from "./vocabulary";

const ROOT = join(__dirname, "..", "..", "..");
const read = (...p: string[]): string => readFileSync(join(ROOT, ...p), "utf8");

/** GitHub's heading anchors: lower case, spaces to dashes, punctuation other than - and _ dropped. */
function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replace(/ /g, "-"),
    ),
  );
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe("simulator docs and citations", () => {
  it("docs/simulator.md links only to headings that exist in docs/sources.md", () => {
    const known = anchors(read("docs", "sources.md"));
    const cited = [...read("docs", "simulator.md").matchAll(/\(sources\.md#([\w-]+)\)/g)].map((m) => m[1]);
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((a) => !known.has(a))).toEqual([]);
  });

  it("docs/sources.md has a section for every simulated venue and data API", () => {
    const known = anchors(read("docs", "sources.md"));
    expect(SIMULATED_SOURCE_IDS.filter((id) => !known.has(id))).toEqual([]);
  });

  it("cites no reference outside the repository (simulator, generator, docs/simulator.md, model card)", () => {
    const cited = [
      ...files(join(ROOT, "oracle-node", "src", "simulator")),
      ...files(join(ROOT, "models")).filter((f) => /\.(ts|md)$/.test(f)),
      join(ROOT, "docs", "simulator.md"),
    ].filter((f) => !f.endsWith("docs.test.ts") && readFileSync(f, "utf8").includes("exchange-apis"));
    expect(cited).toEqual([]);
  });
});
