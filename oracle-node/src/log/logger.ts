import pino, { type Logger } from "pino";

/**
 * One pino JSON logger for the node. Child loggers carry context (`node`, `feed`, `roundId`).
 * Keys, passwords and RPC credentials are redacted wherever they appear in a log object.
 */
export type { Logger };

export const REDACT_PATHS = [
  "privateKey",
  "*.privateKey",
  "password",
  "*.password",
  "mnemonic",
  "*.mnemonic",
  "apiKey",
  "*.apiKey",
  "headers.authorization",
  "*.headers.authorization",
];

export function createLogger(opts: { name?: string; level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? "info";
  return pino(
    {
      name: opts.name ?? "oracle-node",
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

/** A logger that discards everything (library code called without a logger, tests). */
export const silentLogger: Logger = pino({ level: "silent" });
