// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice Test support for scripts/bench-gas.ts: the same transaction with and without a
/// latestRoundData call, so the difference is what a consuming contract pays for the read.
contract GasReader {
  /// @dev Written so the read cannot be optimized away and both modes end alike.
  uint256 public s_sink = 1;

  /// @param mode 1: skip the call, 2: call latestRoundData (both one non-zero calldata byte).
  function measure(AggregatorV3Interface feed, uint256 mode) external {
    int256 answer = 1;
    if (mode == 2) {
      (, answer, , , ) = feed.latestRoundData();
    }
    s_sink = answer == 0 ? 2 : 1;
  }

  /// @notice Same measurement with a minimal consumer: a raw STATICCALL that reads the answer
  /// word, without Solidity's ABI encoding and decoding.
  function measureRaw(address feed, uint256 mode) external {
    int256 answer = 1;
    if (mode == 2) {
      assembly ("memory-safe") {
        mstore(0x00, 0xfeaf968c00000000000000000000000000000000000000000000000000000000)
        if iszero(staticcall(gas(), feed, 0x00, 0x04, 0x00, 0x40)) {
          revert(0x00, 0x00)
        }
        answer := mload(0x20)
      }
    }
    s_sink = answer == 0 ? 2 : 1;
  }
}
