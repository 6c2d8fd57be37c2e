// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IFeedRegistry
/// @notice (base, quote) -> feed proxy, e.g. ("ETH", "USD") -> the ETH/USD FeedProxy.
interface IFeedRegistry {
  /// @notice No feed is registered for the pair.
  error FeedNotFound(string base, string quote);
  /// @notice The base or quote symbol is empty.
  error EmptySymbol();

  /// @notice The pair now points at `proxy` (zero: removed).
  event FeedSet(string base, string quote, address indexed previous, address indexed proxy);

  /// @notice Registers, replaces (or with proxy = 0, removes) the pair's feed. Owner only.
  function setFeed(string calldata base, string calldata quote, address proxy) external;

  /// @notice The pair's feed proxy; reverts FeedNotFound if none.
  function getFeed(string calldata base, string calldata quote) external view returns (address proxy);

  /// @notice Whether the pair has a feed.
  function hasFeed(string calldata base, string calldata quote) external view returns (bool);

  /// @notice latestRoundData of the pair's feed (proxy round ids).
  function latestRoundData(
    string calldata base,
    string calldata quote
  ) external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

  /// @notice Decimals of the pair's feed.
  function decimals(string calldata base, string calldata quote) external view returns (uint8);

  /// @notice All registered pairs.
  function getPairs() external view returns (string[] memory bases, string[] memory quotes, address[] memory proxies);

  /// @notice The registry key of a pair: keccak256(abi.encode(base, quote)).
  function pairKey(string calldata base, string calldata quote) external pure returns (bytes32);

  /// @notice "FeedRegistry 1.0.0".
  function typeAndVersion() external pure returns (string memory);
}
