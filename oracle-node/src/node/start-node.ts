import type { PullReportStore } from "../pull/report-store";
import { OracleNode } from "./oracle-node";
import type { RuntimeOptions } from "./options";
import type { RuntimeState } from "./node-view";
import { NO_FAULTS, type FaultHooks } from "./fault-hooks";
import { assembleNode } from "./wire";

/**
 * Starts one oracle node and returns its handle: `state()` is the dashboard's view (feeds,
 * sources and drops, on-chain answers, peers, recent transactions, epoch and leader),
 * `events` emits "transmission", "tx", "epoch", "snapshot", "round" and "fatal", and `stop()`
 * drains the loops and closes everything. `faults` is for tests only (test/support/faults.ts).
 */
export interface RunningNode {
  readonly address: string;
  /** The bound peer port. */
  readonly port: number;
  readonly events: OracleNode["events"];
  readonly node: OracleNode;
  state(): RuntimeState;
  /** The signed pull reports this node serves (the API's /v1/reports routes). */
  readonly reports: PullReportStore;
  stop(): Promise<void>;
}

export async function startNode(opts: RuntimeOptions, faults: FaultHooks = NO_FAULTS): Promise<RunningNode> {
  const parts = await assembleNode(opts, faults);
  const node = new OracleNode(parts);
  await node.start();
  return {
    address: node.address,
    port: node.port,
    events: node.events,
    node,
    state: () => node.view.state(),
    reports: parts.reports,
    stop: () => node.stop(),
  };
}
