// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOutOfBoundsReader} from "../interfaces/IOutOfBoundsReader.sol";

/// @notice Test support: a minimal aggregator implementing IOutOfBoundsReader with a settable
/// state per feed index, to check that FeedProxy forwards outOfBounds for its own feed. Feed 9
/// reverts with an error of its own.
contract OutOfBoundsFeed is IOutOfBoundsReader {
  error FeedBroken(uint256 feedIndex);

  struct State {
    bool active;
    int256 refusedMedian;
    uint256 since;
  }

  mapping(uint256 feedIndex => State) private s_state;

  function set(uint256 feedIndex, bool active, int256 refusedMedian, uint256 since) external {
    s_state[feedIndex] = State(active, refusedMedian, since);
  }

  function outOfBounds(uint256 feedIndex) external view returns (bool, int256, uint256) {
    if (feedIndex == 9) revert FeedBroken(feedIndex);
    State memory state = s_state[feedIndex];
    return (state.active, state.refusedMedian, state.since);
  }

  function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
    return (1, 1e8, 10, 10, 1);
  }
}
