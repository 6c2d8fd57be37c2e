// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
  E_MALFORMED_REPORT,
  E_UNKNOWN_FEED,
  E_FEEDS_NOT_ASCENDING,
  E_WRONG_OBSERVATION_COUNT,
  E_OBSERVER_OUT_OF_RANGE,
  E_DUPLICATE_OBSERVER,
  E_INVALID_OBSERVATION_WIDTH,
  E_OBSERVATIONS_NOT_SORTED
} from "./AggregatorSelectors.sol";
import {CONFIDENCE_MAX} from "./FeedSlots.sol";

/// @dev Bytes of the report header: digest(32) epochAndRound(5) timestamp(4) feedCount(1).
uint256 constant REPORT_HEADER_BYTES = 42;
/// @dev Widest observation: answers are stored as int120 (±6.6e35 feed units).
uint256 constant MAX_OBSERVATION_BYTES = 15;

/// @title ReportCodec
/// @notice Reads and checks the packed report of docs/protocol.md "Report format" in place, from
/// calldata: header ‖ feedCount x (feedIndex(1) ‖ count(1) ‖ observers(count) ‖ width(1) ‖
/// observations(count x width, big-endian two's complement, sorted ascending)).
/// @dev The assembly is the gas-critical per-feed path; contracts/test/ReferenceAggregator.sol is
/// its plain-Solidity twin, run side by side by test/contracts/QuorumAggregator.random.test.ts.
/// Offsets are calldata offsets; `off` is the report's own offset (errors name report-relative
/// offsets). Arithmetic in the assembly cannot overflow: offsets are bounded by the calldata size
/// (< 2^32) plus at most 31 x 15 bytes, counts are <= 31, widths <= 15, values fit in int120.
/// `ctx` is QuorumAggregator's packed per-transmit word: n(0..7) f(8..15) feedCount(16..31).
library ReportCodec {
  /// @dev Fixed-offset big-endian header fields. The caller has checked report.length >= 42.
  function header(
    bytes calldata report
  ) internal pure returns (bytes32 configDigest, uint256 epochAndRound, uint256 observationsTimestamp) {
    assembly ("memory-safe") {
      configDigest := calldataload(report.offset)
      epochAndRound := shr(216, calldataload(add(report.offset, 32)))
      observationsTimestamp := shr(224, calldataload(add(report.offset, 37)))
    }
  }

  /// @dev The first feed entry's offset, the report's end and the feed count (at least one).
  function entries(bytes calldata report) internal pure returns (uint256 at, uint256 limit, uint256 feeds) {
    assembly ("memory-safe") {
      limit := add(report.offset, report.length)
      feeds := byte(0, calldataload(add(report.offset, 41)))
      if iszero(feeds) {
        mstore(0x00, shl(224, E_MALFORMED_REPORT))
        mstore(0x04, sub(REPORT_HEADER_BYTES, 1))
        revert(0x00, 0x24)
      }
      at := add(report.offset, REPORT_HEADER_BYTES)
    }
  }

  /// @dev Checks the feed entry at `at` and returns its feed index, median, confidence and the
  /// offset after it. Check order: feed exists, indices ascend, 2f+1 <= count <= n, observers
  /// inside the report, < n, distinct, 1 <= width <= 15, observations inside the report, sorted.
  function decodeEntry(
    uint256 at,
    uint256 limit,
    uint256 nextFeed,
    uint256 ctx,
    uint256 off
  ) internal pure returns (uint256 feed, int256 answer, uint256 confidence, uint256 end) {
    uint256 count;
    (feed, count) = entryHead(at, limit, nextFeed, ctx, off);
    uint256 base = checkObservers(at + 2, limit, feed, count, ctx & 0xff, off);
    uint256 width;
    (width, end) = checkObservations(base, limit, feed, count, off);
    (answer, confidence) = medianAndConfidence(base, count, width);
  }

  /// @dev Feed index and observation count of the entry at `at`, checked against the config.
  function entryHead(
    uint256 at,
    uint256 limit,
    uint256 nextFeed,
    uint256 ctx,
    uint256 off
  ) internal pure returns (uint256 feed, uint256 count) {
    assembly ("memory-safe") {
      function fail(sel, a, b, c, d, words) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), a)
        mstore(add(ptr, 0x24), b)
        mstore(add(ptr, 0x44), c)
        mstore(add(ptr, 0x64), d)
        revert(ptr, add(4, shl(5, words)))
      }
      if gt(add(at, 2), limit) {
        fail(E_MALFORMED_REPORT, sub(at, off), 0, 0, 0, 1)
      }
      feed := byte(0, calldataload(at))
      count := byte(1, calldataload(at))
      if iszero(lt(feed, and(shr(16, ctx), 0xffff))) {
        fail(E_UNKNOWN_FEED, feed, 0, 0, 0, 1)
      }
      if lt(feed, nextFeed) {
        fail(E_FEEDS_NOT_ASCENDING, sub(nextFeed, 1), feed, 0, 0, 2)
      }
      let n := and(ctx, 0xff)
      let minCount := add(shl(1, and(shr(8, ctx), 0xff)), 1)
      if or(lt(count, minCount), gt(count, n)) {
        fail(E_WRONG_OBSERVATION_COUNT, feed, count, minCount, n, 4)
      }
    }
  }

  /// @dev Checks the `count` observer bytes at `at` (inside the report, each < n, distinct) and
  /// returns the offset of the observations (after the width byte).
  function checkObservers(
    uint256 at,
    uint256 limit,
    uint256 feed,
    uint256 count,
    uint256 n,
    uint256 off
  ) internal pure returns (uint256 base) {
    assembly ("memory-safe") {
      function fail2(sel, a, b) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), a)
        mstore(add(ptr, 0x24), b)
        revert(ptr, 0x44)
      }
      // Number of set bits of a value below 2^32 (SWAR popcount).
      function popcount32(x) -> c {
        x := sub(x, and(shr(1, x), 0x55555555))
        x := add(and(x, 0x33333333), and(shr(2, x), 0x33333333))
        x := and(add(x, shr(4, x)), 0x0f0f0f0f)
        c := and(shr(24, mul(x, 0x01010101)), 0xff)
      }
      // Observers (count <= 31 bytes: one word), then the width byte.
      base := add(add(at, count), 1)
      if gt(base, limit) {
        mstore(0x00, shl(224, E_MALFORMED_REPORT))
        mstore(0x04, sub(at, off))
        revert(0x00, 0x24)
      }
      let w := calldataload(at)
      let seen := 0
      for {
        let i := 0
      } lt(i, count) {
        i := add(i, 1)
      } {
        seen := or(seen, shl(byte(i, w), 1))
      }
      // All observers are < n and distinct iff `seen` has no bit at or above n and exactly count
      // bits set. Otherwise (slow path) name the first observer >= n, else the first repeated one.
      if or(shr(n, seen), iszero(eq(popcount32(seen), count))) {
        for {
          let i := 0
        } lt(i, count) {
          i := add(i, 1)
        } {
          if iszero(lt(byte(i, w), n)) {
            fail2(E_OBSERVER_OUT_OF_RANGE, feed, byte(i, w))
          }
        }
        seen := 0
        for {
          let i := 0
        } lt(i, count) {
          i := add(i, 1)
        } {
          let o := byte(i, w)
          if and(shr(o, seen), 1) {
            fail2(E_DUPLICATE_OBSERVER, feed, o)
          }
          seen := or(seen, shl(o, 1))
        }
      }
    }
  }

  /// @dev Checks the width byte before `base` and that the `count` observations at `base` lie
  /// inside the report, sorted ascending; returns their width and the offset after them.
  function checkObservations(
    uint256 base,
    uint256 limit,
    uint256 feed,
    uint256 count,
    uint256 off
  ) internal pure returns (uint256 width, uint256 end) {
    assembly ("memory-safe") {
      function fail2(sel, a, b) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), a)
        mstore(add(ptr, 0x24), b)
        revert(ptr, 0x44)
      }
      width := byte(0, calldataload(sub(base, 1)))
      if or(iszero(width), gt(width, MAX_OBSERVATION_BYTES)) {
        fail2(E_INVALID_OBSERVATION_WIDTH, feed, width)
      }
      end := add(base, mul(count, width))
      if gt(end, limit) {
        mstore(0x00, shl(224, E_MALFORMED_REPORT))
        mstore(0x04, sub(base, off))
        revert(0x00, 0x24)
      }
      let shift := sub(256, shl(3, width))
      let signByte := sub(width, 1)
      let previous := signextend(signByte, shr(shift, calldataload(base)))
      for {
        let ptr := add(base, width)
      } lt(ptr, end) {
        ptr := add(ptr, width)
      } {
        let v := signextend(signByte, shr(shift, calldataload(ptr)))
        if slt(v, previous) {
          fail2(E_OBSERVATIONS_NOT_SORTED, feed, div(sub(ptr, base), width))
        }
        previous := v
      }
    }
  }

  /// @dev Median (even counts: floor of the mean of the middle two) and half the nearest-rank
  /// interquartile range, saturated at CONFIDENCE_MAX, of `count` (>= 3) sorted observations.
  function medianAndConfidence(
    uint256 base,
    uint256 count,
    uint256 width
  ) internal pure returns (int256 answer, uint256 confidence) {
    assembly ("memory-safe") {
      // Observation i: width big-endian bytes at base + i * width, sign-extended.
      function observation(b, i, w) -> v {
        v := signextend(sub(w, 1), shr(sub(256, shl(3, w)), calldataload(add(b, mul(i, w)))))
      }
      let half := shr(1, count)
      answer := observation(base, half, width)
      if iszero(and(count, 1)) {
        answer := sar(1, add(answer, observation(base, sub(half, 1), width)))
      }
      confidence := shr(
        1,
        sub(observation(base, shr(2, mul(3, count)), width), observation(base, shr(2, sub(count, 1)), width))
      )
      if gt(confidence, CONFIDENCE_MAX) {
        confidence := CONFIDENCE_MAX
      }
    }
  }
}
