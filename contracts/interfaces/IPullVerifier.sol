// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPullVerifier
/// @notice A pull verifier (contracts/pull/PullVerifier.sol, docs/protocol.md "Gas of a one-feed
/// verification"): one per configuration of a QuorumAggregator, deployed by its
/// PullVerifierFactory with CREATE2, the committee and feeds in its own code. It serves
/// IPullReportsSingle.verifyReportSingle with the aggregator's checks and errors, until the next
/// configuration retires it.
interface IPullVerifier {
  /// @notice A newer configuration replaced this verifier's: ask the current one
  /// (PullVerifierFactory.current()).
  error VerifierRetired();

  /// @notice Retires the verifier for good (only its factory; from anyone else the call is
  /// refused as a malformed verifyReportSingle call and changes nothing).
  function retire() external;

  /// @notice IPullReportsSingle.verifyReportSingle, refused with VerifierRetired once retired.
  function verifyReportSingle(
    bytes calldata report,
    bytes calldata signatures
  ) external view returns (uint256 feedIndex, int256 answer, uint256 confidence, uint256 observationsTimestamp);
}

/// @title IPullVerifierFactory
/// @notice The CREATE2 deployer of a QuorumAggregator's pull verifiers (contracts/pull/
/// PullVerifierFactory.sol). The verifier of configuration version v lives at
/// keccak256(0xff ‖ factory ‖ bytes32(v) ‖ INIT_CODE_HASH)[12:]; only the current one answers.
interface IPullVerifierFactory {
  /// @notice A new config store got its verifier; the previous one (if any) is retired.
  event VerifierRotated(uint256 indexed version, address verifier, address store);

  /// @notice rotate was called by another account than the aggregator.
  error NotAggregator(address caller);

  /// @notice Deploys the verifier of `store` (the aggregator's new config store) as version + 1
  /// and retires the previous verifier. Only the aggregator.
  function rotate(address store) external returns (address verifier);

  /// @notice What the verifier under construction copies (its constructor calls it): the config
  /// store, the aggregator and the aggregator's EIP-712 domain separator on this chain.
  function rotation() external view returns (address store, address aggregator, bytes32 separator);

  /// @notice The current verifier and its version (address(0), 0 before the first config).
  function current() external view returns (address verifier, uint256 version);

  /// @notice The CREATE2 address of the verifier of `version` (code there only for 1..current).
  function verifierAt(uint256 version) external view returns (address);

  /// @notice keccak256 of the verifiers' one init code (type(PullVerifierInit).creationCode).
  // solhint-disable-next-line func-name-mixedcase
  function INIT_CODE_HASH() external view returns (bytes32);

  /// @notice The aggregator this factory serves.
  function aggregator() external view returns (address);
}

/// @title IPullVerifierSource
/// @notice QuorumAggregator's one addition for pull verifiers: its factory (deployed by its
/// constructor). Consumers read it, and the factory's INIT_CODE_HASH, once.
interface IPullVerifierSource {
  /// @notice The factory that deploys and retires this aggregator's pull verifiers.
  function pullVerifierFactory() external view returns (IPullVerifierFactory);
}
