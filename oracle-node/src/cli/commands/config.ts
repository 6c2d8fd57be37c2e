import type { Command } from "commander";
import { existsSync } from "node:fs";
import { ConfigError, formatConfigErrors, loadConfig, referencedFiles, usedSourceIds } from "../../config";

const EXIT_FAILURE = 1;

/**
 * `oracle-node config check FILE`: validates a node config without starting anything. Prints
 * "ok: N feeds, M sources" and exits 0, or every problem with its path on stderr and exits 1.
 * Files the node will read that do not exist yet (a keystore not created, an addresses file the
 * deploy step has not written) are warnings on stderr, not errors: the file is still valid.
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
        for (const ref of referencedFiles(cfg, file)) {
          if (!existsSync(ref.file)) process.stderr.write(`warning: ${ref.key}: ${ref.file} does not exist (yet)\n`);
        }
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${file}: invalid config, ${err.issues.length} problem(s):\n${formatConfigErrors(err.issues)}\n`);
        process.exit(EXIT_FAILURE);
      }
    });
}
