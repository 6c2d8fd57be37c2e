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
/// QuorumAggregator.transmit verifies (ReportSignatures.digest) for `aggregator` on this chain.
library ProofSignatures {
  /// @dev Two forms: the aggregator's entry signerIndex(1) ‖ r(32) ‖ yParityAndS(32) (`hasIndex`,
  /// with its `signerIndex`), or the bare compact r(32) ‖ yParityAndS(32). High-s and invalid
  /// signatures revert InvalidProofSignature(which).
  function recover(
    bytes calldata report,
    bytes calldata signature,
    address aggregator,
    uint256 which
  ) internal view returns (address signer, bool hasIndex, uint256 signerIndex) {
    uint256 at;
    if (signature.length == SIGNATURE_BYTES) {
      (at, hasIndex, signerIndex) = (1, true, uint8(signature[0]));
    } else if (signature.length != COMPACT_SIGNATURE_BYTES) {
      revert IOracleStaking.InvalidProofSignature(which);
    }
    // Computed per proof (a few hundred gas): always the current chain's, so a fork's copy of a
    // signature never proves here.
    bytes32 hash = MessageHashUtils.toTypedDataHash(
      domainSeparator(aggregator),
      keccak256(abi.encode(ReportSignatures.REPORT_TYPEHASH, keccak256(report)))
    );
    ECDSA.RecoverError err;
    (signer, err, ) = ECDSA.tryRecover(hash, bytes32(signature[at:at + 32]), bytes32(signature[at + 32:at + 64]));
    if (err != ECDSA.RecoverError.NoError) revert IOracleStaking.InvalidProofSignature(which);
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
