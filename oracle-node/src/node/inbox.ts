import { MSG } from "../protocol/messages";
import { PeerRefusal, type InboundMessage, type MessageHandler } from "../transport/peer-network";
import { senderIndex } from "./context";

/**
 * The peer endpoint's handlers: which part of the node answers which message type. The
 * transport has already checked the envelope (signature, committee, freshness, payload schema);
 * every handler is wrapped by the peer health, so any message proves its sender alive.
 */
export interface InboxDeps {
  signers: readonly string[];
  follower: {
    onObserveRequest(m: InboundMessage): Promise<{ type: string; payload: unknown }>;
    onReportProposal(m: InboundMessage): Promise<{ type: string; payload: unknown }>;
    onFinalReport(m: InboundMessage): Promise<null>;
  };
  pacemaker: { onVote(sender: number, epoch: number): void };
  heard: <T>(handler: (m: InboundMessage) => Promise<T>) => (m: InboundMessage) => Promise<T>;
}

export function inboxHandlers(d: InboxDeps): Record<string, MessageHandler> {
  const onNewEpoch = async (m: InboundMessage): Promise<null> => {
    const { epoch } = m.payload as { epoch: number };
    if (m.epoch !== epoch) throw new PeerRefusal("malformed", "envelope epoch and vote differ", 400);
    d.pacemaker.onVote(senderIndex(d.signers, m.from), epoch);
    return null;
  };
  return {
    [MSG.observeRequest]: d.heard((m) => d.follower.onObserveRequest(m)),
    [MSG.reportProposal]: d.heard((m) => d.follower.onReportProposal(m)),
    [MSG.finalReport]: d.heard((m) => d.follower.onFinalReport(m)),
    [MSG.newEpoch]: d.heard(onNewEpoch),
    [MSG.ping]: d.heard(async () => null),
  };
}
