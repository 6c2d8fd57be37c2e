import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { HEAP_GROWING_PERCENT, MEMORY_PROFILE_ENV, memoryProfile } from "./memory-profile";

const SEMI = "--semi-space-growth-factor=1";
const GROW = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

describe("memoryProfile", () => {
  it("sets both flags when the operator sized nothing", () => {
    expect(memoryProfile({}, [])).toEqual({ applied: [SEMI, GROW], operator: [] });
  });

  it("leaves the young generation to an operator's --max-semi-space-size in NODE_OPTIONS, and still bounds the old one", () => {
    expect(memoryProfile({ NODE_OPTIONS: "--max-semi-space-size=8" }, [])).toEqual({ applied: [GROW], operator: [SEMI] });
    expect(memoryProfile({ NODE_OPTIONS: "--max_semi_space_size=8" }, [])).toEqual({ applied: [GROW], operator: [SEMI] });
  });

  it("leaves the old generation to an operator's --heap-growing-percent on node's command line", () => {
    expect(memoryProfile({}, ["--import", "tsx", "--heap-growing-percent=60"])).toEqual({ applied: [SEMI], operator: [GROW] });
  });

  it(`sets nothing when ${MEMORY_PROFILE_ENV}=default`, () => {
    expect(memoryProfile({ [MEMORY_PROFILE_ENV]: "default", NODE_OPTIONS: "" }, [])).toEqual({ applied: [], operator: ["all"] });
  });

  it("is not fooled by an unrelated flag that merely contains a profile flag's words", () => {
    expect(memoryProfile({ NODE_OPTIONS: "--max-old-space-size=512" }, ["--stack-size=900"]).applied).toEqual([SEMI, GROW]);
  });

  it("names flags this node's V8 knows (v8.setFlagsFromString ignores unknown ones silently)", () => {
    const known = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
    for (const f of [SEMI, GROW]) expect(known).toContain(`  ${f.split("=")[0]} `);
  });
});

/**
 * A real process (node with tsx, as the harness and `npx oracle-node` start the node) that runs
 * `entry` and, on exit, allocates ~64 MB of short-lived objects and reports the young
 * generation's committed size in kB.
 */
function youngGenAfterChurn(env: NodeJS.ProcessEnv, entry: string): number {
  const script = `
    const v8 = require("node:v8");
    process.on("exit", () => {
      let keep = null;
      for (let i = 0; i < 2_000_000; i++) keep = { i, s: "x" + i, a: [i, i] };
      const sp = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
      process.stderr.write("NEW_SPACE_KB=" + Math.round(sp.space_size / 1024) + (keep ? "" : "?") + "\\n");
    });
    ${entry}
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 50_000 });
  const m = /NEW_SPACE_KB=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no measurement: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

const PROFILE_MODULE = JSON.stringify(join(__dirname, "memory-profile.ts"));
const APPLY = `require(${PROFILE_MODULE}).applyMemoryProfile();`;
/** V8's default maximum: 16 MB per semi-space on 64-bit, 32 MB committed. */
const GROWN_KB = 8 * 1024;
/** What tsx's own start-up may have grown it to before any of the node's code runs (1 MB -> 2 MB per semi-space). */
const AT_START_KB = 4 * 1024;

describe("applyMemoryProfile in a real process", () => {
  const clean = { NODE_OPTIONS: "", [MEMORY_PROFILE_ENV]: "" };

  it("keeps the young generation at the size it had when the node started, under heavy allocation", () => {
    expect(youngGenAfterChurn(clean, APPLY)).toBeLessThanOrEqual(AT_START_KB);
  });

  it(`lets V8 grow it with ${MEMORY_PROFILE_ENV}=default (the control: without the profile it grows)`, () => {
    expect(youngGenAfterChurn({ ...clean, [MEMORY_PROFILE_ENV]: "default" }, APPLY)).toBeGreaterThan(GROWN_KB);
  });

  it("keeps an operator's --max-semi-space-size from NODE_OPTIONS (4 MB per semi-space: 8 MB committed)", () => {
    const kb = youngGenAfterChurn({ ...clean, NODE_OPTIONS: "--max-semi-space-size=4" }, APPLY);
    expect(kb).toBeGreaterThan(AT_START_KB / 2);
    expect(kb).toBeLessThanOrEqual(8 * 1024);
  });

  it("is applied by the CLI's main() before the commands load (oracle-node --help)", () => {
    const main = JSON.stringify(join(__dirname, "main.ts"));
    expect(youngGenAfterChurn(clean, `require(${main}).main(["node", "oracle-node", "--help"]);`)).toBeLessThanOrEqual(AT_START_KB);
  });
});
