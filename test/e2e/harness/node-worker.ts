import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import type { RuntimeOptions } from "../../../oracle-node/src/node/options";
import { runtimeOptions, type CommitteeSpec } from "./committee";

/**
 * One oracle node on its own worker thread (benchmarks): its own event loop, so one node's
 * signing, SQLite fsyncs and HTTP handling do not queue behind another's, as on separate
 * machines; far lighter than a process per node. The main thread gets the node's "tx" and
 * "round" events and its transport counters as messages.
 */
export interface WorkerInit {
  spec: CommitteeSpec;
  index: number;
  dir: string;
  over: Pick<Partial<RuntimeOptions>, "timing" | "filter">;
  /** pino level for this node's log on stderr; absent: silent. */
  logLevel?: string;
}

export type WorkerEvent =
  | { type: "started" }
  | { type: "failed"; error: string }
  | { type: "tx"; status: string; hash?: string; gasUsed?: string; ms: number }
  | { type: "round"; outcome: string; stages: Record<string, number> }
  | { type: "stats"; messagesSent: number; bytesSent: number }
  | { type: "stopped" };

export class NodeWorker {
  private readonly worker: Worker;
  private statsWaiter: ((s: { messagesSent: number; bytesSent: number }) => void) | null = null;
  private readonly ready: Promise<void>;
  onEvent: (e: WorkerEvent) => void = () => undefined;

  constructor(init: WorkerInit) {
    // The worker runs this same TypeScript file through tsx's CommonJS hook.
    this.worker = new Worker(`require("tsx/cjs"); require(${JSON.stringify(__filename)});`, { eval: true, workerData: init });
    let resolveReady: () => void = () => undefined;
    let rejectReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    this.worker.once("error", (err) => rejectReady(err));
    this.worker.on("message", (e: WorkerEvent) => {
      if (e.type === "started") resolveReady();
      if (e.type === "failed") rejectReady(new Error(e.error));
      if (e.type === "stats" && this.statsWaiter) {
        this.statsWaiter(e);
        this.statsWaiter = null;
      }
      this.onEvent(e);
    });
  }

  started(): Promise<void> {
    return this.ready;
  }

  stats(): Promise<{ messagesSent: number; bytesSent: number }> {
    return new Promise((resolve) => {
      this.statsWaiter = resolve;
      this.worker.postMessage("stats");
    });
  }

  async stop(): Promise<void> {
    const done = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage("stop");
    await done;
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  void (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startNode } = require("../../../oracle-node/src/node/start-node") as typeof import("../../../oracle-node/src/node/start-node");
    let node: Awaited<ReturnType<typeof startNode>>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createLogger } = require("../../../oracle-node/src/log/logger") as typeof import("../../../oracle-node/src/log/logger");
      const logger = init.logLevel ? createLogger({ name: `node-${init.index}`, level: init.logLevel, destination: process.stderr }) : undefined;
      node = await startNode(runtimeOptions(init.spec, init.index, init.dir, { ...init.over, logger }));
    } catch (err) {
      port.postMessage({ type: "failed", error: (err as Error).message });
      return;
    }
    node.events.on("tx", (o: { status: string; hash?: string; gasUsed?: bigint; ms: number }) =>
      port.postMessage({ type: "tx", status: o.status, hash: o.hash, gasUsed: o.gasUsed?.toString(), ms: o.ms }),
    );
    node.events.on("round", (r: { outcome: string; stages: Record<string, number> }) =>
      port.postMessage({ type: "round", outcome: r.outcome, stages: r.stages }),
    );
    port.on("message", (m: string) => {
      if (m === "stats") {
        const s = node.node.transportStats();
        port.postMessage({ type: "stats", messagesSent: s.messagesSent, bytesSent: s.bytesSent });
      } else if (m === "stop") {
        void node.stop().finally(() => {
          port.postMessage({ type: "stopped" });
          process.exit(0);
        });
      }
    });
    port.postMessage({ type: "started" });
  })();
}
