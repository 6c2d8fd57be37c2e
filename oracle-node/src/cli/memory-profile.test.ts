import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { HEAP_GROWING_PERCENT, MEMORY_PROFILE_ENV, YOUNG_GEN_CAP_MB, memoryProfile } from "./memory-profile";

const GROW = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

describe("memoryProfile", () => {
  it("caps the young generation and bounds the old one when the operator sized nothing", () => {
    expect(memoryProfile({}, [])).toEqual({ youngGenCapMb: YOUNG_GEN_CAP_MB, applied: [GROW], operator: [] });
  });

  it("leaves the young generation to an operator's --max-semi-space-size in NODE_OPTIONS, and still bounds the old one", () => {
    const want = { youngGenCapMb: null, applied: [GROW], operator: ["young-generation"] };
    expect(memoryProfile({ NODE_OPTIONS: "--max-semi-space-size=8" }, [])).toEqual(want);
    expect(memoryProfile({ NODE_OPTIONS: "--max_semi_space_size=8" }, [])).toEqual(want);
    expect(memoryProfile({}, ["--semi-space-growth-factor=4"])).toEqual(want);
  });

  it("leaves the old generation to an operator's --heap-growing-percent on node's command line", () => {
    expect(memoryProfile({}, ["--import", "tsx", "--heap-growing-percent=60"])).toEqual({
      youngGenCapMb: YOUNG_GEN_CAP_MB,
      applied: [],
      operator: ["old-generation"],
    });
  });

  it(`does nothing when ${MEMORY_PROFILE_ENV}=default`, () => {
    expect(memoryProfile({ [MEMORY_PROFILE_ENV]: "default" }, [])).toEqual({ youngGenCapMb: null, applied: [], operator: ["all"] });
  });

  it("is not fooled by unrelated heap flags", () => {
    expect(memoryProfile({ NODE_OPTIONS: "--max-old-space-size=512" }, ["--stack-size=900"])).toEqual({
      youngGenCapMb: YOUNG_GEN_CAP_MB,
      applied: [GROW],
      operator: [],
    });
  });

  it("names flags this node's V8 knows (v8.setFlagsFromString ignores unknown ones silently)", () => {
    const known = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" });
    for (const f of ["--semi-space-growth-factor", "--heap-growing-percent"]) expect(known).toContain(`  ${f} `);
  });
});

/**
 * A real process (node with tsx, as the harness and `npx oracle-node` start the node): runs
 * `entry`, then allocates ~80 MB of short-lived objects in 200 slices with the event loop turning
 * in between (as a node's requests do), and reports the young generation's largest committed
 * size in kB.
 */
function youngGenUnderChurn(env: NodeJS.ProcessEnv, entry: string): number {
  const script = `
    const v8 = require("node:v8");
    const realExit = process.exit;
    ${entry}
    const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
    const ring = new Array(20000);
    let max = 0;
    (async () => {
      for (let r = 0; r < 200; r++) {
        for (let i = 0; i < 20000; i++) ring[(r * 20000 + i) % ring.length] = { i, s: "x" + i, a: [i, i] };
        max = Math.max(max, young());
        await new Promise((res) => setTimeout(res, 1));
      }
      process.stderr.write("NEW_SPACE_KB=" + Math.round(max / 1024) + "\\n");
      realExit(0);
    })();
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 50_000 });
  const m = /NEW_SPACE_KB=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no measurement: ${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

const APPLY = `require(${JSON.stringify(join(__dirname, "memory-profile.ts"))}).applyMemoryProfile();`;
/** V8's own maximum on 64-bit: 16 MB per semi-space, 32 MB committed. */
const V8_MAX_KB = 32 * 1024;
const CAP_KB = YOUNG_GEN_CAP_MB * 1024;

describe("applyMemoryProfile in a real process", () => {
  const clean = { NODE_OPTIONS: "", [MEMORY_PROFILE_ENV]: "" };

  it("lets the young generation grow to the cap and stops it there (one doubling of slack for a burst)", () => {
    const kb = youngGenUnderChurn(clean, APPLY);
    expect(kb).toBeGreaterThanOrEqual(CAP_KB);
    expect(kb).toBeLessThanOrEqual(2 * CAP_KB);
  });

  it(`leaves V8's growth to its maximum with ${MEMORY_PROFILE_ENV}=default (the control)`, () => {
    expect(youngGenUnderChurn({ ...clean, [MEMORY_PROFILE_ENV]: "default" }, APPLY)).toBe(V8_MAX_KB);
  });

  it("keeps an operator's --max-semi-space-size from NODE_OPTIONS (2 MB per semi-space: 4 MB committed)", () => {
    expect(youngGenUnderChurn({ ...clean, NODE_OPTIONS: "--max-semi-space-size=2" }, APPLY)).toBe(4 * 1024);
  });

  it("is applied by the CLI's main() (the bin and `tsx main.ts` both go through it)", () => {
    const main = JSON.stringify(join(__dirname, "main.ts"));
    // `oracle-node --help` prints and exits through commander: keep the process for the churn.
    const entry = `process.exit = () => undefined; process.stdout.write = () => true; require(${main}).main(["node", "oracle-node", "--help"]);`;
    expect(youngGenUnderChurn(clean, entry)).toBeLessThanOrEqual(2 * CAP_KB);
  });
});
