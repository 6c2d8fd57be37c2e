import { MSG } from "../protocol/messages";

/**
 * The one reply type each request type may be answered with (null: only "no content", 204).
 * The transport refuses any other reply before the caller sees it, so a collector waiting for
 * observations can never be handed a `ping` or a `report-signature` (issue 13, item 10).
 */
export type ReplyTypes = Readonly<Record<string, string | null>>;

export const PROTOCOL_REPLY_TYPES: ReplyTypes = {
  [MSG.observeRequest]: MSG.observation,
  [MSG.reportProposal]: MSG.reportSignature,
  [MSG.finalReport]: null,
  [MSG.newEpoch]: null,
  [MSG.ping]: null,
  // Replies are never requests: a peer sending one as a request gets "no reply expected".
  [MSG.observation]: null,
  [MSG.reportSignature]: null,
};
