// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOracleRewards} from "../interfaces/IOracleRewards.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";

/// @title ReentrantRewardPayee (test only)
/// @notice A transmitter and signer address that is a contract: it transmits, and when paid (native
/// coin, or a ReentrantRewardToken's transfer hook) it calls claim and withdrawReimbursement again,
/// recording whether each reentry succeeded. A payee that wants to steal; the rewards contract
/// must pay it once.
contract ReentrantRewardPayee {
  IOracleRewards public rewards;
  uint256 public reentries;
  uint256 public reentriesSucceeded;
  /// @dev False by default, so EIP-1167 clones (no constructor) re-enter too.
  bool public disarmed;

  function setRewards(IOracleRewards rewards_) external {
    rewards = rewards_;
  }

  function setArmed(bool armed_) external {
    disarmed = !armed_;
  }

  function transmit(IQuorumAggregator aggregator, bytes calldata report, bytes calldata signatures) external {
    aggregator.transmit(report, signatures);
  }

  function claim() external returns (uint256) {
    return rewards.claim();
  }

  function withdrawReimbursement() external returns (uint256) {
    return rewards.withdrawReimbursement();
  }

  receive() external payable {
    _reenter();
  }

  /// @notice Called by ReentrantRewardToken on every transfer to this contract.
  function onTokenTransfer() external {
    _reenter();
  }

  function _reenter() private {
    if (disarmed) return;
    ++reentries;
    try rewards.claim() {
      ++reentriesSucceeded;
    } catch {}
    try rewards.withdrawReimbursement() {
      ++reentriesSucceeded;
    } catch {}
  }
}
