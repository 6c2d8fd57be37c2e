// SPDX-License-Identifier: MIT

pragma solidity 0.8.30;

// A minimal port of the Chainlink checks of Liquity v1's PriceFeed (liquity/dev,
// packages/contracts/contracts/PriceFeed.sol, MIT licence): the current and previous
// (getRoundData(roundId - 1)) responses, "broken", "frozen" and the 50 % change check, with the
// Tellor fallback and the status machine left out. Test support only: it shows how Liquity's logic
// judges our feeds read through FeedProxy. Behaviour as in the original; layout is ours.

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

contract LiquityPriceFeedPort {
  uint256 public constant TARGET_DIGITS = 18;
  uint256 public constant TIMEOUT = 14400; // 4 hours
  uint256 public constant MAX_PRICE_DEVIATION_FROM_PREVIOUS_ROUND = 5e17; // 50 %
  uint256 private constant DECIMAL_PRECISION = 1e18;

  struct ChainlinkResponse {
    uint80 roundId;
    int256 answer;
    uint256 timestamp;
    bool success;
    uint8 decimals;
  }

  AggregatorV3Interface public immutable priceAggregator;

  constructor(AggregatorV3Interface aggregator) {
    priceAggregator = aggregator;
  }

  /// @notice Liquity's verdict on the feed now, and the price it would store if working.
  function check() external view returns (bool broken, bool frozen, bool changeAboveMax, uint256 price) {
    ChainlinkResponse memory current = _getCurrentChainlinkResponse();
    ChainlinkResponse memory prev = _getPrevChainlinkResponse(current.roundId, current.decimals);
    broken = _badChainlinkResponse(current) || _badChainlinkResponse(prev);
    if (broken) return (true, false, false, 0);
    frozen = block.timestamp - current.timestamp > TIMEOUT;
    changeAboveMax = _chainlinkPriceChangeAboveMax(current, prev);
    price = _scaleChainlinkPriceByDigits(uint256(current.answer), current.decimals);
  }

  function _badChainlinkResponse(ChainlinkResponse memory response) internal view returns (bool) {
    if (!response.success) return true;
    if (response.roundId == 0) return true;
    if (response.timestamp == 0 || response.timestamp > block.timestamp) return true;
    if (response.answer <= 0) return true;
    return false;
  }

  function _chainlinkPriceChangeAboveMax(
    ChainlinkResponse memory current,
    ChainlinkResponse memory prev
  ) internal pure returns (bool) {
    uint256 currentScaled = _scaleChainlinkPriceByDigits(uint256(current.answer), current.decimals);
    uint256 prevScaled = _scaleChainlinkPriceByDigits(uint256(prev.answer), prev.decimals);
    uint256 minPrice = currentScaled < prevScaled ? currentScaled : prevScaled;
    uint256 maxPrice = currentScaled < prevScaled ? prevScaled : currentScaled;
    uint256 percentDeviation = ((maxPrice - minPrice) * DECIMAL_PRECISION) / maxPrice;
    return percentDeviation > MAX_PRICE_DEVIATION_FROM_PREVIOUS_ROUND;
  }

  function _scaleChainlinkPriceByDigits(uint256 price, uint256 answerDigits) internal pure returns (uint256) {
    if (answerDigits >= TARGET_DIGITS) return price / (10 ** (answerDigits - TARGET_DIGITS));
    return price * (10 ** (TARGET_DIGITS - answerDigits));
  }

  function _getCurrentChainlinkResponse() internal view returns (ChainlinkResponse memory response) {
    try priceAggregator.decimals() returns (uint8 decimals) {
      response.decimals = decimals;
    } catch {
      return response;
    }
    try priceAggregator.latestRoundData() returns (uint80 roundId, int256 answer, uint256, uint256 timestamp, uint80) {
      response.roundId = roundId;
      response.answer = answer;
      response.timestamp = timestamp;
      response.success = true;
    } catch {
      return response;
    }
  }

  function _getPrevChainlinkResponse(
    uint80 currentRoundId,
    uint8 currentDecimals
  ) internal view returns (ChainlinkResponse memory prev) {
    // Solidity 0.6.11 (the original) wraps here; keep that rather than panic on round id 0.
    uint80 prevRoundId;
    unchecked {
      prevRoundId = currentRoundId - 1;
    }
    try priceAggregator.getRoundData(prevRoundId) returns (
      uint80 roundId,
      int256 answer,
      uint256,
      uint256 timestamp,
      uint80
    ) {
      prev.roundId = roundId;
      prev.answer = answer;
      prev.timestamp = timestamp;
      prev.decimals = currentDecimals;
      prev.success = true;
    } catch {
      return prev;
    }
  }
}
