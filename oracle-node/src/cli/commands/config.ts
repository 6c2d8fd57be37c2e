import type { Command } from "commander";
import { ConfigError, formatConfigErrors, loadConfig, usedSourceIds } from "../../config";

const EXIT_FAILURE = 1;

/**
 * `oracle-node config check FILE`: validates a node config without starting anything. Prints
 * "ok: N feeds, M sources" and exits 0, or every problem with its path on stderr and exits 1.
 */
export function register(program: Command): void {
  const config = program.command("config").description("node config file tools");
  config
    .command("check")
    .description("validate a config file (schema, cross-field rules, ${VAR} interpolation) without starting")
    .argument("<file>", "YAML config file")
    .action((file: string) => {
      try {
        const cfg = loadConfig(file);
        process.stdout.write(`ok: ${cfg.feeds.length} feeds, ${usedSourceIds(cfg).length} sources\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${file}: invalid config, ${err.issues.length} problem(s):\n${formatConfigErrors(err.issues)}\n`);
        process.exit(EXIT_FAILURE);
      }
    });
}
