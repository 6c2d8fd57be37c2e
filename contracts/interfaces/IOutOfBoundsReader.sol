// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Reads whether a feed's latest median was refused for being outside its bounds.
interface IOutOfBoundsReader {
  function outOfBounds(uint256 feedIndex) external view returns (bool active, int256 refusedMedian, uint256 since);
}
