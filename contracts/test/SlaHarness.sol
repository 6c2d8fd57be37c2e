// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SlaAccounting} from "../libraries/SlaAccounting.sol";

/// @title SlaHarness (test only)
/// @notice QuorumAggregator's service accounting without the rest of transmit: the same library
/// calls on the same storage struct, the same views OracleRewards reads (slaWords, getOracles),
/// so the invariant driver can run thousands of accounting steps per transaction.
contract SlaHarness {
  SlaAccounting.Sla internal s_sla;
  address[] internal s_signers;
  address[] internal s_transmitters;
  uint256 internal s_hot;

  /// @notice setConfig's accounting: rollover of the old committee, then mark the new one.
  function setCommittee(address[] calldata signers, address[] calldata transmitters) external {
    SlaAccounting.rollover(s_sla, s_signers, s_transmitters);
    s_signers = signers;
    s_transmitters = transmitters;
    if ((s_hot >> 192) & 0xff != 0) SlaAccounting.mark(s_sla, s_signers, s_transmitters);
  }

  /// @notice setSlaParams (unchecked: the driver keeps them in range).
  function setParams(uint256 mode, uint256 capUnits, uint256 overhead) external {
    s_hot = (mode << 192) | (capUnits << 200) | (overhead << 232);
    if (mode != 0) SlaAccounting.mark(s_sla, s_signers, s_transmitters);
  }

  /// @notice transmit's accounting for the transmitter at index j and an observer bitmap.
  function transmit(uint256 j, uint256 observers) external returns (uint256 accrued) {
    uint256 gasStart = gasleft();
    if ((s_hot >> 192) & 0xff == 0) return 0;
    return SlaAccounting.accrue(s_sla, s_hot, j, s_signers.length, observers, gasStart, s_transmitters[j]);
  }

  function flushSla() external {
    uint256 n = s_signers.length;
    for (uint256 j = 0; j < n; ++j) SlaAccounting.flushOne(s_sla, j, n, s_transmitters[j]);
  }

  /// @notice Puts transmitter j's pending count at 2^w - 2 (as if it had sent that many reports
  /// without observers); returns how many transmissions that added.
  function nearFlush(uint256 j) external returns (uint256 added) {
    uint256 n = s_signers.length;
    uint256 w = SlaAccounting.laneWidth(n);
    uint256 p = s_sla.pending[j];
    uint256 shift = n * w;
    uint256 mask = ((1 << w) - 1) << shift;
    uint256 count = (p & mask) >> shift;
    added = (1 << w) - 2 - count;
    s_sla.pending[j] = (p & ~mask) | (((1 << w) - 2) << shift);
  }

  function slaWords(address account) external view returns (uint256[40] memory words) {
    uint256 n = s_signers.length;
    for (uint256 i = 0; i < n; ++i) words[i] = s_sla.pending[i];
    for (uint256 i = 0; i * 4 < n; ++i) words[31 + i] = s_sla.observations[i];
    words[39] = s_sla.totals[account];
  }

  function getOracles() external view returns (address[] memory, address[] memory, uint8) {
    return (s_signers, s_transmitters, 1);
  }
}
