// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";

/// @dev Config store header after its leading STOP byte: digest(32) n(1) f(1) feedCount(2)
/// boundedFeeds(32) minMaxReportAge(4).
uint256 constant STORE_HEADER_BYTES = 72;
/// @dev Code offset of the first member (1 + header); the bounds follow the 40n member bytes.
uint256 constant STORE_MEMBERS_OFFSET = 73;

/// @title ConfigStore
/// @notice The committee and feed config as the code of a small data contract (SSTORE2 style):
/// 0x00 ‖ digest(32) ‖ n(1) ‖ f(1) ‖ feedCount(2) ‖ boundedFeeds(32) ‖ minMaxReportAge(4) ‖
/// signers(20n) ‖ transmitters(20n) ‖ feedCount x (minAnswer int128 ‖ maxAnswer int128) ‖
/// feedCount x maxReportAge(4). The leading STOP makes calls to it no-ops. transmit reads it with
/// EXTCODECOPY instead of an SLOAD per member. Bit i of boundedFeeds: feed i has bounds other
/// than the full int128 range (feeds without bounds skip reading them); minMaxReportAge is the
/// smallest maxReportAge of all feeds (reports younger than it skip reading their feed's).
library ConfigStore {
  /// @dev A feed's configuration (QuorumAggregator.s_feeds).
  struct Feed {
    uint8 decimals;
    uint32 maxReportAge;
    int128 minAnswer;
    int128 maxAnswer;
    string description;
  }

  /// @dev Reverts unless 1 <= n <= maxOracles signers and as many transmitters, 1 <= f, 3f < n,
  /// no zero address and no address twice (among signers, among transmitters).
  function checkCommittee(
    address[] calldata signers,
    address[] calldata transmitters,
    uint8 f,
    uint256 maxOracles
  ) internal pure {
    uint256 n = signers.length;
    if (n == 0 || n > maxOracles || transmitters.length != n) {
      revert IQuorumAggregator.InvalidOracleCount(n, transmitters.length);
    }
    if (f == 0 || 3 * uint256(f) >= n) revert IQuorumAggregator.InvalidFaultTolerance(f, n);
    for (uint256 i = 0; i < n; ++i) {
      if (signers[i] == address(0) || transmitters[i] == address(0)) revert IQuorumAggregator.ZeroAddress(i);
      for (uint256 j = 0; j < i; ++j) {
        if (signers[j] == signers[i]) revert IQuorumAggregator.DuplicateSignerAddress(signers[i]);
        if (transmitters[j] == transmitters[i]) revert IQuorumAggregator.DuplicateTransmitterAddress(transmitters[i]);
      }
    }
  }

  /// @dev Deploys the store of a committee and its feeds.
  function write(
    bytes32 configDigest,
    uint8 f,
    address[] storage signers,
    address[] storage transmitters,
    Feed[] storage feeds
  ) internal returns (address) {
    uint256 n = signers.length;
    uint256 boundedFeeds = 0;
    uint32 minAge = type(uint32).max;
    bytes memory bounds;
    bytes memory ages;
    for (uint256 i = 0; i < feeds.length; ++i) {
      Feed storage m = feeds[i];
      if (m.minAnswer != type(int128).min || m.maxAnswer != type(int128).max) boundedFeeds |= 1 << i;
      if (m.maxReportAge < minAge) minAge = m.maxReportAge;
      bounds = bytes.concat(bounds, abi.encodePacked(m.minAnswer, m.maxAnswer));
      ages = bytes.concat(ages, bytes4(m.maxReportAge));
    }
    bytes memory data = abi.encodePacked(
      bytes1(0),
      configDigest,
      uint8(n),
      f,
      uint16(feeds.length),
      boundedFeeds,
      minAge
    );
    for (uint256 i = 0; i < n; ++i) data = bytes.concat(data, bytes20(signers[i]));
    for (uint256 i = 0; i < n; ++i) data = bytes.concat(data, bytes20(transmitters[i]));
    return deploy(bytes.concat(data, bounds, ages));
  }
  /// @dev Deploys a store whose code is `data` (which must start with the STOP byte).
  function deploy(bytes memory data) internal returns (address store) {
    // Init code: PUSH4 len, DUP1, PUSH1 14, PUSH1 0, CODECOPY, PUSH1 0, RETURN (14 bytes) ‖ data.
    bytes memory initCode = abi.encodePacked(hex"63", uint32(data.length), hex"80600e6000396000f3", data);
    assembly ("memory-safe") {
      store := create(0, add(initCode, 32), mload(initCode))
    }
    if (store == address(0)) revert IQuorumAggregator.ConfigStoreFailed();
  }

  /// @dev Copies the committee out of the store (two EXTCODECOPYs, the second warm). Returns the
  /// digest, ctx with n(0..7) f(8..15) feedCount(16..31) minMaxReportAge(176..207), the memory
  /// address of the members (signers then transmitters, 20 bytes each) and boundedFeeds.
  function load(
    address store
  ) internal view returns (bytes32 digest, uint256 ctx, uint256 members, uint256 boundedFeeds) {
    assembly ("memory-safe") {
      members := mload(0x40)
      extcodecopy(store, members, 1, STORE_HEADER_BYTES)
      digest := mload(members)
      boundedFeeds := mload(add(members, 36))
      let w := shr(224, mload(add(members, 32)))
      let n := shr(24, w)
      let minAge := shr(224, mload(add(members, 68)))
      ctx := or(or(n, shl(176, minAge)), or(shl(8, and(shr(16, w), 0xff)), shl(16, and(w, 0xffff))))
      // The members overwrite the header in memory.
      let len := mul(40, n)
      extcodecopy(store, members, STORE_MEMBERS_OFFSET, len)
      // Reserve the copied bytes rounded up to a word, plus one word: 20-byte members are read
      // with 32-byte mloads that may run past the end.
      mstore(0x40, add(members, and(add(len, 63), not(31))))
    }
  }

  /// @dev 1 + the committee index of `account` among the n transmitters at `members`, 0 if it
  /// is none of them.
  function transmitterSlot(uint256 members, uint256 n, address account) internal pure returns (uint256 found) {
    assembly ("memory-safe") {
      let first := add(members, mul(20, n))
      let last := add(first, mul(20, n))
      for {
        let t := first
      } lt(t, last) {
        t := add(t, 20)
      } {
        // Each transmitter is the top 20 bytes of the word at t.
        if eq(shr(96, mload(t)), account) {
          found := add(div(sub(t, first), 20), 1)
          break
        }
      }
    }
  }
}
