// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ISlaAccounting} from "../interfaces/IOracleRewards.sol";
import {IOracleStaking} from "../interfaces/IOracleStaking.sol";
import {SlaAccounting, SLA_MODE_FULL, SLA_GAS_PRICE_UNIT, SLA_TRANSMIT_ABI_BYTES} from "../libraries/SlaAccounting.sol";
import {SlaAdmin} from "./SlaAdmin.sol";
import {CTX_TRANSMITTER_SHIFT} from "../libraries/FeedSlots.sol";
import {ConfigStore} from "../libraries/ConfigStore.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";

/// @title AggregatorAccounting
/// @notice QuorumAggregator's service accounting and staking hook (ISlaAccounting): the counters'
/// storage, transmit's accrual, the owner's parameters, flushSla, the raw words OracleRewards
/// reads, and setConfig's rollover and admission (docs/protocol.md "Service accounting"). It also
/// declares the aggregator state it reads: the hot slot and the committee.
abstract contract AggregatorAccounting is ISlaAccounting, Ownable2Step {
  /// @dev Read on every transmit, written only by setConfig/addFeed/setMaxReportAge/setSlaParams.
  /// One slot: the accounting parameters ride in it, so transmit reads them for free.
  struct HotVars {
    address configStore;
    uint32 configCount;
    uint8 slaMode;
    /// @dev In units of SLA_GAS_PRICE_UNIT (10^6 wei).
    uint32 gasPriceCap;
    uint24 gasOverhead;
  }

  HotVars internal s_hot;
  /// @dev The committee (QuorumAggregator.setConfig), by index.
  address[] internal s_signers;
  address[] internal s_transmitters;
  /// @dev Service counters (libraries/SlaAccounting.sol).
  SlaAccounting.Sla internal s_sla;
  /// @dev setConfig admits each config with it; address(0): a deployment without stake.
  address internal s_staking;
  /// @dev The accounting's cold paths, run by delegatecall (SlaAdmin.sol).
  SlaAdmin private immutable i_slaAdmin = new SlaAdmin();

  /// @inheritdoc ISlaAccounting
  function setSlaParams(uint8 mode, uint256 gasPriceCap, uint256 gasOverhead) external override onlyOwner {
    if (
      mode > SLA_MODE_FULL ||
      gasPriceCap % SLA_GAS_PRICE_UNIT != 0 ||
      gasPriceCap / SLA_GAS_PRICE_UNIT > type(uint32).max ||
      gasOverhead > type(uint24).max
    ) revert InvalidSlaParams(mode, gasPriceCap, gasOverhead);
    (s_hot.slaMode, s_hot.gasPriceCap, s_hot.gasOverhead) = (
      mode,
      uint32(gasPriceCap / SLA_GAS_PRICE_UNIT),
      uint24(gasOverhead)
    );
    if (mode != 0) _delegateSla(SlaAdmin.mark.selector);
    emit SlaParamsSet(mode, gasPriceCap, gasOverhead);
  }

  /// @inheritdoc ISlaAccounting
  function slaParams() external view override returns (uint8, uint256, uint256) {
    return (s_hot.slaMode, uint256(s_hot.gasPriceCap) * SLA_GAS_PRICE_UNIT, s_hot.gasOverhead);
  }

  /// @inheritdoc ISlaAccounting
  function flushSla() external override {
    _delegateSla(SlaAdmin.flushAll.selector);
  }

  /// @inheritdoc ISlaAccounting
  function slaWords(address account) external view override returns (uint256[40] memory words) {
    // Only the committee's words (the rest stay zero): pending 0..n-1, observations 0..(n-1)/4.
    uint256 n = s_signers.length;
    assembly ("memory-safe") {
      let base := s_sla.slot
      for {
        let i := 0
      } lt(i, n) {
        i := add(i, 1)
      } {
        mstore(add(words, shl(5, i)), sload(add(base, i)))
      }
      for {
        let i := 0
      } lt(shl(2, i), n) {
        i := add(i, 1)
      } {
        mstore(add(words, shl(5, add(31, i))), sload(add(base, add(31, i))))
      }
      // totals[account]: the mapping after the 39 fixed slots.
      mstore(0x00, account)
      mstore(0x20, add(base, 39))
      mstore(add(words, shl(5, 39)), sload(keccak256(0x00, 0x40)))
    }
  }

  /// @inheritdoc ISlaAccounting
  function setStaking(address stakingContract) external override onlyOwner {
    s_staking = stakingContract;
    emit StakingSet(stakingContract);
  }

  /// @inheritdoc ISlaAccounting
  function staking() external view override returns (address) {
    return s_staking;
  }

  /// @dev The hot slot as one word (transmit reads it once).
  function _hotWord() internal view returns (uint256 hot) {
    assembly ("memory-safe") {
      hot := sload(s_hot.slot)
    }
  }

  /// @dev ctx with 1 + the sender's committee index at CTX_TRANSMITTER_SHIFT (bits 208..215);
  /// reverts UnauthorizedTransmitter unless the sender is one of the n transmitters at `members`.
  function _withTransmitter(uint256 ctx, uint256 members) internal view returns (uint256) {
    uint256 slot = ConfigStore.transmitterSlot(members, ctx & 0xff, msg.sender);
    if (slot == 0) revert IQuorumAggregator.UnauthorizedTransmitter(msg.sender);
    return ctx | (slot << CTX_TRANSMITTER_SHIFT);
  }

  /// @dev transmit's accounting (SlaAccounting.accrue) for the sender, whose committee index + 1
  /// ctx holds at CTX_TRANSMITTER_SHIFT; n is ctx's low byte. No external call, never reverts.
  function _accrue(uint256 hot, uint256 ctx, uint256 observers, uint256 gasStart) internal {
    if ((hot >> 192) & 0xff == 0) return;
    uint256 j = ((ctx >> CTX_TRANSMITTER_SHIFT) & 0xff) - 1;
    // Calldata counted as the canonical ABI encoding of transmit(bytes report, bytes signatures):
    // the two lengths (at their ABI offsets, which the decoder already checked) plus selector,
    // offsets, lengths and padding. Not msg.data.length: bytes appended after the arguments
    // (zero bytes cost 4 gas, counted at 16) would turn the reimbursement into a profit.
    uint256 calldataBytes;
    assembly ("memory-safe") {
      calldataBytes := add(
        add(calldataload(add(4, calldataload(4))), calldataload(add(4, calldataload(36)))),
        SLA_TRANSMIT_ABI_BYTES
      )
    }
    SlaAccounting.accrue(s_sla, hot, j, ctx & 0xff, observers, gasStart, msg.sender, calldataBytes);
  }

  /// @dev setConfig, before the committee changes: flush and move the old committee's counters.
  function _slaRollover() internal {
    _delegateSla(SlaAdmin.rollover.selector);
  }

  /// @dev setConfig, after: mark the new committee's slots (accounting on) and have the staking
  /// contract admit the config (it reverts unless every signer holds the minimum stake).
  function _slaAdmit(uint8 mode, bytes32 digest, address[] calldata signers) internal {
    if (mode != 0) _delegateSla(SlaAdmin.mark.selector);
    address stakingContract = s_staking;
    if (stakingContract != address(0)) IOracleStaking(stakingContract).admitConfig(digest, signers);
  }

  /// @dev Runs SlaAdmin's `selector` on this contract's storage (s_sla and the committee).
  function _delegateSla(bytes4 selector) private {
    uint256 sla;
    uint256 signers;
    uint256 transmitters;
    assembly ("memory-safe") {
      sla := s_sla.slot
      signers := s_signers.slot
      transmitters := s_transmitters.slot
    }
    (bool ok, bytes memory ret) = address(i_slaAdmin).delegatecall(
      abi.encodeWithSelector(selector, sla, signers, transmitters)
    );
    if (!ok) {
      assembly ("memory-safe") {
        revert(add(ret, 32), mload(ret))
      }
    }
  }
}
