import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FRANKFURTER, OPEN_ER_API, OPEN_METEO_BERLIN, STOOQ } from "./generic/examples";
import { SOURCE_IDS } from "./registry";

const ROOT = join(__dirname, "..", "..", "..");
const DOC = readFileSync(join(ROOT, "docs", "sources.md"), "utf8");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6} (.+)$/gm))
    out.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replace(/ /g, "-"),
    );
  return out;
}

/** Every file under dir but this test (which names what it looks for). */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((f) => f !== __filename);
}

describe("docs/sources.md venue reference", () => {
  it("has a section per adapter and per keyless data API, headed by its exact id", () => {
    const venueSection = DOC.slice(DOC.indexOf("\n## Venue reference\n"));
    expect(venueSection.length).toBeGreaterThan(100);
    const headings = [...venueSection.matchAll(/^### (.+)$/gm)].map((m) => m[1].trim());
    for (const id of [...SOURCE_IDS, FRANKFURTER.id, OPEN_ER_API.id, OPEN_METEO_BERLIN.id, STOOQ.id]) expect(headings).toContain(id);
  });
  it("holds the heading of every link into it from oracle-node/src", () => {
    const known = anchors(DOC);
    const cited = files(join(ROOT, "oracle-node", "src")).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/docs\/sources\.md#([\w-]+)/g)].map((m) => m[1]));
    expect(cited.length).toBeGreaterThanOrEqual(SOURCE_IDS.length);
    expect(cited.filter((a) => !known.has(a))).toEqual([]);
  });
  it("is the only reference cited: no file outside the repository", () => {
    const outside = files(join(ROOT, "oracle-node", "src", "sources")).filter((f) => readFileSync(f, "utf8").includes("exchange-apis.md"));
    expect(outside).toEqual([]);
  });
});
