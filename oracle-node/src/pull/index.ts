/** Pull reports for consumers: fetch and verify the committee's latest signed report, build calldata. */
export {
  committeeFromChain,
  consumerCalldata,
  consumerCalldataAt,
  currentVerifier,
  decodeVerifyResult,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  fetchLatestReport,
  PULL_ABI,
  PULL_VERIFIER_ABI,
  PullFetchError,
  updateAndReadCalldata,
  verifierAddress,
  verifyReportCalldata,
  type FetchReportOptions,
  type PulledAnswer,
  type PullVerifierRef,
} from "./client";
export { MAX_FUTURE_SKEW_SECONDS, PullReportError, verifyPulledReport, type PullCommittee, type VerifiedReport, type VerifyOptions } from "./verify";
