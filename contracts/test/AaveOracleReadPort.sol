// SPDX-License-Identifier: agpl-3.0
pragma solidity 0.8.30;

// A minimal port of the price read of Aave v3's AaveOracle (aave/aave-v3-core,
// contracts/misc/AaveOracle.sol, agpl-3.0 as its header says): getAssetPrice reads the source's
// latestAnswer and falls back to the fallback oracle when there is no source or the answer is not
// positive. The ACL, events and setters are left out. Test support only.

import {AggregatorInterface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorInterface.sol";

interface IPriceOracleGetter {
  function getAssetPrice(address asset) external view returns (uint256);
}

contract AaveOracleReadPort {
  mapping(address => AggregatorInterface) private assetsSources;
  IPriceOracleGetter private _fallbackOracle;
  address public immutable BASE_CURRENCY;
  uint256 public immutable BASE_CURRENCY_UNIT;

  constructor(
    address[] memory assets,
    address[] memory sources,
    address fallbackOracle,
    address baseCurrency,
    uint256 baseCurrencyUnit
  ) {
    // Aave's own revert string, kept.
    // solhint-disable-next-line gas-custom-errors
    require(assets.length == sources.length, "INCONSISTENT_PARAMS_LENGTH");
    for (uint256 i = 0; i < assets.length; i++) assetsSources[assets[i]] = AggregatorInterface(sources[i]);
    _fallbackOracle = IPriceOracleGetter(fallbackOracle);
    BASE_CURRENCY = baseCurrency;
    BASE_CURRENCY_UNIT = baseCurrencyUnit;
  }

  function getAssetPrice(address asset) public view returns (uint256) {
    AggregatorInterface source = assetsSources[asset];
    if (asset == BASE_CURRENCY) {
      return BASE_CURRENCY_UNIT;
    } else if (address(source) == address(0)) {
      return _fallbackOracle.getAssetPrice(asset);
    } else {
      int256 price = source.latestAnswer();
      if (price > 0) {
        return uint256(price);
      } else {
        return _fallbackOracle.getAssetPrice(asset);
      }
    }
  }
}
