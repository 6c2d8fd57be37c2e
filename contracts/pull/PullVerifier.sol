// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullVerifier} from "../interfaces/IPullVerifier.sol";
import {IPullReportsSingle} from "../interfaces/IPullReportsSingle.sol";
import {PullSingle} from "../libraries/PullSingle.sol";

/// @dev The verifier's code after its logic (PullVerifier's runtime): the config store's code
/// (L bytes, its STOP byte first), then five words: aggregator, factory, the aggregator's
/// EIP-712 separator, the chain id it was computed on, L. The logic finds them from codesize().
uint256 constant VERIFIER_TRAILER_BYTES = 160;

/// @title PullVerifier
/// @notice The logic of a pull verifier (IPullVerifier; docs/protocol.md "Gas of a one-feed
/// verification"). Never deployed by its own constructor: PullVerifierInit (PullVerifierInit.sol) deploys this runtime
/// followed by a copy of the aggregator's config store and the trailer above. A fallback and
/// no dispatcher:
/// - retire() from the factory: storage slot 0 becomes 1, for good;
/// - any other selector than verifyReportSingle's, or value: an empty revert (as the aggregator's
///   fallback answers an unknown selector);
/// - retired: VerifierRetired (slot 0 is the verifier's one cold SLOAD);
/// - otherwise PullSingle's fast path on the copy in this code (EXTCODECOPY of this account, warm),
///   which RETURNs the four words of QuorumAggregator.verifyReportSingle. On any refusal the
///   same calldata goes to the aggregator's verifyReportSingle (STATICCALL) and its revert data
///   is bubbled, so the errors are exactly the aggregator's; an acceptance there of what the fast
///   path refused reverts with PullSingle.SlowPathAccepted (a bug).
/// - On another chain than the embedded one (a fork) the embedded separator is not this chain's:
///   the call goes to the aggregator, whose answer or revert is bubbled as it is.
/// A verifier that is not retired holds the aggregator's current config store (the factory
/// rotates in the same transaction as the aggregator writes a new store), so the aggregator's
/// verdict is this verifier's.
contract PullVerifier {
  // solhint-disable-next-line no-complex-fallback
  fallback() external {
    (address aggregator, address factory, bytes32 separator, uint256 chainId, uint256 src) = _trailer();
    if (msg.sig == IPullVerifier.retire.selector && msg.sender == factory) {
      assembly ("memory-safe") {
        sstore(0, 1)
        stop()
      }
    }
    // No data, exactly as the aggregator's fallback refuses an unknown selector.
    // solhint-disable-next-line gas-custom-errors
    if (msg.sig != IPullReportsSingle.verifyReportSingle.selector) revert();
    uint256 retired;
    assembly ("memory-safe") {
      retired := sload(0)
    }
    if (retired != 0) revert IPullVerifier.VerifierRetired();
    if (block.chainid != chainId) _forward(aggregator, false);
    PullSingle.fast(src, separator);
    _forward(aggregator, true);
  }

  /// @dev The trailer's words; src = this account | the code offset of the store's header (the
  /// byte after its STOP) << 160, as PullSingle.fast takes it.
  function _trailer()
    private
    view
    returns (address aggregator, address factory, bytes32 separator, uint256 chainId, uint256 src)
  {
    assembly ("memory-safe") {
      let t := mload(0x40)
      codecopy(t, sub(codesize(), VERIFIER_TRAILER_BYTES), VERIFIER_TRAILER_BYTES)
      aggregator := mload(t)
      factory := mload(add(t, 0x20))
      separator := mload(add(t, 0x40))
      chainId := mload(add(t, 0x60))
      // The store's STOP byte at codesize - 160 - L: its header one byte later.
      src := or(address(), shl(160, sub(sub(codesize(), VERIFIER_TRAILER_BYTES), sub(mload(add(t, 0x80)), 1))))
    }
  }

  /// @dev The slow path: the calldata to the aggregator's verifyReportSingle by STATICCALL. Its
  /// revert data is bubbled; its answer too unless `strict` (the fast path refused: SlowPathAccepted).
  function _forward(address aggregator, bool strict) private view {
    assembly ("memory-safe") {
      let p := mload(0x40)
      calldatacopy(p, 0, calldatasize())
      let ok := staticcall(gas(), aggregator, p, calldatasize(), 0, 0)
      returndatacopy(p, 0, returndatasize())
      if iszero(ok) {
        revert(p, returndatasize())
      }
      if iszero(strict) {
        return(p, returndatasize())
      }
    }
    revert PullSingle.SlowPathAccepted();
  }
}
