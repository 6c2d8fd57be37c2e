import { Wallet } from "ethers";
import { silentLogger } from "../../oracle-node/src/log/logger";
import type { Committee } from "../../oracle-node/src/chain/aggregator";
import type { NodeContext } from "../../oracle-node/src/node/context";
import type { ObservationSnapshot, OwnObservation } from "../../oracle-node/src/node/observer";
import { DEFAULT_TIMING, type RuntimeFeed, type RuntimeTiming } from "../../oracle-node/src/node/options";
import { signObservation } from "../../oracle-node/src/protocol/observation";
import type { ObservationReply, ReportProposal } from "../../oracle-node/src/protocol/messages";
import { buildReportProposal } from "../../oracle-node/src/protocol/build-report";
import { Follower } from "../../oracle-node/src/node/follower";
import { NO_FAULTS } from "../../oracle-node/src/node/fault-hooks";
import type { NodeStore } from "../../oracle-node/src/store/node-store";

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

/** A proposal for (epoch, round) with valid observations of oracles 1, 2 and 3 for these feeds (feed 0 near 100_000, others near 2_000). */
export function signedProposal(epoch: number, round: number, feeds: readonly number[], observationsTimestamp: number): ReportProposal {
  const ctx = { configDigest: DIGEST, epoch, round };
  const collected = feeds.flatMap((feedIndex) =>
    [1, 2, 3].map((observer) => {
      const value = (feedIndex === 0 ? 100_000n : 2_000n) + BigInt(observer);
      return { observer, feedIndex, value, signature: signObservation(KEYS[observer].signingKey, ctx, feedIndex, value) };
    }),
  );
  return buildReportProposal(collected, feeds, 1, observationsTimestamp).proposal!;
}

/**
 * Oracle 0's follower over a real store, with fakes elsewhere: its own values 100_000 and 2_000
 * fetched now, no answer on chain yet, nothing landed, epoch 0 (led by oracle 1).
 */
export function followerOn(store: NodeStore): Follower {
  const snap = snapshot({ 0: 100_000n, 1: 2_000n });
  return new Follower({
    ctx: nodeContext(0),
    store,
    observer: { current: () => snap, get: async () => snap },
    pacemaker: { epoch: 0, leader: (e = 0) => (e + 5) % 4, onPeerEpoch: () => undefined },
    chain: {
      onchainView: () => ({ answer: null, updatedAt: 0, sinceMs: 0 }),
      allOnChain: () => false,
      anyOnChain: () => false,
      pendingRound: () => null,
      markPending: (f) => [...f],
    },
    transmitter: { schedule: () => undefined },
    observed: () => undefined,
    faults: NO_FAULTS,
  });
}
