// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {IPullReports} from "../interfaces/IPullReports.sol";
import {STORE_MEMBERS_OFFSET, STORE_HEADER_BYTES} from "./ConfigStore.sol";
import {ReportHeader, FUTURE_SKEW_SECONDS} from "./ReportHeader.sol";
import {ReportSignatures, SIGNATURE_BYTES, HALF_CURVE_ORDER, S_MASK} from "./ReportSignatures.sol";
import {ReportCodec, REPORT_HEADER_BYTES, MAX_OBSERVATION_BYTES} from "./ReportCodec.sol";
import {CONFIDENCE_MAX} from "./FeedSlots.sol";

/// @dev The one EXTCODECOPY: the store header (72 bytes) and up to 9 signers (180).
uint256 constant SINGLE_SIGNERS = 9;
uint256 constant SINGLE_COPY_BYTES = 256;

/// @title PullSingle
/// @notice IPullReportsSingle.verifyReportSingle (docs/protocol.md "Pull reports"): QuorumAggregator
/// .verifyReport's checks, in its order and with its errors, for a report of exactly one feed,
/// on the arguments decoded by hand from calldata (QuorumAggregator's fallback routes the
/// selector here, past the ABI decoder). RETURNs (feedIndex, answer, confidence,
/// observationsTimestamp) from the external call.
/// @dev A fast path and a slow path. The fast path computes, per stage (header, signatures,
/// entry), only whether the input passes; on the first stage that does not, the slow path runs
/// the plain implementation of that stage (ReportHeader.check, ReportSignatures.verify,
/// ReportCodec.singleEntry: the code transmit and verifyReport run), which reverts with the exact
/// error verifyReport would give. A stage the fast path refuses that its plain twin accepts
/// reverts with SlowPathAccepted (a bug; test/contracts/QuorumAggregator.pullSingle.test.ts runs
/// both entry points side by side on valid, malformed and random reports).
/// Calldata offsets are bounded by the calldata size (< 2^32), counts by 255, widths by 15:
/// nothing in the assembly overflows.
library PullSingle {
  /// @notice The fast path refused what the plain checks accept (never expected).
  error SlowPathAccepted(uint256 stage);

  /// @dev The whole entry point: the arguments, the config store, the header, the signatures,
  /// the entry, the feed's age and bounds, then RETURN.
  function verify(address store, bytes32 separator, uint256 chainId) internal view {
    (uint256 r, uint256 rlen, uint256 s, uint256 slen) = _arguments();
    if (store == address(0)) revert IQuorumAggregator.ConfigNotSet();
    (uint256 m, uint256 w, bool ok) = _load(store, r, rlen);
    if (!ok) _slowHeader(m, w, r, rlen);
    if (!_signaturesOk(_digest(r, rlen, separator, chainId), m, w, s, slen)) _slowSignatures(m, w, r, rlen, s, slen);
    _entry(store, m, w, r, rlen);
  }

  /// @dev verifyReportSingle(bytes report, bytes signatures)'s arguments from calldata, with the
  /// ABI decoder's checks (both inside calldata; an empty revert as the decoder's otherwise):
  /// the report's and the signatures' calldata offsets and lengths.
  function _arguments() private pure returns (uint256 r, uint256 rlen, uint256 s, uint256 slen) {
    assembly ("memory-safe") {
      let ro := calldataload(4)
      let so := calldataload(36)
      r := add(ro, 4)
      s := add(so, 4)
      rlen := calldataload(r)
      slen := calldataload(s)
      r := add(r, 32)
      s := add(s, 32)
      // Offsets and lengths below 2^32 keep every sum below exact; both ends inside calldata.
      if or(
        or(lt(calldatasize(), 68), gt(or(or(ro, so), or(rlen, slen)), 0xffffffff)),
        or(gt(add(r, rlen), calldatasize()), gt(add(s, slen), calldatasize()))
      ) {
        revert(0, 0)
      }
    }
  }

  /// @dev One EXTCODECOPY of the store's header and first SINGLE_SIGNERS signers to free memory
  /// at m (a larger committee copies its signers again, warm), the free memory pointer moved
  /// past them; w = n(24..31) f(16..23) feedCount(0..15); ok when the report's length, config
  /// digest and future skew pass ReportHeader.check.
  function _load(address store, uint256 r, uint256 rlen) private view returns (uint256 m, uint256 w, bool ok) {
    assembly ("memory-safe") {
      m := mload(0x40)
      extcodecopy(store, m, 1, SINGLE_COPY_BYTES)
      w := shr(224, mload(add(m, 32)))
      let n := shr(24, w)
      let end := add(m, SINGLE_COPY_BYTES)
      if gt(n, SINGLE_SIGNERS) {
        extcodecopy(store, add(m, STORE_HEADER_BYTES), STORE_MEMBERS_OFFSET, mul(20, n))
        end := add(add(m, STORE_HEADER_BYTES), mul(20, n))
      }
      // One word more: the 20-byte signers are read with 32-byte mloads.
      mstore(0x40, add(end, 32))
      let ts := shr(224, calldataload(add(r, 37)))
      ok := iszero(or(or(lt(rlen, REPORT_HEADER_BYTES), xor(calldataload(r), mload(m))), gt(ts, add(timestamp(), FUTURE_SKEW_SECONDS))))
    }
  }

  /// @dev ReportSignatures.digest (the EIP-712 digest of the report), in scratch memory past the
  /// signers: the separator cached at deployment, or computed anew on a fork.
  function _digest(uint256 r, uint256 rlen, bytes32 cached, uint256 cachedChainId) private view returns (bytes32 d) {
    bytes32 separator = block.chainid == cachedChainId ? cached : ReportSignatures.domainSeparator();
    bytes32 typeHash = ReportSignatures.REPORT_TYPEHASH;
    assembly ("memory-safe") {
      let q := mload(0x40)
      calldatacopy(q, r, rlen)
      mstore(0x20, keccak256(q, rlen))
      mstore(0x00, typeHash)
      let structHash := keccak256(0x00, 0x40)
      mstore(q, 0x1901000000000000000000000000000000000000000000000000000000000000)
      mstore(add(q, 2), separator)
      mstore(add(q, 34), structHash)
      d := keccak256(q, 66)
    }
  }

  /// @dev Whether ReportSignatures.verify passes: f+1..n entries of 65 bytes, each of a distinct
  /// signer index below n, low s, recovering that signer's address. `allowed` holds the signers
  /// not yet seen, so one bit test refuses an index out of range and a repeated one; an invalid
  /// signature returns no data from the precompile (returndatasize 0).
  function _signaturesOk(bytes32 d, uint256 m, uint256 w, uint256 s, uint256 slen) private view returns (bool ok) {
    assembly ("memory-safe") {
      let n := shr(24, w)
      let count := div(slen, SIGNATURE_BYTES)
      let bad := or(mod(slen, SIGNATURE_BYTES), or(iszero(gt(count, and(shr(16, w), 0xff))), gt(count, n)))
      let signers := add(m, STORE_HEADER_BYTES)
      let input := mload(0x40)
      mstore(input, d)
      let allowed := sub(shl(n, 1), 1)
      let end := add(s, slen)
      for {
        let at := s
      } and(iszero(bad), lt(at, end)) {
        at := add(at, SIGNATURE_BYTES)
      } {
        let index := byte(0, calldataload(at))
        let vs := calldataload(add(at, 33))
        let sv := and(vs, S_MASK)
        mstore(add(input, 0x20), add(27, shr(255, vs)))
        mstore(add(input, 0x40), calldataload(add(at, 1)))
        mstore(add(input, 0x60), sv)
        pop(staticcall(gas(), 0x01, input, 0x80, 0x00, 0x20))
        // Signer `index` is the top 20 bytes of the word at signers + 20 index (index & 31: no
        // read far past the signers for an index the bit test refuses anyway).
        bad := or(
          or(iszero(and(shr(index, allowed), 1)), gt(sv, HALF_CURVE_ORDER)),
          or(iszero(returndatasize()), xor(mload(0x00), shr(96, mload(add(signers, mul(20, and(index, 31)))))))
        )
        allowed := xor(allowed, shl(index, 1))
      }
      ok := iszero(bad)
    }
  }

  /// @dev The entry: SingleFeedExpected for more than one feed, then ReportCodec.singleEntry's
  /// checks (the slow path names the error), the feed's age and bounds, then RETURN.
  function _entry(address store, uint256 m, uint256 w, uint256 r, uint256 rlen) private view {
    uint256 feeds;
    assembly ("memory-safe") {
      feeds := byte(0, calldataload(add(r, 41)))
    }
    if (feeds > 1) revert IPullReports.SingleFeedExpected(feeds);
    (uint256 feed, int256 answer, uint256 confidence, bool ok) = _observations(w, r, rlen);
    if (!ok) _slowEntry(w, r, rlen);
    uint256 startedAt = _checkFeed(store, m, w, r, feed, answer);
    assembly ("memory-safe") {
      mstore(m, feed)
      mstore(add(m, 0x20), answer)
      mstore(add(m, 0x40), confidence)
      mstore(add(m, 0x60), startedAt)
      return(m, 0x80)
    }
  }

  /// @dev The entry's layout (one feed below feedCount, 2f+1..n observers, width 1..15, nothing
  /// after the observations), observers below n and distinct, observations ascending; then the
  /// median (even counts: floor of the mean of the middle two) and half the nearest-rank IQR
  /// saturated at CONFIDENCE_MAX, as ReportCodec.medians.
  function _observations(
    uint256 w,
    uint256 r,
    uint256 rlen
  ) private pure returns (uint256 feed, int256 answer, uint256 confidence, bool ok) {
    assembly ("memory-safe") {
      function observation(b, i, wd) -> v {
        v := signextend(sub(wd, 1), shr(sub(256, shl(3, wd)), calldataload(add(b, mul(i, wd)))))
      }
      let n := shr(24, w)
      // Header byte 41: feedCount; then the entry's feed index and observer count.
      let head := calldataload(add(r, 41))
      feed := byte(1, head)
      let count := byte(2, head)
      let base := add(add(r, 45), count)
      let width := byte(0, calldataload(sub(base, 1)))
      let last := add(base, mul(count, width))
      let bad := or(or(iszero(byte(0, head)), lt(rlen, 44)), iszero(lt(feed, and(w, 0xffff))))
      bad := or(bad, or(lt(count, add(shl(1, and(shr(16, w), 0xff)), 1)), gt(count, n)))
      // width >= 1 and count >= 1: last > base, so last == end also means base inside the report.
      bad := or(bad, or(or(iszero(width), gt(width, MAX_OBSERVATION_BYTES)), xor(last, add(r, rlen))))
      if iszero(bad) {
        let observers := calldataload(add(r, 44))
        let shift := sub(256, shl(3, width))
        let signByte := sub(width, 1)
        let seen := shl(byte(0, observers), 1)
        let previous := signextend(signByte, shr(shift, calldataload(base)))
        for {
          let p := add(base, width)
        } lt(p, last) {
          p := add(p, width)
        } {
          observers := shl(8, observers)
          seen := or(seen, shl(byte(0, observers), 1))
          let v := signextend(signByte, shr(shift, calldataload(p)))
          bad := or(bad, slt(v, previous))
          previous := v
        }
        // Observers below n and distinct iff no bit at or above n and count bits set (SWAR
        // popcount of a value below 2^32, as ReportCodec.medians).
        let x := sub(seen, and(shr(1, seen), 0x55555555))
        x := add(and(x, 0x33333333), and(shr(2, x), 0x33333333))
        x := and(add(x, shr(4, x)), 0x0f0f0f0f)
        bad := or(bad, or(shr(n, seen), xor(and(shr(24, mul(x, 0x01010101)), 0xff), count)))
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
      ok := iszero(bad)
    }
  }

  /// @dev The feed's maximum report age (read only when the report is older than the smallest
  /// of any feed) and bounds (only for a bounded feed), as PullReports.checkFeeds; returns the
  /// observations timestamp capped at block.timestamp.
  function _checkFeed(
    address store,
    uint256 m,
    uint256 w,
    uint256 r,
    uint256 feed,
    int256 answer
  ) private view returns (uint256 startedAt) {
    uint256 minAge;
    uint256 bounded;
    assembly ("memory-safe") {
      startedAt := shr(224, calldataload(add(r, 37)))
      if gt(startedAt, timestamp()) {
        startedAt := timestamp()
      }
      minAge := shr(224, mload(add(m, 68)))
      bounded := and(shr(feed, mload(add(m, 36))), 1)
    }
    // The config store's bounds follow the 40n member bytes, the ages follow the bounds.
    uint256 boundsAt = STORE_MEMBERS_OFFSET + 40 * (w >> 24);
    uint256 age = block.timestamp - startedAt;
    if (age > minAge) {
      uint256 maxAge = _storeWord(store, boundsAt + 32 * (w & 0xffff) + 4 * feed) >> 224;
      if (age > maxAge) revert IQuorumAggregator.ReportTooOld(feed, uint32(startedAt), block.timestamp, maxAge);
    }
    if (bounded == 1) {
      uint256 b = _storeWord(store, boundsAt + 32 * feed);
      int256 minAnswer = int128(int256(b >> 128));
      int256 maxAnswer = int128(uint128(b));
      if (answer < minAnswer || answer > maxAnswer) revert IPullReports.AnswerOutOfBounds(feed, answer, minAnswer, maxAnswer);
    }
  }

  /// @dev The config store's 32 bytes at code offset `at`.
  function _storeWord(address store, uint256 at) private view returns (uint256 word) {
    assembly ("memory-safe") {
      extcodecopy(store, 0x00, at, 32)
      word := mload(0x00)
    }
  }

  /// @dev transmit's ctx for the plain checks: n(0..7) f(8..15) feedCount(16..31).
  function _ctx(uint256 w) private pure returns (uint256) {
    return (w >> 24) | (((w >> 16) & 0xff) << 8) | ((w & 0xffff) << 16);
  }

  /// @dev The report as a calldata slice.
  function _slice(uint256 offset, uint256 length) private pure returns (bytes calldata b) {
    assembly ("memory-safe") {
      b.offset := offset
      b.length := length
    }
  }

  /// @dev Slow path of the header: ReportHeader.check reverts with the error.
  function _slowHeader(uint256 m, uint256 w, uint256 r, uint256 rlen) private view {
    bytes32 digest;
    assembly ("memory-safe") {
      digest := mload(m)
    }
    ReportHeader.check(_slice(r, rlen), digest, _ctx(w));
    revert SlowPathAccepted(0);
  }

  /// @dev Slow path of the signatures: ReportSignatures.verify reverts with the error.
  function _slowSignatures(uint256 m, uint256 w, uint256 r, uint256 rlen, uint256 s, uint256 slen) private view {
    bytes32 d = _digest(r, rlen, ReportSignatures.domainSeparator(), block.chainid);
    ReportSignatures.verify(d, _slice(s, slen), m + STORE_HEADER_BYTES, w >> 24, (w >> 16) & 0xff);
    revert SlowPathAccepted(1);
  }

  /// @dev Slow path of the entry: ReportCodec.singleEntry reverts with the error.
  function _slowEntry(uint256 w, uint256 r, uint256 rlen) private pure {
    ReportCodec.singleEntry(_slice(r, rlen), _ctx(w));
    revert SlowPathAccepted(2);
  }
}
