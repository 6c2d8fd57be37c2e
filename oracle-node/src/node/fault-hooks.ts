import type { ObservationReply, ReportProposal } from "../protocol/messages";

/**
 * The one seam for test-only misbehaviour. Production nodes run with `NO_FAULTS`, whose hooks
 * change nothing; the faulty implementations (a Byzantine member, a leader that crashes
 * mid-round) live in test/support/faults.ts and are installed only by test entry points.
 */
export interface FaultContext {
  /** This node's name and address. */
  name: string;
  from: string;
  /** Peer address -> base URL. */
  peers: ReadonlyMap<string, string>;
  configDigest: () => string;
  epoch: () => number;
  running: () => boolean;
}

export interface FaultHooks {
  /** Extra loops started with the node; `stop()` waits for them. */
  loops(ctx: FaultContext): Promise<void>[];
  /** The proposal the leader sends out, built from the observations it collected. */
  proposal(p: ReportProposal): ReportProposal;
  /** Called once the leader holds f+1 report signatures, before the final report goes out. */
  signaturesCollected(round: { epoch: number; round: number }): void;
  /**
   * A reply that replaces this node's honest observations (nothing claimed, nothing counted),
   * or undefined for the honest path. `sign` signs one value for this round.
   */
  observationReply(
    items: ReadonlyArray<{ feedIndex: number; value: bigint }>,
    sign: (feedIndex: number, value: bigint) => string,
  ): ObservationReply | undefined;
}

/** Production: no hook changes anything. */
export const NO_FAULTS: FaultHooks = {
  loops: () => [],
  proposal: (p) => p,
  signaturesCollected: () => undefined,
  observationReply: () => undefined,
};
