import { describe, expect, it } from "vitest";
import { observationSigner } from "../../oracle-node/src/protocol/observation";
import { signObservation } from "../../oracle-node/src/protocol/observation";
import { NO_FAULTS } from "../../oracle-node/src/node/fault-hooks";
import { byzantine, crashLeaderMidRound, faultHooks } from "../support/faults";
import { DIGEST, KEYS, SIGNERS } from "../support/node-fixtures";

const ctx = { configDigest: DIGEST, epoch: 1, round: 2 };
const sign = (feedIndex: number, value: bigint) => signObservation(KEYS[0].signingKey, ctx, feedIndex, value);

describe("test faults (through FaultHooks)", () => {
  it("'none' is the production no-op", () => {
    expect(faultHooks("none")).toBe(NO_FAULTS);
    const p = { observationsTimestamp: 1, feeds: [] };
    expect(NO_FAULTS.proposal(p)).toBe(p);
    expect(NO_FAULTS.observationReply([{ feedIndex: 0, value: 5n }], sign)).toBeUndefined();
  });

  it("a Byzantine follower answers x1000 with every other signature over another value", () => {
    const reply = byzantine().observationReply(
      [
        { feedIndex: 0, value: 5n },
        { feedIndex: 1, value: 7n },
      ],
      sign,
    )!;
    expect(reply.observations.map((o) => o.value)).toEqual(["5000", "7000"]);
    const signers = reply.observations.map((o) => observationSigner(ctx, o.feedIndex, BigInt(o.value), o.signature));
    expect(signers[0]).toBe(SIGNERS[0]);
    expect(signers[1]).not.toBe(SIGNERS[0]);
  });

  it("a Byzantine leader inflates every proposed observation x10, leaving the original untouched", () => {
    const p = { observationsTimestamp: 1, feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: ["1", "2", "3"], signatures: ["a", "b", "c"] }] };
    expect(byzantine().proposal(p).feeds[0].observations).toEqual(["10", "20", "30"]);
    expect(p.feeds[0].observations).toEqual(["1", "2", "3"]);
  });

  it("the crashing leader dies once it holds the signatures", () => {
    let killed = 0;
    const hooks = crashLeaderMidRound("node-x", () => (killed += 1));
    hooks.signaturesCollected({ epoch: 1, round: 2 });
    expect(killed).toBe(1);
    expect(hooks.loops({ name: "x", from: SIGNERS[0], peers: new Map(), configDigest: () => DIGEST, epoch: () => 0, running: () => false })).toEqual([]);
  });
});
