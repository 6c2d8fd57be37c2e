// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullVerifier, IPullVerifierFactory} from "../interfaces/IPullVerifier.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {PullVerifierInit} from "./PullVerifierInit.sol";

/// @title PullVerifierFactory
/// @notice Deploys a QuorumAggregator's pull verifiers (IPullVerifierFactory; docs/protocol.md
/// "Gas of a one-feed verification"). The aggregator's constructor deploys it (its creation code
/// is in the aggregator's init code, not its runtime) and calls rotate every time it writes a
/// config store: version + 1 gets a PullVerifier by CREATE2 (salt bytes32(version), the constant
/// init code PullVerifierInit), then the previous verifier is retired. Versions only grow and a
/// retired verifier never answers again: of all the addresses a version derives, only the
/// current one verifies a report.
contract PullVerifierFactory is IPullVerifierFactory {
  /// @inheritdoc IPullVerifierFactory
  // solhint-disable-next-line immutable-vars-naming
  bytes32 public immutable INIT_CODE_HASH = keccak256(type(PullVerifierInit).creationCode);
  /// @inheritdoc IPullVerifierFactory
  // solhint-disable-next-line immutable-vars-naming
  address public immutable aggregator = msg.sender;

  /// @dev The current verifier and its version (one slot).
  address private s_current;
  uint96 private s_version;
  /// @dev The store being rotated in: what the verifier's constructor copies (rotation()).
  address private s_store;

  /// @inheritdoc IPullVerifierFactory
  function rotate(address store) external override returns (address verifier) {
    if (msg.sender != aggregator) revert NotAggregator(msg.sender);
    uint256 version = uint256(s_version) + 1;
    address previous = s_current;
    s_store = store;
    verifier = address(new PullVerifierInit{salt: bytes32(version)}());
    (s_current, s_version) = (verifier, uint96(version));
    if (previous != address(0)) IPullVerifier(previous).retire();
    emit VerifierRotated(version, verifier, store);
  }

  /// @inheritdoc IPullVerifierFactory
  function rotation() external view override returns (address store, address aggregator_, bytes32 separator) {
    return (s_store, aggregator, IQuorumAggregator(aggregator).domainSeparator());
  }

  /// @inheritdoc IPullVerifierFactory
  function current() external view override returns (address verifier, uint256 version) {
    return (s_current, s_version);
  }

  /// @inheritdoc IPullVerifierFactory
  function verifierAt(uint256 version) external view override returns (address) {
    return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), version, INIT_CODE_HASH)))));
  }
}
