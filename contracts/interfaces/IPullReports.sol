// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPullReports
/// @notice Pull reports (docs/protocol.md "Pull reports"): a consumer fetches the committee's
/// latest signed report from any node (GET /v1/reports/latest) and hands it to the aggregator in
/// its own transaction. The same report format and signatures as transmit.
interface IPullReports {
  /// @notice A feed's median lies outside its bounds (transmit would refuse it and keep the
  /// feed's answer; a pull consumer gets no answer at all).
  error AnswerOutOfBounds(uint256 feedIndex, int256 answer, int256 minAnswer, int256 maxAnswer);

  /// @notice verifyReportSingle was given a report of more than one feed.
  error SingleFeedExpected(uint256 feedCount);

  /// @notice One feed of a verified report: its median, confidence (half the IQR) and the
  /// report's observations timestamp (capped at block.timestamp, as transmit stores startedAt).
  struct PulledAnswer {
    uint256 feedIndex;
    int256 answer;
    uint256 confidence;
    uint256 observationsTimestamp;
  }

  /// @notice Checks a report as transmit does (config digest, future skew, f+1 distinct valid
  /// signatures, layout, 2f+1 sorted observations from distinct observers, every feed's maximum
  /// report age and bounds) without writing, and returns its feeds' answers in report order.
  /// Reverts with transmit's errors, and with AnswerOutOfBounds where transmit would refuse a
  /// median. No transmitter check and no freshness against the stored round: any caller may
  /// verify any report the current committee signed that is young enough.
  function verifyReport(
    bytes calldata report,
    bytes calldata signatures
  ) external view returns (PulledAnswer[] memory answers);

  /// @notice verifyReport, then stores the feeds whose latest round the report advances
  /// (epoch-and-round above the feed's, observations timestamp not below it) as transmit does
  /// (AnswerUpdated, NewRound for one feed, NewTransmission when any feed advanced); the others
  /// are only returned, so two consumers in one block both succeed.
  function updateAndRead(
    bytes calldata report,
    bytes calldata signatures
  ) external returns (PulledAnswer[] memory answers);
}
