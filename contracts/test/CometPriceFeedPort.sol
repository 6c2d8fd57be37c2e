// SPDX-License-Identifier: BUSL-1.1
pragma solidity 0.8.30;

// A minimal excerpt of the price feed checks of Compound III's Comet (compound-finance/comet,
// contracts/Comet.sol, licensed BUSL-1.1 as the header above, quoted from it; this excerpt keeps
// that licence): the constructor's decimals check (PRICE_FEED_DECIMALS = 8, else BadDecimals) and
// getPrice (latestRoundData, non-positive answers revert BadPrice). Test support only, not
// deployed; nothing else of Comet is reproduced.

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

contract CometPriceFeedPort {
  error BadDecimals();
  error BadPrice();

  uint8 public constant PRICE_FEED_DECIMALS = 8;

  address public immutable baseTokenPriceFeed;

  constructor(address baseTokenPriceFeed_) {
    if (AggregatorV3Interface(baseTokenPriceFeed_).decimals() != PRICE_FEED_DECIMALS) revert BadDecimals();
    baseTokenPriceFeed = baseTokenPriceFeed_;
  }

  function getPrice(address priceFeed) public view returns (uint256) {
    (, int256 price, , , ) = AggregatorV3Interface(priceFeed).latestRoundData();
    if (price <= 0) revert BadPrice();
    return uint256(price);
  }
}
