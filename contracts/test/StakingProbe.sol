// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title StakingProbe (test only)
/// @notice Stands in for OracleStaking at the one call QuorumAggregator makes to it: records
/// every admitConfig, or refuses a chosen signer the way OracleStaking refuses an under-staked
/// one (StakeBelowMinimum).
contract StakingProbe {
  error StakeBelowMinimum(address signer, uint256 stake, uint256 minimum);

  bytes32 public lastDigest;
  address[] public lastSigners;
  address public lastCaller;
  uint256 public calls;
  address public refused;

  function refuse(address signer) external {
    refused = signer;
  }

  function admitConfig(bytes32 configDigest, address[] calldata signers) external {
    for (uint256 i = 0; i < signers.length; ++i) {
      if (signers[i] == refused) revert StakeBelowMinimum(signers[i], 0, 1);
    }
    lastDigest = configDigest;
    lastSigners = signers;
    lastCaller = msg.sender;
    ++calls;
  }

  function signerCount() external view returns (uint256) {
    return lastSigners.length;
  }
}
