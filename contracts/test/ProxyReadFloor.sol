// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Measurement support for scripts/bench-gas.ts, not a product: the least code any
/// phased proxy read can run. A consumer calls FloorProxy, which reads its current feed from one
/// storage slot (what makes a phase change possible at a stable address) and forwards to
/// FloorFeed, which answers from one slot. Neither checks a selector or dispatches: every call is
/// latestRoundData. What a consumer pays to read through them is the floor of a proxy read:
/// two cold accounts and two cold slots (9,400 gas) plus the bare forwarding and return.

/// @notice Answers every call with the five latestRoundData words of its one slot, packed as
/// QuorumAggregator's latest slot: round(0..31) startedAt(32..63) updatedAt(64..95) answer(136..).
contract FloorFeed {
  uint256 internal s_latest;

  function set(uint256 latest) external {
    s_latest = latest;
  }

  fallback() external {
    assembly {
      let latest := sload(s_latest.slot)
      let round := and(latest, 0xffffffff)
      mstore(0x00, round)
      mstore(0x20, sar(136, latest))
      mstore(0x40, and(shr(32, latest), 0xffffffff))
      mstore(0x60, and(shr(64, latest), 0xffffffff))
      mstore(0x80, round)
      return(0x00, 0xa0)
    }
  }
}

/// @notice Forwards every call to the feed in its phase slot, phase id (bits 0..15) | feed
/// (16..175), and rewrites the round ids as phaseId << 64 | round.
contract FloorProxy {
  uint256 internal s_phase;

  constructor(address feed) {
    s_phase = (uint256(uint160(feed)) << 16) | 1;
  }

  fallback() external {
    assembly {
      let phase := sload(s_phase.slot)
      if iszero(staticcall(gas(), shr(16, phase), 0x00, 0x00, 0x00, 0xa0)) {
        revert(0x00, 0x00)
      }
      let roundId := or(shl(64, and(phase, 0xffff)), mload(0x00))
      mstore(0x00, roundId)
      mstore(0x80, roundId)
      return(0x00, 0xa0)
    }
  }
}
