// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SlaAccounting} from "../libraries/SlaAccounting.sol";

/// @title SlaAdmin
/// @notice The cold paths of QuorumAggregator's service accounting (setConfig's rollover,
/// marking a committee's slots, flushSla), run by DELEGATECALL from the aggregator so that its
/// own code stays small (QuorumAggregator deploys this contract in its constructor). Each
/// function takes the storage slots of the aggregator's s_sla, s_signers and s_transmitters.
/// Called directly (not by delegatecall) it refuses: it has no state of its own to act on.
contract SlaAdmin {
  error NotDelegated();

  address private immutable i_self = address(this);

  modifier delegated() {
    if (address(this) == i_self) revert NotDelegated();
    _;
  }

  /// @notice Flushes every pending slot of the committee and moves the per-index observation
  /// totals into the signers' totals (setConfig, before the committee changes).
  function rollover(uint256 slaSlot, uint256 signersSlot, uint256 transmittersSlot) external delegated {
    (SlaAccounting.Sla storage sla, address[] storage signers, address[] storage transmitters) = _bind(
      slaSlot,
      signersSlot,
      transmittersSlot
    );
    SlaAccounting.rollover(sla, signers, transmitters);
  }

  /// @notice Marks the committee's slots (setConfig and setSlaParams with accounting on).
  function mark(uint256 slaSlot, uint256 signersSlot, uint256 transmittersSlot) external delegated {
    (SlaAccounting.Sla storage sla, address[] storage signers, address[] storage transmitters) = _bind(
      slaSlot,
      signersSlot,
      transmittersSlot
    );
    SlaAccounting.mark(sla, signers, transmitters);
  }

  /// @notice Flushes every pending slot of the committee (flushSla).
  function flushAll(uint256 slaSlot, uint256 signersSlot, uint256 transmittersSlot) external delegated {
    (SlaAccounting.Sla storage sla, address[] storage signers, address[] storage transmitters) = _bind(
      slaSlot,
      signersSlot,
      transmittersSlot
    );
    uint256 n = signers.length;
    for (uint256 j = 0; j < n; ++j) SlaAccounting.flushOne(sla, j, n, transmitters[j]);
  }

  function _bind(
    uint256 slaSlot,
    uint256 signersSlot,
    uint256 transmittersSlot
  ) private pure returns (SlaAccounting.Sla storage sla, address[] storage signers, address[] storage transmitters) {
    assembly ("memory-safe") {
      sla.slot := slaSlot
      signers.slot := signersSlot
      transmitters.slot := transmittersSlot
    }
  }
}
