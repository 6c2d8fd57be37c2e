import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { PASSWORD_ENV, TEST_PASSWORD } from "./committee";
import type { FaultMode } from "../../support/faults";

const REPO = join(__dirname, "../../..");

/**
 * One oracle node as a separate OS process: `node --import tsx oracle-node/src/cli/main.ts start
 * --config FILE`, or with a test fault installed `node --import tsx test/support/faulty-node.ts
 * --config FILE --fault MODE`; its JSON log lines kept in memory for assertions.
 */
export class NodeProcess {
  child: ChildProcess | null = null;
  readonly lines: string[] = [];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;

  /**
   * `fdLimit`: the process runs with at most this many open files (soft and hard, set by the
   * shell's `ulimit -n` before it execs node, so the pid stays node's): the chaos bench's nodes
   * run at the common default of 1,024.
   */
  constructor(
    readonly index: number,
    readonly configPath: string,
    readonly fdLimit?: number,
  ) {}

  start(fault: FaultMode = "none"): void {
    const args =
      fault === "none"
        ? ["--import", "tsx", join(REPO, "oracle-node/src/cli/main.ts"), "start", "--config", this.configPath]
        : ["--import", "tsx", join(REPO, "test/support/faulty-node.ts"), "--config", this.configPath, "--fault", fault];
    const [cmd, argv] =
      this.fdLimit === undefined ? [process.execPath, args] : ["/bin/sh", ["-c", `ulimit -n ${this.fdLimit} && exec "$0" "$@"`, process.execPath, ...args]];
    const child = spawn(cmd, argv, {
      cwd: REPO,
      env: { ...process.env, [PASSWORD_ENV]: TEST_PASSWORD, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let buf = "";
    const take = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      if (this.lines.length > 50_000) this.lines.splice(0, 10_000);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    this.exit = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Log lines (parsed JSON) whose msg matches. */
  logs(msg: string | RegExp): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const l of this.lines) {
      if (!l.startsWith("{")) continue;
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        if (typeof j.msg === "string" && (typeof msg === "string" ? j.msg === msg : msg.test(j.msg))) out.push(j);
      } catch {
        /* not a log line */
      }
    }
    return out;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child!.kill(signal);
    return this.exit ?? Promise.resolve({ code: null, signal: null });
  }
}
