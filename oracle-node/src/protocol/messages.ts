import { z } from "zod";

/**
 * The peer messages of the reporting protocol and their payload schemas (the transport checks
 * every inbound payload against these before a handler sees it). Values are integers in feed
 * units, as decimal strings; signatures are 65-byte hex.
 *
 *   leader -> all   observe-request   which feeds, and how fresh the answer must be
 *   all -> leader   observation       (reply) signed observations, one per feed it could observe
 *   leader -> all   report-proposal   the report with every observation's signature
 *   all -> leader   report-signature  (reply) the follower's signature over the report digest
 *   leader -> all   final-report      report + f+1 signatures, for staggered transmission
 *   any -> all      new-epoch         "I want epoch e": the pacemaker's vote
 *   any -> any      ping              liveness probe to a peer not heard from lately (204 reply)
 */
export const MSG = {
  observeRequest: "observe-request",
  observation: "observation",
  reportProposal: "report-proposal",
  reportSignature: "report-signature",
  finalReport: "final-report",
  newEpoch: "new-epoch",
  ping: "ping",
} as const;

/** Feeds one committee serves at most (one report carries at most this many). */
export const MAX_FEEDS = 64;
/** Oracles in a committee at most (31, like OCR). */
export const MAX_ORACLES = 31;

const intString = z.string().regex(/^-?\d{1,78}$/, "an integer as a decimal string");
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte signature");
const feedIndex = z.number().int().min(0).max(255);

export const ObserveRequestSchema = z.strictObject({
  feeds: z.array(feedIndex).min(1).max(MAX_FEEDS),
  /** Unix ms: the follower answers from data fetched no earlier than this. */
  notBefore: z.number().int().nonnegative(),
});

export const SignedObservationSchema = z.strictObject({ feedIndex, value: intString, signature });

export const ObservationReplySchema = z.strictObject({
  observations: z.array(SignedObservationSchema).max(MAX_FEEDS),
});

export const ProposedFeedSchema = z.strictObject({
  feedIndex,
  observers: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(MAX_ORACLES - 1),
    )
    .min(1)
    .max(MAX_ORACLES),
  observations: z.array(intString).min(1).max(MAX_ORACLES),
  signatures: z.array(signature).min(1).max(MAX_ORACLES),
});

export const ReportProposalSchema = z.strictObject({
  observationsTimestamp: z.number().int().nonnegative(),
  feeds: z.array(ProposedFeedSchema).min(1).max(MAX_FEEDS),
});

export const ReportSignatureSchema = z.strictObject({ signature });

export const FinalReportSchema = z.strictObject({
  observationsTimestamp: z.number().int().nonnegative(),
  /** false: a pull report only (no push feed due): backups keep it for the API and do not transmit it. */
  transmit: z.boolean().default(true),
  feeds: z
    .array(
      z.strictObject({
        feedIndex,
        observers: z
          .array(
            z
              .number()
              .int()
              .min(0)
              .max(MAX_ORACLES - 1),
          )
          .max(MAX_ORACLES),
        observations: z.array(intString).max(MAX_ORACLES),
      }),
    )
    .min(1)
    .max(MAX_FEEDS),
  signatures: z.array(signature).min(1).max(MAX_ORACLES),
});

export const NewEpochSchema = z.strictObject({
  epoch: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
});

/** A liveness probe carries nothing: the signed envelope is the proof. */
export const PingSchema = z.strictObject({});

export type ObserveRequest = z.infer<typeof ObserveRequestSchema>;
export type ObservationReply = z.infer<typeof ObservationReplySchema>;
export type SignedObservation = z.infer<typeof SignedObservationSchema>;
export type ReportProposal = z.infer<typeof ReportProposalSchema>;
export type ProposedFeed = z.infer<typeof ProposedFeedSchema>;
/** As sent (a missing `transmit` means true, the format before pull reports). */
export type FinalReport = z.input<typeof FinalReportSchema>;

/** Every schema by message type, for the transport. */
export const MESSAGE_SCHEMAS = {
  [MSG.observeRequest]: ObserveRequestSchema,
  [MSG.observation]: ObservationReplySchema,
  [MSG.reportProposal]: ReportProposalSchema,
  [MSG.reportSignature]: ReportSignatureSchema,
  [MSG.finalReport]: FinalReportSchema,
  [MSG.newEpoch]: NewEpochSchema,
  [MSG.ping]: PingSchema,
};
