// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Refusals
/// @notice A feed's out-of-bounds state (IOutOfBoundsReader): its last refused median, the block
/// time of the first refusal of the current run, and the feed round it applies to. The refusal
/// is active while the feed is still at that round: an in-bounds median advances the round and
/// so clears it, with no write.
library Refusals {
  struct Refusal {
    uint32 round;
    uint32 since;
    int128 median;
  }

  /// @dev Records a refused median of a feed now at round `round`; keeps `since` during a run.
  function record(Refusal storage r, uint256 round, int256 median) internal {
    Refusal memory previous = r;
    bool active = previous.since != 0 && previous.round == round;
    // Answers are int120: the median fits int128.
    (r.round, r.since, r.median) = (uint32(round), active ? previous.since : uint32(block.timestamp), int128(median));
  }

  /// @dev (active, refusedMedian, since) for a feed now at round `round`.
  function read(Refusal storage r, uint256 round) internal pure returns (bool, int256, uint256) {
    Refusal memory current = r;
    if (current.since == 0 || current.round != round) return (false, 0, 0);
    return (true, current.median, current.since);
  }
}
