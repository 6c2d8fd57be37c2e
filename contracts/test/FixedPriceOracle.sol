// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Test support: a fallback oracle answering one fixed price for every asset.
contract FixedPriceOracle {
  uint256 public immutable price;

  constructor(uint256 price_) {
    price = price_;
  }

  function getAssetPrice(address) external view returns (uint256) {
    return price;
  }
}
