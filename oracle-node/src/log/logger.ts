import pino, { type Logger } from "pino";
import { redactDeep, redactText } from "./redact";

/**
 * One pino JSON logger for the node. Child loggers carry context (`node`, `feed`, `roundId`).
 * Keys, passwords and RPC credentials are redacted wherever they appear in a log object: the
 * paths below by name, and every URL in any string field, message or error (redact.ts), so an
 * RPC key inside an ethers error ("requestUrl": "https://.../v2/<key>") never reaches the log.
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
  const logger = pino(
    {
      name: opts.name ?? "oracle-node",
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: (e: unknown) => redactDeep(e instanceof Error ? pino.stdSerializers.err(e) : e) },
      formatters: { log: (obj) => redactDeep(obj), bindings: (b) => redactDeep(b) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
  // pino drops the bindings formatter for children: redact a child's bindings on the way in.
  // An own property of the root, inherited by every child (pino builds them with Object.create).
  const pinoChild = (Object.getPrototypeOf(logger) as { child: (b: pino.Bindings, o?: pino.ChildLoggerOptions) => Logger }).child;
  logger.child = function (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) {
    return pinoChild.call(this, redactDeep(bindings), options);
  } as unknown as Logger["child"];
  return logger;
}

/** A logger that discards everything (library code called without a logger, tests). */
export const silentLogger: Logger = pino({ level: "silent" });
