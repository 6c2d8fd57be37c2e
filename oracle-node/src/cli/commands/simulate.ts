import type { Command } from "commander";
import { startSimulator, type Simulator } from "../../simulator";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

interface SimulateOptions {
  scenario?: string;
  model?: boolean;
  pair: string;
  port: string;
  speed: string;
  seed: string;
  stepMs: string;
  volatilityScale: string;
  loop?: boolean;
  rateLimits: string;
  latencyMs: string;
  pairs?: string;
}

/**
 * `oracle-node simulate --model | --scenario FILE`: the local venue simulator on 127.0.0.1.
 * Prints one JSON line {"url","mode","control","baseUrls":{source id: base URL}} once it
 * listens, then serves until SIGINT/SIGTERM and closes cleanly (exit 0).
 */
export function register(program: Command): void {
  program
    .command("simulate")
    .description("serve every venue's API on 127.0.0.1 from a price model or a scenario quotes file")
    .option("--model", "drive prices with the seeded random-walk model (with injectable attacks)")
    .option("--scenario <file>", "replay a FORMAT.md quotes file round by round")
    .option("--pair <BASE/QUOTE>", "the pair a scenario file is served as", "BTC/USD")
    .option("--port <n>", "port to listen on (0 = any free port)", "0")
    .option("--speed <x>", "scenario/model seconds per wall second", "1")
    .option("--seed <n>", "seed of the price model", "1")
    .option("--step-ms <n>", "price model time step in ms", "1000")
    .option("--volatility-scale <x>", "multiplies every asset's volatility (0 = fair prices stand still)", "1")
    .option("--loop", "replay the scenario again after its last round (default: hold the last round)")
    .option("--rate-limits <mode>", "documented (each venue's documented limit) or off", "documented")
    .option("--latency-ms <n>", "latency added to every answer", "0")
    .option("--pairs <list>", "limit the market to these pairs, comma-separated (BTC/USD,EUR/USD)")
    .action(async (o: SimulateOptions) => {
      const usage = (msg: string): never => {
        process.stderr.write(`oracle-node simulate: ${msg}\n`);
        process.exit(EXIT_USAGE);
      };
      if ((o.scenario === undefined) === (o.model !== true)) usage("give exactly one of --model or --scenario FILE");
      const port = intIn(o.port, 0, 65_535) ?? usage(`--port must be an integer 0-65535, got ${o.port}`);
      const speed = Number(o.speed);
      if (!(speed > 0) || !Number.isFinite(speed)) usage(`--speed must be a positive number, got ${o.speed}`);
      const seed = intIn(o.seed, 0, 2 ** 32 - 1) ?? usage(`--seed must be an integer 0-4294967295, got ${o.seed}`);
      const stepMs = intIn(o.stepMs, 1, 3_600_000) ?? usage(`--step-ms must be an integer 1-3600000, got ${o.stepMs}`);
      const volatilityScale = Number(o.volatilityScale);
      if (!(volatilityScale >= 0) || !Number.isFinite(volatilityScale)) usage(`--volatility-scale must be a number >= 0, got ${o.volatilityScale}`);
      const latencyMs = intIn(o.latencyMs, 0, 600_000) ?? usage(`--latency-ms must be an integer 0-600000, got ${o.latencyMs}`);
      if (o.rateLimits !== "documented" && o.rateLimits !== "off") usage(`--rate-limits must be documented or off, got ${o.rateLimits}`);
      if (!/^[A-Za-z0-9]+\/[A-Za-z0-9]+$/.test(o.pair)) usage(`--pair must look like BASE/QUOTE, got ${o.pair}`);

      let sim: Simulator;
      try {
        sim = await startSimulator({
          port,
          seed,
          speed,
          model: { stepMs, volatilityScale },
          scenario: o.scenario,
          scenarioPair: o.pair.toUpperCase(),
          loop: o.loop === true,
          rateLimits: o.rateLimits as "documented" | "off",
          latencyMs,
          pairs:
            o.pairs === undefined
              ? undefined
              : o.pairs
                  .split(",")
                  .map((p) => p.trim().toUpperCase())
                  .filter((p) => p !== ""),
        });
      } catch (err) {
        process.stderr.write(`oracle-node simulate: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(EXIT_FAILURE);
      }
      process.stdout.write(
        `${JSON.stringify({ url: sim.url, mode: o.scenario !== undefined ? "scenario" : "model", control: `${sim.url}/_sim`, baseUrls: sim.baseUrls() })}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await sim.close();
      process.exit(EXIT_OK);
    });
}

function intIn(s: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}
