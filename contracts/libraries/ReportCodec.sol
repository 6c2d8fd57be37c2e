// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
  E_MALFORMED_REPORT,
  E_UNKNOWN_FEED,
  E_FEEDS_NOT_ASCENDING,
  E_WRONG_OBSERVATION_COUNT,
  E_INVALID_OBSERVATION_WIDTH,
  E_OBSERVATIONS_NOT_SORTED
} from "./AggregatorSelectors.sol";
import {CONFIDENCE_MAX, HISTORY_CONFIDENCE_SHIFT, HISTORY_ANSWER_SHIFT} from "./FeedSlots.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";

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
  /// @dev Checks the layout of every feed entry, in report order, and that nothing follows the
  /// last one; returns the number of feeds and a memory list: a header word (the feed count),
  /// then one word per entry: feed(0..7) count(8..15) width(16..23) observations offset(24..63),
  /// and, filled by `medians`, confidence(64..135) median int120(136..255): the history slot's
  /// layout above bit 64 (FeedSlots.sol). Per entry: feed index and count inside the report, feed
  /// exists, indices ascend, 2f+1 <= count <= n, observers and width inside the report,
  /// 1 <= width <= 15, observations inside the report.
  function checkEntries(bytes calldata report, uint256 ctx) internal pure returns (uint256 list, uint256 feeds) {
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
      let off := report.offset
      let limit := add(off, report.length)
      feeds := byte(0, calldataload(add(off, 41)))
      if iszero(feeds) {
        fail(E_MALFORMED_REPORT, sub(REPORT_HEADER_BYTES, 1), 0, 0, 0, 1)
      }
      list := mload(0x40)
      mstore(list, feeds)
      mstore(0x40, add(add(list, 32), shl(5, feeds)))
      let n := and(ctx, 0xff)
      let minCount := add(shl(1, and(shr(8, ctx), 0xff)), 1)
      let at := add(off, REPORT_HEADER_BYTES)
      let nextFeed := 0
      for {
        let record := add(list, 32)
      } lt(record, mload(0x40)) {
        record := add(record, 32)
      } {
        if gt(add(at, 2), limit) {
          fail(E_MALFORMED_REPORT, sub(at, off), 0, 0, 0, 1)
        }
        let feed := byte(0, calldataload(at))
        let count := byte(1, calldataload(at))
        if iszero(lt(feed, and(shr(16, ctx), 0xffff))) {
          fail(E_UNKNOWN_FEED, feed, 0, 0, 0, 1)
        }
        if lt(feed, nextFeed) {
          fail(E_FEEDS_NOT_ASCENDING, sub(nextFeed, 1), feed, 0, 0, 2)
        }
        if or(lt(count, minCount), gt(count, n)) {
          fail(E_WRONG_OBSERVATION_COUNT, feed, count, minCount, n, 4)
        }
        at := add(at, 2)
        // Observers (count <= 31 bytes: one word), then the width byte.
        let base := add(add(at, count), 1)
        if gt(base, limit) {
          fail(E_MALFORMED_REPORT, sub(at, off), 0, 0, 0, 1)
        }
        let width := byte(0, calldataload(sub(base, 1)))
        if or(iszero(width), gt(width, MAX_OBSERVATION_BYTES)) {
          fail(E_INVALID_OBSERVATION_WIDTH, feed, width, 0, 0, 2)
        }
        at := add(base, mul(count, width))
        if gt(at, limit) {
          fail(E_MALFORMED_REPORT, sub(base, off), 0, 0, 0, 1)
        }
        mstore(record, or(or(feed, shl(8, count)), or(shl(16, width), shl(24, base))))
        nextFeed := add(feed, 1)
      }
      if iszero(eq(at, limit)) {
        fail(E_MALFORMED_REPORT, sub(at, off), 0, 0, 0, 1)
      }
    }
  }

  /// @dev Slow path of medians, only to name the offending observer: the first one >= n,
  /// else the first one repeated. `bad`: count(0..7) observers offset(8..47) feed(48..55).
  function observerError(uint256 bad, uint256 n) internal pure {
    uint256 count = bad & 0xff;
    uint256 feed = bad >> 48;
    uint256 w;
    assembly ("memory-safe") {
      w := calldataload(and(shr(8, bad), 0xffffffffff))
    }
    for (uint256 i = 0; i < count; ++i) {
      if (uint8(w >> (248 - 8 * i)) >= n) revert IQuorumAggregator.ObserverOutOfRange(feed, uint8(w >> (248 - 8 * i)));
    }
    uint256 seen = 0;
    for (uint256 i = 0; i < count; ++i) {
      uint256 o = uint8(w >> (248 - 8 * i));
      if ((seen >> o) & 1 == 1) revert IQuorumAggregator.DuplicateObserver(feed, o);
      seen |= 1 << o;
    }
  }

  /// @dev Per record of a checkEntries list, in report order: checks that every observer is < n
  /// and distinct (observerError names the offender) and that the observations are sorted
  /// ascending, then fills the record's median (even counts: floor of the mean of the middle
  /// two) and half the nearest-rank interquartile range, saturated at CONFIDENCE_MAX (count >= 3).
  /// Returns the union of the feeds' observer bitmaps (bit i: observer i; all bits below n).
  function medians(uint256 list, uint256 n) internal pure returns (uint256 observers) {
    uint256 badObservers;
    assembly ("memory-safe") {
      // Number of set bits of a value below 2^32 (SWAR popcount).
      function popcount32(x) -> c {
        x := sub(x, and(shr(1, x), 0x55555555))
        x := add(and(x, 0x33333333), and(shr(2, x), 0x33333333))
        x := and(add(x, shr(4, x)), 0x0f0f0f0f)
        c := and(shr(24, mul(x, 0x01010101)), 0xff)
      }
      // Observation i: width big-endian bytes at base + i * width, sign-extended.
      function observation(b, i, w) -> v {
        v := signextend(sub(w, 1), shr(sub(256, shl(3, w)), calldataload(add(b, mul(i, w)))))
      }
      let end := add(add(list, 32), shl(5, and(mload(list), 0xff)))
      for {
        let record := add(list, 32)
      } lt(record, end) {
        record := add(record, 32)
      } {
        let packed := mload(record)
        let count := and(shr(8, packed), 0xff)
        let width := and(shr(16, packed), 0xff)
        let base := shr(24, packed)
        // Observers: count bytes (one word) before the width byte. All are < n and distinct iff
        // `seen` has no bit at or above n and exactly count bits set.
        let w := calldataload(sub(sub(base, count), 1))
        let seen := 0
        for {
          let i := 0
        } lt(i, count) {
          i := add(i, 1)
        } {
          seen := or(seen, shl(byte(i, w), 1))
        }
        if or(shr(n, seen), iszero(eq(popcount32(seen), count))) {
          badObservers := or(shl(8, sub(sub(base, count), 1)), or(shl(48, and(packed, 0xff)), count))
          break
        }
        observers := or(observers, seen)
        let shift := sub(256, shl(3, width))
        let signByte := sub(width, 1)
        let previous := signextend(signByte, shr(shift, calldataload(base)))
        let last := add(base, mul(count, width))
        for {
          let ptr := add(base, width)
        } lt(ptr, last) {
          ptr := add(ptr, width)
        } {
          let v := signextend(signByte, shr(shift, calldataload(ptr)))
          if slt(v, previous) {
            let p := mload(0x40)
            mstore(p, shl(224, E_OBSERVATIONS_NOT_SORTED))
            mstore(add(p, 0x04), and(packed, 0xff))
            mstore(add(p, 0x24), div(sub(ptr, base), width))
            revert(p, 0x44)
          }
          previous := v
        }
        let half := shr(1, count)
        let answer := observation(base, half, width)
        if iszero(and(count, 1)) {
          answer := sar(1, add(answer, observation(base, sub(half, 1), width)))
        }
        let confidence := shr(
          1,
          sub(observation(base, shr(2, mul(3, count)), width), observation(base, shr(2, sub(count, 1)), width))
        )
        if gt(confidence, CONFIDENCE_MAX) {
          confidence := CONFIDENCE_MAX
        }
        mstore(record, or(packed, or(shl(HISTORY_CONFIDENCE_SHIFT, confidence), shl(HISTORY_ANSWER_SHIFT, answer))))
      }
    }
    if (badObservers != 0) observerError(badObservers, n);
  }

  /// @dev checkEntries and medians for a report of one feed, in their order, with their errors,
  /// without the list: the header's feed count is not 0 (a count above 1 is the caller's to
  /// refuse), the entry's layout, then its observers (observerError) and sort order.
  function singleEntry(
    bytes calldata report,
    uint256 ctx
  ) internal pure returns (uint256 feed, int256 answer, uint256 confidence) {
    uint256 count;
    uint256 base;
    uint256 width;
    (feed, count, base, width) = _singleLayout(report, ctx);
    uint256 status;
    (answer, confidence, status) = _singleObservations(count, base, width, ctx & 0xff);
    if (status == 1) observerError(((base - count - 1) << 8) | (feed << 48) | count, ctx & 0xff);
    if (status > 1) _notSorted(feed, base, width, count);
  }

  /// @dev checkEntries' layout checks for a one-entry report; the entry's feed, count,
  /// observations offset and width.
  function _singleLayout(
    bytes calldata report,
    uint256 ctx
  ) private pure returns (uint256 feed, uint256 count, uint256 base, uint256 width) {
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
      let off := report.offset
      let limit := add(off, report.length)
      if iszero(byte(0, calldataload(add(off, 41)))) {
        fail(E_MALFORMED_REPORT, sub(REPORT_HEADER_BYTES, 1), 0, 0, 0, 1)
      }
      let at := add(off, REPORT_HEADER_BYTES)
      if gt(add(at, 2), limit) {
        fail(E_MALFORMED_REPORT, REPORT_HEADER_BYTES, 0, 0, 0, 1)
      }
      feed := byte(0, calldataload(at))
      count := byte(1, calldataload(at))
      if iszero(lt(feed, and(shr(16, ctx), 0xffff))) {
        fail(E_UNKNOWN_FEED, feed, 0, 0, 0, 1)
      }
      let minCount := add(shl(1, and(shr(8, ctx), 0xff)), 1)
      if or(lt(count, minCount), gt(count, and(ctx, 0xff))) {
        fail(E_WRONG_OBSERVATION_COUNT, feed, count, minCount, and(ctx, 0xff), 4)
      }
      at := add(at, 2)
      base := add(add(at, count), 1)
      if gt(base, limit) {
        fail(E_MALFORMED_REPORT, sub(at, off), 0, 0, 0, 1)
      }
      width := byte(0, calldataload(sub(base, 1)))
      if or(iszero(width), gt(width, MAX_OBSERVATION_BYTES)) {
        fail(E_INVALID_OBSERVATION_WIDTH, feed, width, 0, 0, 2)
      }
      let last := add(base, mul(count, width))
      if gt(last, limit) {
        fail(E_MALFORMED_REPORT, sub(base, off), 0, 0, 0, 1)
      }
      if iszero(eq(last, limit)) {
        fail(E_MALFORMED_REPORT, sub(last, off), 0, 0, 0, 1)
      }
    }
  }

  /// @dev medians for one entry, in one pass without branches: the observer bitmap (w shifts
  /// the next observer into byte 0) and whether any observation is below its predecessor.
  /// status 0: median and confidence filled; 1: an observer >= n or repeated; 2: not sorted.
  function _singleObservations(
    uint256 count,
    uint256 base,
    uint256 width,
    uint256 n
  ) private pure returns (int256 answer, uint256 confidence, uint256 status) {
    assembly ("memory-safe") {
      function observation(b, i, wd) -> v {
        v := signextend(sub(wd, 1), shr(sub(256, shl(3, wd)), calldataload(add(b, mul(i, wd)))))
      }
      let w := calldataload(sub(sub(base, count), 1))
      let shift := sub(256, shl(3, width))
      let signByte := sub(width, 1)
      let seen := shl(byte(0, w), 1)
      let previous := signextend(signByte, shr(shift, calldataload(base)))
      let last := add(base, mul(count, width))
      for {
        let ptr := add(base, width)
      } lt(ptr, last) {
        ptr := add(ptr, width)
      } {
        w := shl(8, w)
        seen := or(seen, shl(byte(0, w), 1))
        let v := signextend(signByte, shr(shift, calldataload(ptr)))
        status := or(status, slt(v, previous))
        previous := v
      }
      status := shl(1, status)
      // All observers are < n and distinct iff no bit at or above n and count bits set (SWAR
      // popcount of a value below 2^32, as in medians).
      let x := sub(seen, and(shr(1, seen), 0x55555555))
      x := add(and(x, 0x33333333), and(shr(2, x), 0x33333333))
      x := and(add(x, shr(4, x)), 0x0f0f0f0f)
      if or(shr(n, seen), iszero(eq(and(shr(24, mul(x, 0x01010101)), 0xff), count))) {
        status := 1
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

  /// @dev Reverts with medians' ObservationsNotSorted: the first observation below its predecessor.
  function _notSorted(uint256 feed, uint256 base, uint256 width, uint256 count) private pure {
    int256 previous = _observationAt(base, 0, width);
    for (uint256 i = 1; i < count; ++i) {
      int256 v = _observationAt(base, i, width);
      if (v < previous) revert IQuorumAggregator.ObservationsNotSorted(feed, i);
      previous = v;
    }
  }

  /// @dev Observation i of an entry (width big-endian bytes at base + i * width, sign-extended).
  function _observationAt(uint256 base, uint256 i, uint256 width) private pure returns (int256 v) {
    assembly ("memory-safe") {
      v := signextend(sub(width, 1), shr(sub(256, shl(3, width)), calldataload(add(base, mul(i, width)))))
    }
  }

  /// @dev Number of records of a checkEntries list.
  function entryCount(uint256 list) internal pure returns (uint256 n) {
    assembly ("memory-safe") {
      n := and(mload(list), 0xff)
    }
  }

  /// @dev Feed index and median of record k of a checkEntries list.
  function entryAt(uint256 list, uint256 k) internal pure returns (uint256 feed, int256 answer) {
    assembly ("memory-safe") {
      let r := mload(add(add(list, 32), shl(5, k)))
      feed := and(r, 0xff)
      answer := sar(HISTORY_ANSWER_SHIFT, r)
    }
  }

  /// @dev Confidence of record k of a medians-filled list.
  function confidenceAt(uint256 list, uint256 k) internal pure returns (uint256 confidence) {
    assembly ("memory-safe") {
      confidence := and(shr(HISTORY_CONFIDENCE_SHIFT, mload(add(add(list, 32), shl(5, k)))), CONFIDENCE_MAX)
    }
  }

  /// @dev Record k of a checkEntries list, as stored.
  function recordAt(uint256 list, uint256 k) internal pure returns (uint256 record) {
    assembly ("memory-safe") {
      record := mload(add(add(list, 32), shl(5, k)))
    }
  }

  /// @dev Overwrites record k of a checkEntries list (k below its count).
  function setRecord(uint256 list, uint256 k, uint256 record) internal pure {
    assembly ("memory-safe") {
      mstore(add(add(list, 32), shl(5, k)), record)
    }
  }

  /// @dev Shortens a checkEntries list to its first `count` records.
  function setEntryCount(uint256 list, uint256 count) internal pure {
    assembly ("memory-safe") {
      mstore(list, count)
    }
  }
}
