// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullReports} from "../interfaces/IPullReports.sol";
import {IPullVerifierSource, IPullVerifierFactory} from "../interfaces/IPullVerifier.sol";
import {PullReportsCall} from "../libraries/PullReportsCall.sol";

/// @title PerpConsumer
/// @notice A minimal perpetual-style consumer of pull reports: every open and close takes the
/// committee's latest signed report (fetched from any node, GET /v1/reports/latest) in the same
/// call and settles at that report's price, verified by the aggregator (verifyReportSingle for a
/// one-feed report, else verifyReport). It refuses a report older than its own maximum age
/// (tighter than the aggregator's), a close at a report not newer than the one the position
/// opened at (a trader may hold several valid reports and pick the best: the window is the age
/// limit, and no report can be reused backwards), and a price too uncertain. openAt/closeAt take
/// the report's configuration version too and verify it at that version's pull verifier
/// (PullReportsCall.verifySingleAt, the cheapest path; the factory and the init code hash are read
/// from the aggregator once, here). docs/consumers.md walks through it.
contract PerpConsumer {
  /// @notice The report does not carry this market's feed.
  error FeedNotInReport(uint256 feedIndex);
  /// @notice The report is older than this market accepts.
  error PriceTooOld(uint256 observationsTimestamp, uint256 blockTimestamp, uint256 maxAgeSeconds);
  /// @notice The answer is zero or negative.
  error NonPositivePrice(int256 answer);
  /// @notice confidence / answer exceeds the market's limit.
  error LowConfidence(uint256 confidence, int256 answer);
  /// @notice A close must use a report newer than the position's opening report.
  error ReportNotNewer(uint256 observationsTimestamp, uint256 openedAt);
  /// @notice The caller already has a position (open) or has none (close).
  error PositionState(address trader, bool open);
  /// @notice A position of size zero.
  error ZeroSize();

  event PositionOpened(address indexed trader, int256 size, int256 price, uint256 observationsTimestamp);
  event PositionClosed(address indexed trader, int256 size, int256 price, uint256 observationsTimestamp, int256 pnl);

  struct Position {
    int256 size;
    int256 entryPrice;
    uint256 openedAt;
  }

  uint256 private constant BPS = 10_000;
  IPullReports public immutable i_aggregator;
  uint256 public immutable i_feedIndex;
  uint256 public immutable i_maxAgeSeconds;
  uint256 public immutable i_maxConfidenceBps;
  /// @notice The aggregator's pull verifier factory and its verifiers' init code hash.
  address public immutable i_verifierFactory;
  bytes32 public immutable i_verifierInitCodeHash;

  mapping(address trader => Position) public s_positions;

  constructor(IPullReports aggregator, uint256 feedIndex, uint256 maxAgeSeconds, uint256 maxConfidenceBps) {
    i_aggregator = aggregator;
    i_feedIndex = feedIndex;
    i_maxAgeSeconds = maxAgeSeconds;
    i_maxConfidenceBps = maxConfidenceBps;
    IPullVerifierFactory factory = IPullVerifierSource(address(aggregator)).pullVerifierFactory();
    i_verifierFactory = address(factory);
    i_verifierInitCodeHash = factory.INIT_CODE_HASH();
  }

  /// @notice Opens a position of `size` (signed: long > 0, short < 0) at the report's price.
  function open(int256 size, bytes calldata report, bytes calldata signatures) external {
    (int256 entryPrice, uint256 at) = price(report, signatures);
    _open(size, entryPrice, at);
  }

  /// @notice open, the one-feed report verified at the pull verifier of configuration `version`
  /// (the factory's current() off chain; an old version is refused, VerifierRetired).
  function openAt(int256 size, uint256 version, bytes calldata report, bytes calldata signatures) external {
    (int256 entryPrice, uint256 at) = priceAt(version, report, signatures);
    _open(size, entryPrice, at);
  }

  function _open(int256 size, int256 entryPrice, uint256 at) private {
    if (size == 0) revert ZeroSize();
    if (s_positions[msg.sender].size != 0) revert PositionState(msg.sender, true);
    s_positions[msg.sender] = Position(size, entryPrice, at);
    emit PositionOpened(msg.sender, size, entryPrice, at);
  }

  /// @notice Closes the caller's position at the report's price; pnl = size x (exit - entry), in
  /// the feed's units times the size's.
  function close(bytes calldata report, bytes calldata signatures) external returns (int256 pnl) {
    (int256 exitPrice, uint256 at) = price(report, signatures);
    return _close(exitPrice, at);
  }

  /// @notice close, verified at the pull verifier of configuration `version` (as openAt).
  function closeAt(uint256 version, bytes calldata report, bytes calldata signatures) external returns (int256 pnl) {
    (int256 exitPrice, uint256 at) = priceAt(version, report, signatures);
    return _close(exitPrice, at);
  }

  function _close(int256 exitPrice, uint256 at) private returns (int256 pnl) {
    Position memory p = s_positions[msg.sender];
    if (p.size == 0) revert PositionState(msg.sender, false);
    if (at <= p.openedAt) revert ReportNotNewer(at, p.openedAt);
    pnl = p.size * (exitPrice - p.entryPrice);
    delete s_positions[msg.sender];
    emit PositionClosed(msg.sender, p.size, exitPrice, at, pnl);
  }

  /// @notice The market's price in a report, after the aggregator's checks and this market's own.
  /// A report of one feed (header byte 41, docs/protocol.md "Report format") takes the cheapest
  /// path, verifyReportSingle through PullReportsCall; a batched report, verifyReport.
  function price(bytes calldata report, bytes calldata signatures) public view returns (int256, uint256) {
    if (report.length > 41 && uint8(report[41]) == 1) {
      (uint256 feedIndex, int256 answer, uint256 confidence, uint256 at) = PullReportsCall.verifySingle(
        address(i_aggregator),
        report,
        signatures
      );
      if (feedIndex != i_feedIndex) revert FeedNotInReport(i_feedIndex);
      return _checked(answer, confidence, at);
    }
    IPullReports.PulledAnswer[] memory answers = i_aggregator.verifyReport(report, signatures);
    for (uint256 i = 0; i < answers.length; ++i) {
      IPullReports.PulledAnswer memory a = answers[i];
      if (a.feedIndex == i_feedIndex) return _checked(a.answer, a.confidence, a.observationsTimestamp);
    }
    revert FeedNotInReport(i_feedIndex);
  }

  /// @notice The market's price in a one-feed report verified by the pull verifier of
  /// configuration `version` (PullReportsCall.verifySingleAt), after this market's own checks.
  function priceAt(
    uint256 version,
    bytes calldata report,
    bytes calldata signatures
  ) public view returns (int256, uint256) {
    (uint256 feedIndex, int256 answer, uint256 confidence, uint256 at) = PullReportsCall.verifySingleAt(
      i_verifierFactory,
      i_verifierInitCodeHash,
      version,
      report,
      signatures
    );
    if (feedIndex != i_feedIndex) revert FeedNotInReport(i_feedIndex);
    return _checked(answer, confidence, at);
  }

  /// @dev This market's own checks on a verified answer: age, sign, confidence.
  function _checked(int256 answer, uint256 confidence, uint256 at) private view returns (int256, uint256) {
    if (block.timestamp - at > i_maxAgeSeconds) revert PriceTooOld(at, block.timestamp, i_maxAgeSeconds);
    if (answer <= 0) revert NonPositivePrice(answer);
    if (confidence * BPS > uint256(answer) * i_maxConfidenceBps) revert LowConfidence(confidence, answer);
    return (answer, at);
  }
}
