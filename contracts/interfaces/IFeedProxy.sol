// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV2V3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV2V3Interface.sol";

/// @title IFeedProxy
/// @notice A stable address for one feed whose aggregator can be replaced in phases, as
/// Chainlink's EACAggregatorProxy: round ids are phaseId << 64 | aggregatorRoundId (the phase
/// aggregator's whole uint64 round id), so ids never go backwards across an upgrade and every
/// phase's history stays readable.
interface IFeedProxy is AggregatorV2V3Interface {
  /// @notice confirmAggregator named something other than the proposed aggregator.
  error InvalidProposedAggregator(address proposed, address confirmed);
  /// @notice No aggregator is proposed.
  error NoProposedAggregator();
  /// @notice The aggregator address is zero.
  error ZeroAggregator();
  /// @notice The round id names a phase that does not exist, or (behind a multi-feed aggregator)
  /// another feed than this proxy's.
  error RoundNotAvailable(uint256 roundId);
  /// @notice Phase ids are uint16.
  error TooManyPhases();
  /// @notice The current aggregator does not implement IOutOfBoundsReader.outOfBounds.
  error OutOfBoundsUnsupported(address aggregator);

  /// @notice An aggregator was proposed for feed `feedIndex` of it.
  event AggregatorProposed(address indexed current, address indexed proposed, uint8 feedIndex);
  /// @notice The proposed aggregator is now current, in phase `phaseId`.
  event AggregatorConfirmed(address indexed previous, address indexed latest, uint16 phaseId);

  /// @notice Proposes a new aggregator (and the feed index inside it). Owner only.
  function proposeAggregator(address aggregator, uint8 feedIndex) external;

  /// @notice Makes the proposed aggregator current, starting a new phase. Owner only.
  function confirmAggregator(address aggregator) external;

  /// @notice The current aggregator.
  function aggregator() external view returns (address);

  /// @notice The feed index inside the current aggregator.
  function feedIndex() external view returns (uint8);

  /// @notice The current phase id (starts at 1).
  function phaseId() external view returns (uint16);

  /// @notice Aggregator and feed index of a phase (zero if the phase does not exist).
  function phaseAggregators(uint16 phaseId) external view returns (address aggregator, uint8 feedIndex);

  /// @notice The proposed aggregator and feed index (zero if none).
  function proposedAggregator() external view returns (address aggregator, uint8 feedIndex);

  /// @notice latestRoundData of the proposed aggregator (its own round ids), for checking before
  /// confirming.
  function proposedLatestRoundData()
    external
    view
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

  /// @notice getRoundData of the proposed aggregator, by its own round id, for checking before
  /// confirming.
  function proposedGetRoundData(
    uint80 roundId
  ) external view returns (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

  /// @notice Whether the current aggregator refused this feed's latest median for being outside
  /// the feed's bounds, the refused median and since when (IOutOfBoundsReader, forwarded).
  function outOfBounds() external view returns (bool active, int256 refusedMedian, uint256 since);

  /// @notice Confidence of the current phase's latest round: proxy round id and confidence.
  function latestConfidence() external view returns (uint80 roundId, uint256 confidence);

  /// @notice Confidence of a proxy round.
  function getConfidence(uint80 roundId) external view returns (uint256 confidence);

  /// @notice "FeedProxy 1.1.0".
  function typeAndVersion() external pure returns (string memory);
}
