import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

describe("package entry", () => {
  it("require() of the package gives a consumer the pull client and the report codec", () => {
    const root = join(__dirname, "../..");
    const script = `const p = require(${JSON.stringify(root)}); console.log(JSON.stringify(["fetchLatestReport", "committeeFromChain", "consumerCalldata", "verifyPulledReport", "decodeReport"].map((k) => typeof p[k])))`;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual(["function", "function", "function", "function", "function"]);
  });
});
