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

  /// @dev verifyReportSingle(report, signatures) by one STATICCALL; the four words of its answer.
  function verifySingle(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) internal view returns (uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp) {
    uint256 p = _call(aggregator, report, signatures);
    assembly ("memory-safe") {
      feedIndex := mload(p)
      answer := mload(add(p, 0x20))
      confidence := mload(add(p, 0x40))
      observationsTimestamp := mload(add(p, 0x60))
    }
  }

  /// @dev The standard ABI encoding of the call, built in free memory (not allocated: nothing
  /// else uses it before the answer is read), the answer's four words at the returned address.
  function _call(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) private view returns (uint256 p) {
    bytes4 selector = IPullReportsSingle.verifyReportSingle.selector;
    bool ok;
    assembly ("memory-safe") {
      p := mload(0x40)
      mstore(p, selector)
      // Offsets: the report at 0x40 (its length word, then its bytes zero-padded to whole words),
      // the signatures after it.
      let q := add(add(p, 100), and(add(report.length, 31), not(31)))
      mstore(add(p, 4), 0x40)
      mstore(add(p, 36), sub(q, add(p, 4)))
      mstore(add(p, 68), report.length)
      // Each part's last word is zeroed first, so its padding is zero.
      mstore(sub(q, 32), 0)
      calldatacopy(add(p, 100), report.offset, report.length)
      mstore(q, signatures.length)
      let end := add(add(q, 32), and(add(signatures.length, 31), not(31)))
      mstore(sub(end, 32), 0)
      calldatacopy(add(q, 32), signatures.offset, signatures.length)
      if iszero(staticcall(gas(), aggregator, p, sub(end, p), p, 0x80)) {
        returndatacopy(p, 0, returndatasize())
        revert(p, returndatasize())
      }
      ok := eq(returndatasize(), 0x80)
    }
    if (!ok) revert NoPullAnswer(aggregator);
  }
}
