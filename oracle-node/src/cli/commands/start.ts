import type { Command } from "commander";
import { ConfigError, formatConfigErrors, loadConfig } from "../../config";
import { createLogger, type Logger } from "../../log/logger";
import { createMetrics } from "../../metrics";
import { startApiServer, type RunningApiServer } from "../../api";
import { fromNodeConfig } from "../../node/from-config";
import { startNode, type RunningNode } from "../../node/start-node";
import { NO_FAULTS, type FaultHooks } from "../../node/fault-hooks";
import type { NodeConfig } from "../../config";
import { chainInstances } from "../../config/chain-instances";
import type { RuntimeOptions } from "../../node/options";
import type { ReportChain } from "../../api/reports";
import { applyMemoryProfile } from "../memory-profile";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
/** A stop that takes longer than this (a hung RPC call) is cut short. */
const STOP_DEADLINE_MS = 15_000;

/**
 * `oracle-node start --config FILE`: runs one oracle node (one protocol instance per chain of
 * `node.chain` and `chains[]`) until SIGINT/SIGTERM. Reads and checks
 * the config, decrypts the key, starts the peer endpoint, the protocol loops and the
 * health/metrics/dashboard server; on a signal it drains the work in flight and exits 0.
 * Exits 1 when the node cannot start (invalid config, wrong key, unreachable chain).
 *
 * `faults` is for test entry points only (test/support/faulty-node.ts registers the command with
 * a misbehaving node's hooks); the CLI registers it without, and has no fault option.
 */
export function register(program: Command, faults: (cfg: NodeConfig) => FaultHooks = () => NO_FAULTS): void {
  program
    .command("start")
    .description("run an oracle node: observe, agree with the committee, sign and transmit reports")
    .requiredOption("--config <file>", "node config file (YAML), see docs/configuration.md")
    .action(async (o: { config: string }) => {
      const memory = applyMemoryProfile();
      let cfg;
      try {
        cfg = loadConfig(o.config);
      } catch (err) {
        process.stderr.write(err instanceof ConfigError ? `${formatConfigErrors(err)}\n` : `oracle-node start: ${(err as Error).message}\n`);
        process.exit(err instanceof ConfigError ? EXIT_FAILURE : EXIT_USAGE);
      }
      const logger = createLogger({ name: cfg.node.name, level: cfg.node.logging.level });
      logger.info(memory, "V8 memory profile");
      // One protocol instance per chain (config `chains`); without it, the one chain of node.chain.
      // Every API server serves the pull reports of every chain (GET /v1/reports...?chain=).
      const running: Instance[] = [];
      try {
        for (const inst of chainInstances(cfg)) running.push(await startInstance(inst.chainName, inst.config, o.config, logger, faults(inst.config)));
        const chains = running.map(reportChain);
        for (const r of running) await startInstanceApi(r, chains, logger);
      } catch (err) {
        logger.fatal({ err: (err as Error).message }, "node failed to start");
        process.stderr.write(`oracle-node start: ${(err as Error).message}\n`);
        for (const r of running) {
          await r.api?.close().catch(() => undefined);
          await r.node.stop().catch(() => undefined);
        }
        process.exit(EXIT_FAILURE);
      }
      let stopping = false;
      const stop = async (signal: string, code = EXIT_OK) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "stopping");
        const timer = setTimeout(() => process.exit(EXIT_FAILURE), STOP_DEADLINE_MS);
        await Promise.all(running.map((r) => (r.api ? r.api.close().catch(() => undefined) : Promise.resolve())));
        await Promise.all(running.map((r) => r.node.stop().catch((err) => logger.error({ err: (err as Error).message }, "stop failed"))));
        clearTimeout(timer);
        process.exit(code);
      };
      for (const { node } of running) {
        node.events.on("fatal", (reason: string) => {
          process.stderr.write(`oracle-node start: ${reason}; exiting so the supervisor restarts the node\n`);
          void stop("fatal", EXIT_FAILURE);
        });
      }
      // A long-running node logs a stray failure and keeps serving; it never dies of one.
      process.on("unhandledRejection", (err) => logger.error({ err: (err as Error)?.message ?? String(err) }, "unhandled rejection"));
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
    });
}

interface Instance {
  chainName: string;
  cfg: NodeConfig;
  opts: RuntimeOptions;
  node: RunningNode;
  metrics: ReturnType<typeof createMetrics>;
  api: RunningApiServer | null;
}

/** One chain's protocol instance: its runtime options and the node (its API server comes after every node is up). */
async function startInstance(chainName: string, cfg: NodeConfig, configPath: string, logger: Logger, hooks: FaultHooks): Promise<Instance> {
  const metrics = createMetrics({ defaultLabels: { node: cfg.node.name } });
  const opts = await fromNodeConfig(cfg, { configPath, logger, metrics });
  const node = await startNode(opts, hooks);
  return { chainName, cfg, opts, node, metrics, api: null };
}

/** What the pull-report routes need of one chain instance. */
function reportChain(r: Instance): ReportChain {
  return { name: r.chainName, chainId: r.opts.chainId, aggregator: r.opts.aggregator, store: r.node.reports, feeds: r.opts.feeds };
}

/** The instance's health/metrics/dashboard server, when enabled; it also serves the pull reports of `chains`. */
async function startInstanceApi(r: Instance, chains: ReportChain[], logger: Logger): Promise<void> {
  if (!r.cfg.node.api.enabled) return;
  const { node, metrics } = r;
  r.api = await startApiServer({ state: () => node.state(), metrics, logger, reports: { chains }, host: r.cfg.node.api.host, port: r.cfg.node.api.port });
  logger.info({ url: r.api.url }, "dashboard and metrics served");
}
