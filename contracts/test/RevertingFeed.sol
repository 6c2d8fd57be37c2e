// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Test support: an "aggregator" whose every read reverts, to check that FeedProxy
/// bubbles the aggregator's revert data up unchanged.
contract RevertingFeed {
  error FeedDown(uint256 code);

  fallback() external {
    revert FeedDown(42);
  }
}
