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
/// @dev Rounds kept per feed (QuorumAggregator.HISTORY_SIZE).
uint256 constant HISTORY_LENGTH = 64;
/// @dev Bits of a feed's own round number inside an aggregator round id.
uint256 constant ROUND_BITS = 32;

// transmit's packed context word ("ctx"): n(0..7) f(8..15) feedCount(16..31), then the
// report-wide fields of a latest slot at their offsets: startedAt = min(observationsTimestamp,
// now)(32..63) now(64..95) epochAndRound(96..135); then single-feed(136) checkAge(137)
// age(144..175) minMaxReportAge(176..207) 1 + the transmitter's committee index(208..215).
uint256 constant CTX_SINGLE = 1 << 136;
uint256 constant CTX_TRANSMITTER_SHIFT = 208;
uint256 constant CTX_CHECK_AGE = 1 << 137;
/// @dev The ctx bits that are a latest slot's report-wide fields (32..135).
uint256 constant CTX_REPORT_BITS = ((1 << 104) - 1) << 32;

/// @title FeedSlots
/// @notice Packing, unpacking and writing of the latest and history slots.
library FeedSlots {
  /// @dev Every feed's latest slot, then every feed's history ring (index round % HISTORY_LENGTH).
  struct Rounds {
    uint256[256] latest;
    uint256[HISTORY_LENGTH][256] history;
  }
  /// @dev Splits an aggregator round id and returns the stored round if it is still held.
  function held(
    Rounds storage rounds,
    uint256 roundId
  ) internal view returns (bool ok, uint256 feedIndex, uint256 slot) {
    feedIndex = roundId >> ROUND_BITS;
    uint256 r = roundId & UINT32_MASK;
    if (feedIndex >= 256 || r == 0) return (false, feedIndex, 0);
    uint256 newest = round(rounds.latest[feedIndex]);
    // Held: newest - HISTORY_LENGTH < r <= newest.
    if (r > newest || newest - r >= HISTORY_LENGTH) return (false, feedIndex, 0);
    return (true, feedIndex, rounds.history[feedIndex][r % HISTORY_LENGTH]);
  }

  /// @dev Ends the call with feed `feed`'s latestRoundData words: one SLOAD, in assembly. It ends
  /// with return(), so writing the five words over scratch space and the free memory pointer is
  /// safe.
  function returnLatestRoundData(Rounds storage rounds, uint256 feed) internal view {
    assembly {
      let latest := sload(add(rounds.slot, feed))
      let r := and(latest, UINT32_MASK)
      let roundId := 0
      if r {
        roundId := or(shl(ROUND_BITS, feed), r)
        mstore(0x20, sar(LATEST_ANSWER_SHIFT, latest))
        mstore(0x40, and(shr(32, latest), UINT32_MASK))
        mstore(0x60, and(shr(64, latest), UINT32_MASK))
      }
      if iszero(r) {
        mstore(0x20, 0)
        mstore(0x40, 0)
        mstore(0x60, 0)
      }
      mstore(0x00, roundId)
      mstore(0x80, roundId)
      return(0x00, 0xa0)
    }
  }

  /// @dev The latest slot with its epoch-and-round replaced (the rest unchanged).
  function withEpochAndRound(uint256 latest, uint256 er) internal pure returns (uint256) {
    return (latest & ~(EPOCH_AND_ROUND_MASK << LATEST_ER_SHIFT)) | (er << LATEST_ER_SHIFT);
  }

  /// @dev setConfig: the epoch-and-round of feeds 0..feeds-1 restarts under the new digest.
  function clearEpochAndRounds(Rounds storage rounds, uint256 feeds) internal {
    for (uint256 i = 0; i < feeds; ++i) {
      rounds.latest[i] = withEpochAndRound(rounds.latest[i], 0);
    }
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

  /// @dev A feed's latest aggregator round id, 0 before its first report.
  function latestRoundId(Rounds storage rounds, uint256 feed) internal view returns (uint256) {
    uint256 r = round(rounds.latest[feed]);
    return r == 0 ? 0 : (feed << ROUND_BITS) | r;
  }

  /// @dev A feed's latest round id and confidence, (0, 0) before its first report.
  function latestConfidence(Rounds storage rounds, uint256 feed) internal view returns (uint80, uint256) {
    uint256 r = round(rounds.latest[feed]);
    if (r == 0) return (0, 0);
    return (uint80((feed << ROUND_BITS) | r), historyConfidence(rounds.history[feed][r % HISTORY_LENGTH]));
  }

  /// @dev (answer, startedAt, updatedAt) of a history slot.
  function historyRound(uint256 slot) internal pure returns (int256, uint256, uint256) {
    return (historyAnswer(slot), historyStartedAt(slot), historyUpdatedAt(slot));
  }

  /// @dev The largest epoch-and-round among the latest slots of feeds 0..feeds-1.
  function newestEpochAndRound(Rounds storage rounds, uint256 feeds) internal view returns (uint40 newest) {
    for (uint256 i = 0; i < feeds; ++i) {
      uint40 er = epochAndRound(rounds.latest[i]);
      if (er > newest) newest = er;
    }
  }

  function historyConfidence(uint256 slot) internal pure returns (uint256) {
    return (slot >> HISTORY_CONFIDENCE_SHIFT) & CONFIDENCE_MAX;
  }
}
