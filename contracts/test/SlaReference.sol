// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SlaAccounting} from "../libraries/SlaAccounting.sol";

/// @title SlaReference (test only)
/// @notice SlaAccounting.spread beside its plain twin: a loop that moves bit i of the observer
/// bitmap to bit i * w, one bit at a time.
contract SlaReference {
  function spread(uint256 observers, uint256 n) external pure returns (uint256) {
    return SlaAccounting.spread(observers, n, SlaAccounting.laneWidth(n));
  }

  function spreadReference(uint256 observers, uint256 n) external pure returns (uint256 lanes) {
    uint256 w = 192 / (n + 1);
    if (w > 32) w = 32;
    for (uint256 i = 0; i < n; ++i) {
      if ((observers >> i) & 1 == 1) lanes |= 1 << (i * w);
    }
  }
}
