// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IFeedRegistry} from "./interfaces/IFeedRegistry.sol";

/// @title FeedRegistry
/// @notice Maps (base, quote) symbols to feed proxies and forwards the common reads.
contract FeedRegistry is IFeedRegistry, Ownable2Step {
  struct Pair {
    string base;
    string quote;
  }

  mapping(bytes32 key => address proxy) private s_feeds;
  /// @dev Keys ever registered, in registration order (removed pairs are skipped by getPairs).
  bytes32[] private s_keys;
  mapping(bytes32 key => Pair) private s_pairs;

  constructor(address owner) Ownable(owner) {}

  /// @inheritdoc IFeedRegistry
  function setFeed(string calldata base, string calldata quote, address proxy) external override onlyOwner {
    if (bytes(base).length == 0 || bytes(quote).length == 0) revert EmptySymbol();
    bytes32 key = _key(base, quote);
    if (bytes(s_pairs[key].base).length == 0) {
      s_pairs[key] = Pair({base: base, quote: quote});
      s_keys.push(key);
    }
    address previous = s_feeds[key];
    s_feeds[key] = proxy;
    emit FeedSet(base, quote, previous, proxy);
  }

  /// @inheritdoc IFeedRegistry
  function getFeed(string calldata base, string calldata quote) public view override returns (address proxy) {
    proxy = s_feeds[_key(base, quote)];
    if (proxy == address(0)) revert FeedNotFound(base, quote);
  }

  /// @inheritdoc IFeedRegistry
  function hasFeed(string calldata base, string calldata quote) external view override returns (bool) {
    return s_feeds[_key(base, quote)] != address(0);
  }

  /// @inheritdoc IFeedRegistry
  function latestRoundData(
    string calldata base,
    string calldata quote
  ) external view override returns (uint80, int256, uint256, uint256, uint80) {
    return AggregatorV3Interface(getFeed(base, quote)).latestRoundData();
  }

  /// @inheritdoc IFeedRegistry
  function decimals(string calldata base, string calldata quote) external view override returns (uint8) {
    return AggregatorV3Interface(getFeed(base, quote)).decimals();
  }

  /// @inheritdoc IFeedRegistry
  function getPairs()
    external
    view
    override
    returns (string[] memory bases, string[] memory quotes, address[] memory proxies)
  {
    uint256 live = 0;
    for (uint256 i = 0; i < s_keys.length; ++i) {
      if (s_feeds[s_keys[i]] != address(0)) ++live;
    }
    bases = new string[](live);
    quotes = new string[](live);
    proxies = new address[](live);
    uint256 j = 0;
    for (uint256 i = 0; i < s_keys.length; ++i) {
      bytes32 key = s_keys[i];
      address proxy = s_feeds[key];
      if (proxy == address(0)) continue;
      bases[j] = s_pairs[key].base;
      quotes[j] = s_pairs[key].quote;
      proxies[j] = proxy;
      ++j;
    }
  }

  /// @inheritdoc IFeedRegistry
  function pairKey(string calldata base, string calldata quote) external pure override returns (bytes32) {
    return _key(base, quote);
  }

  /// @inheritdoc IFeedRegistry
  function typeAndVersion() external pure override returns (string memory) {
    return "FeedRegistry 1.0.0";
  }

  function _key(string calldata base, string calldata quote) private pure returns (bytes32) {
    return keccak256(abi.encode(base, quote));
  }
}
