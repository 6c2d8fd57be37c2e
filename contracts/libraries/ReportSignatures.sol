// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {E_SIGNER_OUT_OF_RANGE, E_DUPLICATE_SIGNER, E_INVALID_SIGNATURE} from "./AggregatorSelectors.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";

/// @dev Bytes of one signature entry: signerIndex(1) r(32) yParityAndS(32).
uint256 constant SIGNATURE_BYTES = 65;
/// @dev secp256k1 order / 2: larger s values are the malleable twins of valid signatures.
uint256 constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
/// @dev s is the low 255 bits of an EIP-2098 yParityAndS word.
uint256 constant S_MASK = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;

/// @title ReportSignatures
/// @notice EIP-712 digests of reports and the quorum signature check (docs/protocol.md "Signing").
library ReportSignatures {
  bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
  );
  bytes32 internal constant REPORT_TYPEHASH = keccak256("Report(bytes report)");
  bytes32 internal constant NAME_HASH = keccak256("QuorumAggregator");
  bytes32 internal constant VERSION_HASH = keccak256("1");

  /// @dev keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chainid, this)).
  function domainSeparator() internal view returns (bytes32 separator) {
    bytes32 typeHash = DOMAIN_TYPEHASH;
    bytes32 nameHash = NAME_HASH;
    bytes32 versionHash = VERSION_HASH;
    assembly ("memory-safe") {
      let ptr := mload(0x40)
      mstore(ptr, typeHash)
      mstore(add(ptr, 0x20), nameHash)
      mstore(add(ptr, 0x40), versionHash)
      mstore(add(ptr, 0x60), chainid())
      mstore(add(ptr, 0x80), address())
      separator := keccak256(ptr, 0xa0)
    }
  }

  /// @dev EIP-712 digest of Report(bytes report) in this contract's domain. `cachedSeparator` is
  /// the separator computed at deployment on chain `cachedChainId`; on any other chain (a fork)
  /// it is computed anew, so a fork never accepts the other chain's signatures.
  function digest(
    bytes calldata report,
    bytes32 cachedSeparator,
    uint256 cachedChainId
  ) internal view returns (bytes32 result) {
    bytes32 separator = block.chainid == cachedChainId ? cachedSeparator : domainSeparator();
    bytes32 typeHash = REPORT_TYPEHASH;
    assembly ("memory-safe") {
      let ptr := mload(0x40)
      calldatacopy(ptr, report.offset, report.length)
      // structHash = keccak256(abi.encode(REPORT_TYPEHASH, keccak256(report))) in scratch space.
      mstore(0x20, keccak256(ptr, report.length))
      mstore(0x00, typeHash)
      let structHash := keccak256(0x00, 0x40)
      // keccak256("\x19\x01" ‖ separator ‖ structHash), laid out in free memory.
      mstore(ptr, 0x1901000000000000000000000000000000000000000000000000000000000000)
      mstore(add(ptr, 2), separator)
      mstore(add(ptr, 34), structHash)
      result := keccak256(ptr, 66)
    }
  }

  /// @dev Checks f+1..n entries of distinct configured signers (the first n 20-byte members at
  /// `members`), each a valid signature of `reportDigest`. An entry is signerIndex(1) ‖ r(32) ‖
  /// yParityAndS(32) (EIP-2098 compact form). One assembly loop calling the ecrecover precompile
  /// directly: per signature it costs the precompile plus about a hundred gas, where a library
  /// call costs several hundred more. Like OpenZeppelin's ECDSA it refuses s in the upper half of
  /// the curve order (the malleable twin of a valid signature); an invalid signature recovers
  /// address(0), which is never a configured signer.
  function verify(
    bytes32 reportDigest,
    bytes calldata signatures,
    uint256 members,
    uint256 n,
    uint256 f
  ) internal view {
    uint256 len = signatures.length;
    if (len % SIGNATURE_BYTES != 0) revert IQuorumAggregator.MalformedSignatures(len);
    uint256 count = len / SIGNATURE_BYTES;
    // Cannot overflow: f < 11.
    unchecked {
      if (count <= f || count > n) revert IQuorumAggregator.WrongSignatureCount(count, f + 1, n);
    }
    assembly ("memory-safe") {
      // Reverts with error `sel`, the signer index and, if withAddress, the recovered address,
      // laid out in free memory (the free memory pointer's own slot stays untouched).
      function fail(sel, signerIndex, recovered, withAddress) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), signerIndex)
        mstore(add(ptr, 0x24), recovered)
        revert(ptr, add(0x24, mul(0x20, withAddress)))
      }
      // The precompile's input, digest ‖ v ‖ r ‖ s, in free memory (nothing allocates before
      // the loop ends, so the free memory pointer stays where it is).
      let input := mload(0x40)
      mstore(input, reportDigest)
      let seen := 0
      let end := add(signatures.offset, len)
      for {
        let at := signatures.offset
      } lt(at, end) {
        at := add(at, SIGNATURE_BYTES)
      } {
        let signerIndex := byte(0, calldataload(at))
        if iszero(lt(signerIndex, n)) {
          fail(E_SIGNER_OUT_OF_RANGE, signerIndex, 0, 0)
        }
        if and(shr(signerIndex, seen), 1) {
          fail(E_DUPLICATE_SIGNER, signerIndex, 0, 0)
        }
        seen := or(seen, shl(signerIndex, 1))
        let vs := calldataload(add(at, 33))
        let s := and(vs, S_MASK)
        let recovered := 0
        if iszero(gt(s, HALF_CURVE_ORDER)) {
          mstore(add(input, 0x20), add(27, shr(255, vs)))
          mstore(add(input, 0x40), calldataload(add(at, 1)))
          mstore(add(input, 0x60), s)
          // The precompile returns no data for an invalid signature: clear the output word.
          mstore(0x00, 0)
          if iszero(staticcall(gas(), 0x01, input, 0x80, 0x00, 0x20)) {
            revert(0x00, 0x00)
          }
          recovered := mload(0x00)
        }
        // Signer signerIndex is the top 20 bytes of the word at members + 20 * signerIndex.
        if iszero(eq(recovered, shr(96, mload(add(members, mul(20, signerIndex)))))) {
          fail(E_INVALID_SIGNATURE, signerIndex, recovered, 1)
        }
      }
    }
  }
}
