// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IOracleStaking} from "../interfaces/IOracleStaking.sol";
import {ReportSignatures, SIGNATURE_BYTES} from "./ReportSignatures.sol";

/// @dev A bare EIP-2098 signature r(32) ‖ yParityAndS(32), the entry without its index.
uint256 constant COMPACT_SIGNATURE_BYTES = 64;

/// @title ProofSignatures
/// @notice Recovers the signer of a report signature for an equivocation proof, over the digest
/// QuorumAggregator.transmit verifies (ReportSignatures.digest) for `aggregator` on this chain,
/// in the forms the node holds: transmit's indexed entry, the 65-byte r ‖ s ‖ v of a signature
/// it received, or the 64-byte compact form.
library ProofSignatures {
  /// @dev The readings of a signature of `report`, each the address it recovers or address(0)
  /// (invalid, or high-s: the malleable twin): for 65 bytes, the aggregator's entry
  /// signerIndex(1) ‖ r(32) ‖ yParityAndS(32) (`entrySigner`, `entryIndex`) and, when the last
  /// byte is 27 or 28, the plain r(32) ‖ s(32) ‖ v(1) (`plainSigner`); for 64 bytes the compact
  /// r(32) ‖ yParityAndS(32) (`plainSigner`). Other lengths revert InvalidProofSignature(which).
  function readings(
    bytes calldata report,
    bytes calldata signature,
    address aggregator,
    uint256 which
  ) internal view returns (address entrySigner, uint256 entryIndex, address plainSigner) {
    uint256 len = signature.length;
    if (len != SIGNATURE_BYTES && len != COMPACT_SIGNATURE_BYTES) revert IOracleStaking.InvalidProofSignature(which);
    // Computed per proof (a few hundred gas): always the current chain's, so a fork's copy of a
    // signature never proves here.
    bytes32 hash = MessageHashUtils.toTypedDataHash(
      domainSeparator(aggregator),
      keccak256(abi.encode(ReportSignatures.REPORT_TYPEHASH, keccak256(report)))
    );
    ECDSA.RecoverError err;
    address recovered;
    if (len == COMPACT_SIGNATURE_BYTES) {
      (recovered, err, ) = ECDSA.tryRecover(hash, bytes32(signature[0:32]), bytes32(signature[32:64]));
      if (err == ECDSA.RecoverError.NoError) plainSigner = recovered;
      return (address(0), 0, plainSigner);
    }
    entryIndex = uint8(signature[0]);
    (recovered, err, ) = ECDSA.tryRecover(hash, bytes32(signature[1:33]), bytes32(signature[33:65]));
    if (err == ECDSA.RecoverError.NoError) entrySigner = recovered;
    uint8 v = uint8(signature[64]);
    if (v == 27 || v == 28) {
      (recovered, err, ) = ECDSA.tryRecover(hash, v, bytes32(signature[0:32]), bytes32(signature[32:64]));
      if (err == ECDSA.RecoverError.NoError) plainSigner = recovered;
    }
  }

  /// @dev The aggregator's EIP-712 domain separator (ReportSignatures.domainSeparator, computed
  /// for another contract's address).
  function domainSeparator(address verifyingContract) internal view returns (bytes32) {
    return
      keccak256(
        abi.encode(
          ReportSignatures.DOMAIN_TYPEHASH,
          ReportSignatures.NAME_HASH,
          ReportSignatures.VERSION_HASH,
          block.chainid,
          verifyingContract
        )
      );
  }
}
