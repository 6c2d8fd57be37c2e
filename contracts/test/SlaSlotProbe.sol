// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {QuorumAggregator} from "../QuorumAggregator.sol";

/// @title SlaSlotProbe (test and bench only)
/// @notice QuorumAggregator's storage layout with one extra view: the slot of s_sla, so the gas
/// bench can put a pending slot one transmit before its flush (hardhat_setStorageAt) on the real
/// contract, whose layout is the same.
contract SlaSlotProbe is QuorumAggregator {
  constructor() QuorumAggregator(msg.sender) {}

  function slaSlot() external pure returns (uint256 slot) {
    assembly ("memory-safe") {
      slot := s_sla.slot
    }
  }
}
