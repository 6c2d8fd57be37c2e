// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {UINT32_MASK, LATEST_ER_SHIFT, CTX_CHECK_AGE} from "./FeedSlots.sol";
import {REPORT_HEADER_BYTES} from "./ReportCodec.sol";

/// @dev Tolerated lead of the observations timestamp over block.timestamp (QuorumAggregator's
/// MAX_FUTURE_SKEW_SECONDS).
uint256 constant FUTURE_SKEW_SECONDS = 5;

/// @title ReportHeader
/// @notice The report-wide checks shared by QuorumAggregator.transmit, verifyReport and
/// updateAndRead: length, config digest and future skew (docs/protocol.md "Acceptance").
library ReportHeader {
  /// @dev Checks the report's length, config digest and future skew; returns ctx with the
  /// observations timestamp, epoch-and-round and report age. Freshness is per feed.
  function check(bytes calldata report, bytes32 digest, uint256 ctx) internal view returns (uint256) {
    if (report.length < REPORT_HEADER_BYTES) revert IQuorumAggregator.MalformedReport(report.length);
    bytes32 reportConfigDigest;
    uint256 er;
    uint256 observationsTimestamp;
    assembly ("memory-safe") {
      // Fixed-offset big-endian fields: digest at 0, epochAndRound (5 bytes) at 32, timestamp at 37.
      reportConfigDigest := calldataload(report.offset)
      er := shr(216, calldataload(add(report.offset, 32)))
      observationsTimestamp := shr(224, calldataload(add(report.offset, 37)))
    }
    if (reportConfigDigest != digest) revert IQuorumAggregator.ConfigDigestMismatch(digest, reportConfigDigest);
    if (observationsTimestamp > block.timestamp + FUTURE_SKEW_SECONDS) {
      revert IQuorumAggregator.FutureReport(uint32(observationsTimestamp), block.timestamp);
    }
    // ctx |= the report-wide latest-slot fields and the report's age; checkAge when it exceeds
    // the smallest maximum age of any feed. No overflow: timestamps < 2^32, er < 2^40.
    assembly ("memory-safe") {
      let startedAt := observationsTimestamp
      if gt(startedAt, timestamp()) {
        startedAt := timestamp()
      }
      let age := sub(timestamp(), startedAt)
      ctx := or(or(ctx, shl(LATEST_ER_SHIFT, er)), or(or(shl(64, timestamp()), shl(32, startedAt)), shl(144, age)))
      if gt(age, and(shr(176, ctx), UINT32_MASK)) {
        ctx := or(ctx, CTX_CHECK_AGE)
      }
    }
    return ctx;
  }
}
