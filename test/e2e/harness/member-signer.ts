import { Wallet, getAddress } from "ethers";
import { silentLogger } from "../../../oracle-node/src/log/logger";
import { DEFAULT_TIMING } from "../../../oracle-node/src/node/options";
import { Follower } from "../../../oracle-node/src/node/follower";
import { NO_FAULTS } from "../../../oracle-node/src/node/fault-hooks";
import { signObservation } from "../../../oracle-node/src/protocol/observation";
import { buildReportProposal } from "../../../oracle-node/src/protocol/build-report";
import { encodeAndDigest, toReport } from "../../../oracle-node/src/protocol/signed-report";
import type { ReportProposal } from "../../../oracle-node/src/protocol/messages";
import type { NodeStore } from "../../../oracle-node/src/store/node-store";
import { feed, snapshot } from "../../support/node-fixtures";

/**
 * A real committee member's follower (its key, the chain's config digest, chain id and
 * aggregator) over a real SQLite store, with fakes for the rest: nothing on chain yet, nothing
 * landed, its own value `own` for feed 0. Used by `sign-and-die-member.ts`, the process a test
 * SIGKILLs right after it signs, and by the test to rebuild the very report it was asked to sign.
 */
export interface MemberSignSpec {
  db: string;
  /** Private keys of the whole committee (observations are signed by `observers`' keys). */
  keys: string[];
  /** The signing member's committee index. */
  index: number;
  configDigest: string;
  chainId: number;
  aggregator: string;
  f: number;
  epoch: number;
  round: number;
  observationsTimestamp: number;
  /** Observer index -> value (feed 0), 2f+1 of them. */
  observations: Record<number, string>;
  own: string;
}

/** The report proposal for feed 0 with the spec's observations, each signed by its observer's key. */
export function memberProposal(s: MemberSignSpec): ReportProposal {
  const ctx = { configDigest: s.configDigest, epoch: s.epoch, round: s.round };
  const collected = Object.entries(s.observations).map(([k, v]) => {
    const observer = Number(k);
    const value = BigInt(v);
    return { observer, feedIndex: 0, value, signature: signObservation(new Wallet(s.keys[observer]).signingKey, ctx, 0, value) };
  });
  const built = buildReportProposal(collected, [0], s.f, s.observationsTimestamp);
  if (!built.proposal) throw new Error(`not enough observations for f=${s.f}`);
  return built.proposal;
}

/** The packed report of the spec's proposal (what the member's signature covers). */
export function memberReport(s: MemberSignSpec): string {
  return encodeAndDigest(toReport(s.configDigest, s.epoch, s.round, memberProposal(s)), s.chainId, s.aggregator).encoded;
}

export function memberFollower(store: NodeStore, s: MemberSignSpec): Follower {
  const snap = snapshot({ 0: BigInt(s.own) });
  const key = new Wallet(s.keys[s.index]).signingKey;
  const signers = s.keys.map((k) => getAddress(new Wallet(k).address));
  return new Follower({
    ctx: {
      name: `member-${s.index}`,
      address: signers[s.index],
      key,
      chainId: s.chainId,
      aggregator: s.aggregator,
      committee: { configDigest: s.configDigest, signers, transmitters: signers, f: s.f },
      myIndex: s.index,
      feeds: new Map([[0, feed(0)]]),
      timing: DEFAULT_TIMING,
      log: silentLogger,
    },
    store,
    observer: { current: () => snap, get: async () => snap },
    // A leader other than this member, whatever the epoch.
    pacemaker: { epoch: s.epoch, leader: () => (s.index + 1) % signers.length, onPeerEpoch: () => undefined },
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
