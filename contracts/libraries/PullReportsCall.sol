// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullReportsSingle} from "../interfaces/IPullReportsSingle.sol";

/// @title PullReportsCall
/// @notice For consumer contracts: IPullReportsSingle.verifyReportSingle called without
/// Solidity's ABI encoder and decoder (examples/PerpConsumer.sol uses it). The call and its
/// answer are exactly those of
/// `IPullReportsSingle(aggregator).verifyReportSingle(report, signatures)`; a refusal bubbles up
/// with the aggregator's revert data (its custom errors). verifySingleAt calls the pull verifier
/// of a configuration version directly (contracts/pull/PullVerifier.sol), the cheapest path.
library PullReportsCall {
  /// @notice The account called answered without the four words (no code at that address?).
  error NoPullAnswer(address aggregator);

  /// @dev The CREATE2 address of `factory`'s verifier of `version`, keccak256(0xff ‖ factory ‖
  /// bytes32(version) ‖ initCodeHash)[12:] (IPullVerifierFactory.verifierAt), then verifySingle on
  /// it. Any version is safe to take from the caller: it derives the verifier of a past
  /// configuration (retired: VerifierRetired), the current one, or an account without code (no
  /// answer: NoPullAnswer). `factory` and `initCodeHash` must come from the aggregator
  /// (IPullVerifierSource.pullVerifierFactory, IPullVerifierFactory.INIT_CODE_HASH), never from
  /// the caller.
  function verifySingleAt(
    address factory,
    bytes32 initCodeHash,
    uint256 version,
    bytes calldata report,
    bytes calldata signatures
  ) internal view returns (uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp) {
    address verifier;
    assembly ("memory-safe") {
      // 0xff at p + 11, the factory's 20 bytes after it, then the salt and the init code hash: 85
      // bytes from p + 11. Free memory, not allocated: verifySingle overwrites it.
      let p := mload(0x40)
      mstore(p, factory)
      mstore8(add(p, 11), 0xff)
      mstore(add(p, 0x20), version)
      mstore(add(p, 0x40), initCodeHash)
      verifier := and(keccak256(add(p, 11), 85), 0xffffffffffffffffffffffffffffffffffffffff)
    }
    return verifySingle(verifier, report, signatures);
  }

  /// @dev verifyReportSingle(report, signatures) by one STATICCALL: the standard ABI encoding of
  /// the call built in free memory (not allocated: nothing else uses it before the answer is
  /// read), the answer's four words read from there. The return variables hold the memory
  /// offsets until then (stack room).
  function verifySingle(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) internal view returns (uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp) {
    bytes4 selector = IPullReportsSingle.verifyReportSingle.selector;
    assembly ("memory-safe") {
      // feedIndex: the call's start; answer: the signatures' part; confidence: the call's end.
      feedIndex := mload(0x40)
      mstore(feedIndex, selector)
      // Offsets: the report at 0x40 (its length word, then its bytes zero-padded to whole words),
      // the signatures after it.
      answer := add(add(feedIndex, 100), and(add(report.length, 31), not(31)))
      mstore(add(feedIndex, 4), 0x40)
      mstore(add(feedIndex, 36), sub(answer, add(feedIndex, 4)))
      mstore(add(feedIndex, 68), report.length)
      // Each part's last word is zeroed first, so its padding is zero.
      mstore(sub(answer, 32), 0)
      calldatacopy(add(feedIndex, 100), report.offset, report.length)
      mstore(answer, signatures.length)
      confidence := add(add(answer, 32), and(add(signatures.length, 31), not(31)))
      mstore(sub(confidence, 32), 0)
      calldatacopy(add(answer, 32), signatures.offset, signatures.length)
      if iszero(staticcall(gas(), aggregator, feedIndex, sub(confidence, feedIndex), feedIndex, 0x80)) {
        returndatacopy(feedIndex, 0, returndatasize())
        revert(feedIndex, returndatasize())
      }
      observationsTimestamp := returndatasize()
    }
    if (observationsTimestamp != 0x80) revert NoPullAnswer(aggregator);
    assembly ("memory-safe") {
      answer := mload(add(feedIndex, 0x20))
      confidence := mload(add(feedIndex, 0x40))
      observationsTimestamp := mload(add(feedIndex, 0x60))
      feedIndex := mload(feedIndex)
    }
  }
}
