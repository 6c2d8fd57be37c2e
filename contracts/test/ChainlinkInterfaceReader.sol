// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Compiled against Chainlink's own interface file, not ours: proves drop-in compatibility.
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice Test support: a consumer written the way Chainlink's docs show.
contract ChainlinkInterfaceReader {
  error StaleFeed(uint256 updatedAt);
  error BadAnswer(int256 answer);

  /// @notice The raw latestRoundData of a feed.
  function read(
    AggregatorV3Interface feed
  )
    external
    view
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    return feed.latestRoundData();
  }

  /// @notice A round by id.
  function readRound(
    AggregatorV3Interface feed,
    uint80 roundId
  ) external view returns (uint80, int256, uint256, uint256, uint80) {
    return feed.getRoundData(roundId);
  }

  /// @notice Price with the usual checks, scaled to 18 decimals.
  function price18(AggregatorV3Interface feed, uint256 maxAge) external view returns (uint256) {
    (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
    if (updatedAt == 0 || block.timestamp - updatedAt > maxAge) revert StaleFeed(updatedAt);
    if (answer <= 0) revert BadAnswer(answer);
    return uint256(answer) * 10 ** (18 - feed.decimals());
  }

  /// @notice Metadata.
  function meta(AggregatorV3Interface feed) external view returns (uint8, string memory, uint256) {
    return (feed.decimals(), feed.description(), feed.version());
  }
}
