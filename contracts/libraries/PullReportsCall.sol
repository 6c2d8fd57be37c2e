// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullReportsSingle} from "../interfaces/IPullReportsSingle.sol";

/// @title PullReportsCall
/// @notice For consumer contracts: IPullReportsSingle.verifyReportSingle called without
/// Solidity's ABI encoder and decoder (examples/PerpConsumer.sol uses it). The call and its
/// answer are exactly those of
/// `IPullReportsSingle(aggregator).verifyReportSingle(report, signatures)`; a refusal bubbles up
/// with the aggregator's revert data (its custom errors).
library PullReportsCall {
  /// @notice The aggregator answered without the four words (no code at that address?).
  error NoPullAnswer(address aggregator);

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
