// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Bit layout of QuorumAggregator's per-feed slots (docs/protocol.md "What is stored"). File-level
// constants, so the contract's assembly can use them too.
//
// latest slot (one per feed):  round(0..31) observationsTimestamp(32..63)
//                              transmissionTimestamp(64..95) epochAndRound(96..135) answer int120(136..255)
// history slot (ring per feed): observationsTimestamp(0..31) transmissionTimestamp(32..63)
//                              confidence uint72(64..135) answer int120(136..255)

uint256 constant UINT32_MASK = 0xffffffff;
uint256 constant EPOCH_AND_ROUND_MASK = 0xffffffffff;
uint256 constant LATEST_ER_SHIFT = 96;
uint256 constant LATEST_ANSWER_SHIFT = 136;
uint256 constant HISTORY_CONFIDENCE_SHIFT = 64;
uint256 constant HISTORY_ANSWER_SHIFT = 136;
/// @dev Confidence is stored in 72 bits; wider dispersion saturates (overstating it, never less).
uint256 constant CONFIDENCE_MAX = 0xffffffffffffffffff;
/// @dev Latest slot pre-fill: round 0 (no data) with transmission timestamp 1, so the first
/// report overwrites a non-zero slot.
uint256 constant LATEST_PREFILL = 1 << 64;
/// @dev Ring slot pre-fill: any non-zero value; validity comes from the round range, not content.
uint256 constant HISTORY_PREFILL = 1;

/// @title FeedSlots
/// @notice Packing and unpacking of the latest and history slots.
library FeedSlots {
  /// @dev The report-wide fields of a latest slot: epoch-and-round, transmission time (now) and
  /// startedAt = min(observationsTimestamp, now), so startedAt <= updatedAt <= block.timestamp
  /// holds even for a report stamped within the tolerated future skew.
  function reportBits(uint256 er, uint256 observationsTimestamp) internal view returns (uint256) {
    uint256 startedAt = observationsTimestamp < block.timestamp ? observationsTimestamp : block.timestamp;
    return (er << LATEST_ER_SHIFT) | (block.timestamp << 64) | (startedAt << 32);
  }

  /// @dev A new latest slot: answer, the report-wide bits and the feed's new round.
  function packLatest(int256 answer, uint256 bits, uint256 newRound) internal pure returns (uint256) {
    return (uint256(answer) << LATEST_ANSWER_SHIFT) | bits | newRound;
  }

  /// @dev A new history slot: the timestamps sit 32 bits lower than in the latest slot.
  function packHistory(int256 answer, uint256 confidence, uint256 bits) internal pure returns (uint256) {
    return (uint256(answer) << HISTORY_ANSWER_SHIFT) | (confidence << HISTORY_CONFIDENCE_SHIFT) | ((bits >> 32) & 0xffffffffffffffff);
  }

  /// @dev The latest slot with its epoch-and-round replaced (the rest unchanged).
  function withEpochAndRound(uint256 latest, uint256 er) internal pure returns (uint256) {
    return (latest & ~(EPOCH_AND_ROUND_MASK << LATEST_ER_SHIFT)) | (er << LATEST_ER_SHIFT);
  }

  function round(uint256 latest) internal pure returns (uint256) {
    return latest & UINT32_MASK;
  }

  function epochAndRound(uint256 latest) internal pure returns (uint40) {
    return uint40((latest >> LATEST_ER_SHIFT) & EPOCH_AND_ROUND_MASK);
  }

  function latestAnswer(uint256 latest) internal pure returns (int256) {
    return int256(latest) >> LATEST_ANSWER_SHIFT;
  }

  function latestStartedAt(uint256 latest) internal pure returns (uint256) {
    return (latest >> 32) & UINT32_MASK;
  }

  function latestUpdatedAt(uint256 latest) internal pure returns (uint256) {
    return (latest >> 64) & UINT32_MASK;
  }

  function historyAnswer(uint256 slot) internal pure returns (int256) {
    return int256(slot) >> HISTORY_ANSWER_SHIFT;
  }

  function historyStartedAt(uint256 slot) internal pure returns (uint256) {
    return slot & UINT32_MASK;
  }

  function historyUpdatedAt(uint256 slot) internal pure returns (uint256) {
    return (slot >> 32) & UINT32_MASK;
  }

  function historyConfidence(uint256 slot) internal pure returns (uint256) {
    return (slot >> HISTORY_CONFIDENCE_SHIFT) & CONFIDENCE_MAX;
  }
}
