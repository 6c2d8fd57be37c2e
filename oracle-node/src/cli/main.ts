import { Command } from "commander";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { applyMemoryProfile } from "./memory-profile";

/**
 * `oracle-node` CLI. Each command lives in its own file under ./commands and exports
 * `register(program: Command): void`; this file only wires them together.
 *
 * Exit codes: 0 ok, 1 the command ran and found a problem (invalid config, failed fetch, doctor
 * findings), 2 usage error (unknown command or option).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("oracle-node")
    .description("AI-filtered oracle node: fetch, filter, agree, sign and transmit price reports")
    .showHelpAfterError()
    .exitOverride((err) => {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        process.exit(EXIT_OK);
      }
      process.exit(EXIT_USAGE);
    });
  const dir = join(__dirname, "commands");
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ts$/.test(file) || file.endsWith(".test.ts") || file.endsWith(".d.ts")) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, file)) as { register?: (p: Command) => void };
    if (typeof mod.register !== "function") {
      throw new Error(`oracle-node: command module ${file} does not export register(program)`);
    }
    mod.register(program);
  }
  return program;
}

/**
 * Runs the CLI on `argv` (process.argv by default). The bin (`oracle-node/bin/oracle-node.js`) calls
 * this explicitly, so the command works whatever path npm starts it through (a symlink named
 * `oracle-node`, `npx`, `npm run`, a global install). Resolves once the command's action settles.
 */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // Before the commands load (the bulk of start-up allocation), so the young generation never grows.
  applyMemoryProfile();
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err: unknown) {
    process.stderr.write(`oracle-node: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT_FAILURE);
  }
}

// Run directly (`tsx oracle-node/src/cli/main.ts ...`, `node --import tsx .../main.ts ...`): this
// file is then the main module. Under the bin, the bin is the main module and calls main() itself.
if (require.main === module) void main();
