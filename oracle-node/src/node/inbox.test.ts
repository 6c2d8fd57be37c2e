import { describe, expect, it } from "vitest";
import { MSG } from "../protocol/messages";
import { PeerRefusal, type InboundMessage } from "../transport/peer-network";
import { SIGNERS } from "../../../test/support/node-fixtures";
import { inboxHandlers } from "./inbox";

function inbox() {
  const calls: string[] = [];
  const heard: string[] = [];
  const handlers = inboxHandlers({
    signers: SIGNERS,
    follower: {
      onObserveRequest: async () => (calls.push("observe"), { type: MSG.observation, payload: { observations: [] } }),
      onReportProposal: async () => (calls.push("proposal"), { type: MSG.reportSignature, payload: {} }),
      onFinalReport: async () => (calls.push("final"), null),
    },
    pacemaker: { onVote: (sender, epoch) => calls.push(`vote ${sender} ${epoch}`) },
    heard: (h) => (m) => (heard.push(m.type), h(m)),
  });
  return { handlers, calls, heard };
}

const msg = (type: string, epoch: number, payload: unknown, from = SIGNERS[2]) => ({ from, type, epoch, round: 0, payload }) as unknown as InboundMessage;

describe("inbox", () => {
  it("routes each message type to its part, every one through the peer health", async () => {
    const t = inbox();
    await t.handlers[MSG.observeRequest](msg(MSG.observeRequest, 0, {}));
    await t.handlers[MSG.reportProposal](msg(MSG.reportProposal, 0, {}));
    await t.handlers[MSG.finalReport](msg(MSG.finalReport, 0, {}));
    await t.handlers[MSG.newEpoch](msg(MSG.newEpoch, 7, { epoch: 7 }));
    expect(await t.handlers[MSG.ping](msg(MSG.ping, 0, {}))).toBeNull();
    expect(t.calls).toEqual(["observe", "proposal", "final", "vote 2 7"]);
    expect(t.heard).toEqual([MSG.observeRequest, MSG.reportProposal, MSG.finalReport, MSG.newEpoch, MSG.ping]);
  });

  it("refuses a vote whose envelope epoch differs from the vote", async () => {
    const t = inbox();
    const err = await t.handlers[MSG.newEpoch](msg(MSG.newEpoch, 7, { epoch: 8 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerRefusal);
    expect(t.calls).toEqual([]);
  });
});
