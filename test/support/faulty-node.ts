import { Command } from "commander";
import { register } from "../../oracle-node/src/cli/commands/start";
import { FAULT_MODES, faultHooks, type FaultMode } from "./faults";

/**
 * Test entry point: `node --import tsx test/support/faulty-node.ts --config FILE --fault MODE`
 * runs the real `oracle-node start` command with a fault from ./faults.ts installed (the
 * production CLI has no way to do this). The e2e harness spawns it for the Byzantine and crash
 * scenarios.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const config = arg("--config");
const mode = (arg("--fault") ?? "none") as FaultMode;
if (!config || !FAULT_MODES.includes(mode)) {
  process.stderr.write(`usage: faulty-node.ts --config FILE --fault ${FAULT_MODES.join("|")}\n`);
  process.exit(2);
}
const program = new Command().name("faulty-node");
register(program, (cfg) => faultHooks(mode, cfg.node.name));
void program.parseAsync(["start", "--config", config], { from: "user" });
