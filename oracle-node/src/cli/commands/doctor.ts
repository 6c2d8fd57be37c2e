import type { Command } from "commander";
import { ConfigError, formatConfigErrors, loadConfig } from "../../config";
import { formatFindings, runDoctor, type Finding } from "../../doctor/checks";
import { doctorTarget } from "../../doctor/from-config";

/**
 * `oracle-node doctor --config FILE`: checks a node's setup end to end (key, RPC, chain id,
 * aggregator, signer and transmitter membership, gas balance, config digest, every source) and
 * names each problem. Exit 0 when every check passed, 1 when any failed.
 */
export function register(program: Command): void {
  program
    .command("doctor")
    .description("check a node's setup: RPC, chain id, key is a configured signer, gas balance, config digest, every source")
    .requiredOption("--config <file>", "node config file (YAML)")
    .option("--json", "print the findings as one JSON line instead of a table")
    .action(async (o: { config: string; json?: boolean }) => {
      let cfg;
      try {
        cfg = loadConfig(o.config);
      } catch (err) {
        throw new Error(err instanceof ConfigError ? formatConfigErrors(err) : (err as Error).message);
      }
      const prepared = await doctorTarget(cfg, o.config);
      const findings: Finding[] = [...prepared.findings];
      if (prepared.target) {
        const chainFindings = await runDoctor(prepared.target);
        // The addresses-file problem was already named; do not repeat it as "no contract at 0x0".
        const named = new Set(findings.filter((f) => f.status === "fail").map((f) => f.check));
        for (const f of chainFindings) {
          if (named.has(f.check)) continue;
          if (f.check === "signer" || f.check === "transmitter" || f.check === "balance") {
            if (named.has("key")) {
              findings.push({ check: f.check, status: "skip", detail: "skipped: the key could not be read" });
              continue;
            }
          }
          findings.push(f);
        }
      }
      const failed = findings.filter((f) => f.status === "fail");
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, findings })}\n`);
      } else {
        process.stdout.write(`${formatFindings(findings)}\n\n`);
        process.stdout.write(
          failed.length === 0 ? "doctor: every check passed\n" : `doctor: ${failed.length} problem(s): ${failed.map((f) => f.check).join(", ")}\n`,
        );
      }
      process.exitCode = failed.length === 0 ? 0 : 1;
    });
}
