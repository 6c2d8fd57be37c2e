import { Wallet } from "ethers";
import { silentLogger } from "../../oracle-node/src/log/logger";
import type { Committee } from "../../oracle-node/src/chain/aggregator";
import type { NodeContext } from "../../oracle-node/src/node/context";
import type { ObservationSnapshot, OwnObservation } from "../../oracle-node/src/node/observer";
import { DEFAULT_TIMING, type RuntimeFeed, type RuntimeTiming } from "../../oracle-node/src/node/options";
import { signObservation } from "../../oracle-node/src/protocol/observation";
import type { ObservationReply } from "../../oracle-node/src/protocol/messages";

/**
 * Builders for unit tests of the node's parts: a committee of four deterministic keys (f = 1),
 * two feeds, a NodeContext for any member, observation snapshots and signed replies.
 */
export const DIGEST = "0x0001" + "ab".repeat(26) + "00000005"; // leader of epoch e: (e + 5) mod 4
export const CHAIN_ID = 31337;
export const AGGREGATOR = "0x" + "42".repeat(20);
export const KEYS = Array.from({ length: 4 }, (_, i) => new Wallet("0x" + (i + 11).toString(16).padStart(64, "0")));
export const SIGNERS = KEYS.map((k) => k.address);

export function committee(over: Partial<Committee> = {}): Committee {
  return { configDigest: DIGEST, signers: [...SIGNERS], transmitters: [...SIGNERS], f: 1, ...over };
}

export function feed(feedIndex: number, over: Partial<RuntimeFeed> = {}): RuntimeFeed {
  return {
    id: feedIndex === 0 ? "BTC/USD" : `F${feedIndex}`,
    feedIndex,
    pair: "BTC/USD",
    description: "test feed",
    decimals: 8,
    deviationBps: 50,
    heartbeatSec: 3600,
    toleranceBps: 100,
    minSources: 1,
    sources: [],
    ...over,
  };
}

export function nodeContext(myIndex: number, over: { timing?: Partial<RuntimeTiming>; feeds?: RuntimeFeed[]; committee?: Committee } = {}): NodeContext {
  const feeds = over.feeds ?? [feed(0), feed(1)];
  return {
    name: `node-${myIndex}`,
    address: SIGNERS[myIndex],
    key: KEYS[myIndex].signingKey,
    chainId: CHAIN_ID,
    aggregator: AGGREGATOR,
    committee: over.committee ?? committee(),
    myIndex,
    feeds: new Map(feeds.map((f) => [f.feedIndex, f])),
    timing: { ...DEFAULT_TIMING, ...over.timing },
    log: silentLogger,
  };
}

/** A snapshot holding these values (null: refused), all fetched at `fetchedAt`. */
export function snapshot(values: Record<number, bigint | null>, fetchedAt = Date.now()): ObservationSnapshot {
  const feeds = new Map<number, OwnObservation>();
  for (const [k, value] of Object.entries(values)) {
    const feedIndex = Number(k);
    feeds.set(feedIndex, {
      feedIndex,
      value,
      result: { feedId: String(feedIndex), observation: null, used: 0, kept: [], dropped: [], confidence: 0n, scores: [] },
      sources: [],
      fetchedAt,
    });
  }
  return { fetchedAt, feeds };
}

/** Oracle `i`'s signed reply for (epoch, round). */
export function signedReply(i: number, epoch: number, round: number, values: Record<number, bigint>): ObservationReply {
  const ctx = { configDigest: DIGEST, epoch, round };
  return {
    observations: Object.entries(values).map(([k, v]) => ({
      feedIndex: Number(k),
      value: v.toString(),
      signature: signObservation(KEYS[i].signingKey, ctx, Number(k), v),
    })),
  };
}

/** A store fake for key/value reads and writes. */
export class MemoryValues {
  readonly values = new Map<string, string>();
  getValue(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  setValue(key: string, value: string): void {
    this.values.set(key, value);
  }
}
