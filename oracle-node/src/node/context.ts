import { getAddress, type SigningKey } from "ethers";
import type { Committee } from "../chain/aggregator";
import type { Logger } from "../log/logger";
import type { RuntimeFeed, RuntimeTiming } from "./options";

/**
 * What every part of a running node knows about itself and its committee, fixed at startup:
 * its key and address, the committee read from the chain (a config change restarts the node),
 * its own index in it, the feeds and the timing.
 */
export interface NodeContext {
  name: string;
  address: string;
  key: SigningKey;
  chainId: number;
  aggregator: string;
  committee: Committee;
  myIndex: number;
  feeds: ReadonlyMap<number, RuntimeFeed>;
  timing: RuntimeTiming;
  log: Logger;
}

/** Committee index of a message's sender (-1 for an address outside the committee). */
export function senderIndex(signers: readonly string[], from: string): number {
  return signers.indexOf(getAddress(from));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
