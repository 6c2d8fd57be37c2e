import { OracleNode } from "./oracle-node";
import type { FaultMode, RuntimeOptions } from "./options";
import type { NodeConfig } from "../config";
import type { Logger } from "../log/logger";
import type { NodeMetrics } from "../metrics";
import { fromNodeConfig } from "./from-config";
import type { RuntimeState } from "./node-view";

/**
 * Starts one oracle node and returns its handle: `state()` is the dashboard's view (feeds,
 * sources and drops, on-chain answers, peers, recent transactions, epoch and leader),
 * `events` emits "transmission", "tx", "epoch", "snapshot" and "round", and `stop()` drains
 * the loops and closes everything.
 */
export interface RunningNode {
  readonly address: string;
  /** The bound peer port. */
  readonly port: number;
  readonly events: OracleNode["events"];
  readonly node: OracleNode;
  state(): RuntimeState;
  stop(): Promise<void>;
}

export async function startNode(opts: RuntimeOptions): Promise<RunningNode> {
  const node = new OracleNode(opts);
  await node.start();
  return {
    address: node.address,
    port: node.port,
    events: node.events,
    node,
    state: () => node.view.state(),
    stop: () => node.stop(),
  };
}

/** Starts a node from a validated config file's contents (what `oracle-node start` does). */
export async function startNodeFromConfig(
  cfg: NodeConfig,
  opts: { configPath?: string; logger?: Logger; metrics?: NodeMetrics; fault?: FaultMode } = {},
): Promise<RunningNode> {
  return startNode(await fromNodeConfig(cfg, opts));
}
