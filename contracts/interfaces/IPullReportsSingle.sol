// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullReports} from "./IPullReports.sol";

/// @title IPullReportsSingle
/// @notice IPullReports and its cheapest entry point for a report of one feed. QuorumAggregator
/// serves verifyReportSingle from its fallback (libraries/PullSingle.sol decodes the arguments by
/// hand, past Solidity's dispatcher and ABI decoder), so the function is not in the aggregator's
/// own ABI: call it through this interface, or with PullReportsCall.verifySingle
/// (libraries/PullReportsCall.sol), which also encodes the call without Solidity's encoder.
interface IPullReportsSingle is IPullReports {
  /// @notice verifyReport for a report of exactly one feed (SingleFeedExpected otherwise), with
  /// the same checks, in the same order, and the same errors; returns that feed's answer as four
  /// words instead of an array, which is cheaper to return and to decode.
  function verifyReportSingle(
    bytes calldata report,
    bytes calldata signatures
  ) external view returns (uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp);
}
