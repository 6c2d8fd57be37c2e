// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {IPullReports} from "../interfaces/IPullReports.sol";
import {STORE_HEADER_BYTES} from "./ConfigStore.sol";
import {ReportHeader, FUTURE_SKEW_SECONDS} from "./ReportHeader.sol";
import {ReportSignatures, SIGNATURE_BYTES, HALF_CURVE_ORDER, S_MASK} from "./ReportSignatures.sol";
import {ReportCodec, REPORT_HEADER_BYTES, MAX_OBSERVATION_BYTES} from "./ReportCodec.sol";
import {CONFIDENCE_MAX, HISTORY_ANSWER_SHIFT} from "./FeedSlots.sol";
import {PullReports} from "./PullReports.sol";

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
  error SlowPathAccepted();

  /// @dev The aggregator's entry point: the arguments, the config store (its header at code
  /// offset 1), the fast path (header, signatures, entry, the feed's age and bounds) which
  /// RETURNs the four words, or else _slow.
  function verify(address store, bytes32 separator, uint256 chainId) internal view {
    (uint256 r, uint256 rlen, uint256 s, uint256 slen) = _arguments();
    if (store == address(0)) revert IQuorumAggregator.ConfigNotSet();
    if (block.chainid != chainId) separator = ReportSignatures.domainSeparator();
    assembly ("memory-safe") {
      // chainId becomes the fast path's source word (stack room): the store, its header at 1.
      chainId := or(shl(160, 1), store)
    }
    (uint256 m, uint256 w, uint256 bad, bytes32 d) = _head(chainId, separator, r, rlen);
    _tail(chainId, m, w, r, rlen, bad | _signatures(d, m, w, s, slen));
    _slow(store, m);
  }

  /// @dev verify's fast path on a copy of a config store's data anywhere in an account's code:
  /// `src` holds the account in bits 0..159 and the code offset of the store's header (the byte
  /// after its STOP) from bit 160 (contracts/pull/PullVerifier.sol: its own code). RETURNs the
  /// four words when everything passes, returns (to the caller's slow path) otherwise; an empty
  /// revert for malformed arguments.
  function fast(uint256 src, bytes32 separator) internal view {
    (uint256 r, uint256 rlen, uint256 s, uint256 slen) = _arguments();
    (uint256 m, uint256 w, uint256 bad, bytes32 d) = _head(src, separator, r, rlen);
    _tail(src, m, w, r, rlen, bad | _signatures(d, m, w, s, slen));
  }

  /// @dev RETURNs one word (QuorumAggregator's fallback: IPullVerifierSource.pullVerifierFactory).
  function returnWord(uint256 word) internal pure {
    assembly ("memory-safe") {
      mstore(0x00, word)
      return(0x00, 0x20)
    }
  }

  /// @dev verifyReportSingle(bytes report, bytes signatures)'s arguments, their calldata offsets
  /// and lengths, with the ABI decoder's checks (an empty revert as the decoder's).
  function _arguments() private pure returns (uint256 r, uint256 rlen, uint256 s, uint256 slen) {
    assembly ("memory-safe") {
      r := add(calldataload(4), 36)
      s := add(calldataload(36), 36)
      rlen := calldataload(sub(r, 32))
      slen := calldataload(sub(s, 32))
      // Offsets and lengths below 2^32 keep every sum exact; both ends inside calldata.
      if or(
        or(lt(calldatasize(), 68), gt(or(or(calldataload(4), calldataload(36)), or(rlen, slen)), 0xffffffff)),
        or(gt(add(r, rlen), calldatasize()), gt(add(s, slen), calldatasize()))
      ) {
        revert(0, 0)
      }
    }
  }

  /// @dev One EXTCODECOPY of the store's header and first SINGLE_SIGNERS signers to free memory
  /// at m (a larger committee copies its signers again, warm), the free memory pointer past them;
  /// w = n(24..31) f(16..23) feedCount(0..15); `bad` non-zero unless the report's length, config
  /// digest and future skew pass ReportHeader.check; d = ReportSignatures.digest, computed in
  /// scratch memory past the signers.
  function _head(
    uint256 src,
    bytes32 separator,
    uint256 r,
    uint256 rlen
  ) private view returns (uint256 m, uint256 w, uint256 bad, bytes32 d) {
    bytes32 typeHash = ReportSignatures.REPORT_TYPEHASH;
    assembly ("memory-safe") {
      m := mload(0x40)
      // EXTCODECOPY takes its address operand modulo 2^160 (the offset bits above it do not
      // matter): src is passed as it is.
      extcodecopy(src, m, shr(160, src), SINGLE_COPY_BYTES)
      w := shr(224, mload(add(m, 32)))
      let end := add(m, SINGLE_COPY_BYTES)
      if gt(shr(24, w), SINGLE_SIGNERS) {
        extcodecopy(src, add(m, STORE_HEADER_BYTES), add(shr(160, src), STORE_HEADER_BYTES), mul(20, shr(24, w)))
        end := add(add(m, STORE_HEADER_BYTES), mul(20, shr(24, w)))
      }
      // One word more: the 20-byte signers are read with 32-byte mloads.
      let q := add(end, 32)
      mstore(0x40, q)
      let ts := shr(224, calldataload(add(r, 37)))
      bad := or(
        or(lt(rlen, REPORT_HEADER_BYTES), xor(calldataload(r), mload(m))),
        gt(ts, add(timestamp(), FUTURE_SKEW_SECONDS))
      )
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

  /// @dev The entry and the feed's checks; RETURNs (feedIndex, answer, confidence,
  /// observationsTimestamp capped at block.timestamp) when nothing failed, returns otherwise.
  function _tail(uint256 src, uint256 m, uint256 w, uint256 r, uint256 rlen, uint256 bad) private view {
    (uint256 feed, int256 answer, uint256 confidence, uint256 entryBad) = _entry(w, r, rlen);
    assembly ("memory-safe") {
      bad := or(bad, entryBad)
      // The feed's maximum report age, read only when the report is older than the smallest of
      // any feed, and its bounds, read only for a bounded feed (PullReports.checkFeeds). Config
      // store layout (ConfigStore.sol): the bounds after the 40n member bytes, the ages after.
      rlen := shr(224, calldataload(add(r, 37)))
      if gt(rlen, timestamp()) {
        rlen := timestamp()
      }
      let boundsAt := add(add(shr(160, src), STORE_HEADER_BYTES), mul(40, shr(24, w)))
      entryBad := sub(timestamp(), rlen)
      if gt(entryBad, shr(224, mload(add(m, 68)))) {
        extcodecopy(src, 0x00, add(add(boundsAt, shl(5, and(w, 0xffff))), shl(2, feed)), 32)
        bad := or(bad, gt(entryBad, shr(224, mload(0x00))))
      }
      if and(shr(feed, mload(add(m, 36))), 1) {
        extcodecopy(src, 0x00, add(boundsAt, shl(5, feed)), 32)
        let b := mload(0x00)
        bad := or(bad, or(slt(answer, sar(128, b)), sgt(answer, signextend(15, b))))
      }
    }
    if (bad != 0) return;
    assembly ("memory-safe") {
      // rlen: the observations timestamp capped at block.timestamp.
      mstore(m, feed)
      mstore(add(m, 0x20), answer)
      mstore(add(m, 0x40), confidence)
      mstore(add(m, 0x60), rlen)
      return(m, 0x80)
    }
  }

  /// @dev Non-zero unless ReportSignatures.verify passes: f+1..n entries of 65 bytes, each of a
  /// distinct signer index below n, low s, recovering that signer's address. `allowed` holds the
  /// signers not yet seen: one bit test refuses an index out of range and a repeated one. The
  /// precompile returns no data for an invalid signature: the output word is cleared first. The
  /// signers are at m + STORE_HEADER_BYTES (_head's copy).
  function _signatures(bytes32 d, uint256 m, uint256 w, uint256 s, uint256 slen) private view returns (uint256 bad) {
    assembly ("memory-safe") {
      let count := div(slen, SIGNATURE_BYTES)
      bad := or(mod(slen, SIGNATURE_BYTES), or(iszero(gt(count, and(shr(16, w), 0xff))), gt(count, shr(24, w))))
      let signers := add(m, STORE_HEADER_BYTES)
      let input := mload(0x40)
      mstore(input, d)
      let allowed := sub(shl(shr(24, w), 1), 1)
      let end := add(s, slen)
      for {
        let at := s
      } lt(at, end) {
        at := add(at, SIGNATURE_BYTES)
      } {
        let index := byte(0, calldataload(at))
        let vs := calldataload(add(at, 33))
        mstore(add(input, 0x20), add(27, shr(255, vs)))
        mstore(add(input, 0x40), calldataload(add(at, 1)))
        vs := and(vs, S_MASK)
        mstore(add(input, 0x60), vs)
        mstore(0x00, 0)
        pop(staticcall(gas(), 0x01, input, 0x80, 0x00, 0x20))
        // Signer `index` is the top 20 bytes of the word at signers + 20 index (index & 31: no
        // read far past the signers for an index the bit test refuses anyway).
        bad := or(
          or(bad, gt(vs, HALF_CURVE_ORDER)),
          xor(mload(0x00), shr(96, mload(add(signers, mul(20, and(index, 31))))))
        )
        // A zero bit (index out of range or repeated) stays zero and sets `bad` below.
        index := shl(index, 1)
        bad := or(bad, iszero(and(allowed, index)))
        allowed := xor(allowed, index)
      }
    }
  }

  /// @dev The entry, non-zero `bad` unless it passes ReportCodec.singleEntry and the report has
  /// one feed: one feed below feedCount, 2f+1..n observers below n and distinct, width 1..15,
  /// observations ascending and ending the report. Then the median (even counts: floor of the
  /// mean of the middle two) and half the nearest-rank IQR saturated at CONFIDENCE_MAX, as
  /// ReportCodec.medians.
  function _entry(
    uint256 w,
    uint256 r,
    uint256 rlen
  ) private pure returns (uint256 feed, int256 answer, uint256 confidence, uint256 bad) {
    assembly ("memory-safe") {
      // Byte 41: feedCount; then the entry's feed index and observer count.
      feed := calldataload(add(r, 41))
      let count := byte(2, feed)
      bad := or(xor(byte(0, feed), 1), lt(rlen, 44))
      feed := byte(1, feed)
      let base := add(add(r, 45), count)
      let width := byte(0, calldataload(sub(base, 1)))
      bad := or(bad, iszero(lt(feed, and(w, 0xffff))))
      bad := or(bad, or(lt(count, add(shl(1, and(shr(16, w), 0xff)), 1)), gt(count, shr(24, w))))
      // width >= 1 and count >= 1: last > base, so last == the report's end puts base inside it.
      // rlen becomes the end of the observations.
      rlen := xor(add(base, mul(count, width)), add(r, rlen))
      bad := or(bad, or(or(iszero(width), gt(width, MAX_OBSERVATION_BYTES)), rlen))
      if iszero(bad) {
        rlen := add(base, mul(count, width))
        let observers := calldataload(add(r, 44))
        // r becomes the shift of a right-aligned observation, confidence the observer bitmap,
        // answer the previous observation (stack room).
        r := sub(256, shl(3, width))
        let signByte := sub(width, 1)
        confidence := shl(byte(0, observers), 1)
        answer := signextend(signByte, shr(r, calldataload(base)))
        for {
          let p := add(base, width)
        } lt(p, rlen) {
          p := add(p, width)
        } {
          observers := shl(8, observers)
          confidence := or(confidence, shl(byte(0, observers), 1))
          let v := signextend(signByte, shr(r, calldataload(p)))
          bad := or(bad, slt(v, answer))
          answer := v
        }
        // Observers below n and distinct iff no bit at or above n and count bits set (SWAR
        // popcount of a value below 2^32, as ReportCodec.medians).
        let x := sub(confidence, and(shr(1, confidence), 0x55555555))
        x := add(and(x, 0x33333333), and(shr(2, x), 0x33333333))
        x := and(add(x, shr(4, x)), 0x0f0f0f0f)
        bad := or(bad, or(shr(shr(24, w), confidence), xor(and(shr(24, mul(x, 0x01010101)), 0xff), count)))
        // Observation i: signextend(signByte, shr(r, calldataload(base + i * width))).
        let half := mul(shr(1, count), width)
        answer := signextend(signByte, shr(r, calldataload(add(base, half))))
        if iszero(and(count, 1)) {
          answer := sar(1, add(answer, signextend(signByte, shr(r, calldataload(sub(add(base, half), width))))))
        }
        confidence := shr(
          1,
          sub(
            signextend(signByte, shr(r, calldataload(add(base, mul(shr(2, mul(3, count)), width))))),
            signextend(signByte, shr(r, calldataload(add(base, mul(shr(2, sub(count, 1)), width)))))
          )
        )
        if gt(confidence, CONFIDENCE_MAX) {
          confidence := CONFIDENCE_MAX
        }
      }
    }
  }

  /// @dev The plain checks, in verifyReport's order, which revert with the first refusal's
  /// error: ReportHeader.check, ReportSignatures.verify, SingleFeedExpected, ReportCodec
  /// .singleEntry, the feed's maximum age and bounds (PullReports.checkFeeds).
  function _slow(address store, uint256 m) private view {
    (bytes calldata report, bytes calldata signatures) = _slices();
    uint256 w = _word(m + 32) >> 224;
    // transmit's ctx: n(0..7) f(8..15) feedCount(16..31) minMaxReportAge(176..207).
    uint256 ctx = (w >> 24) | (((w >> 16) & 0xff) << 8) | ((w & 0xffff) << 16) | ((_word(m + 68) >> 224) << 176);
    ctx = ReportHeader.check(report, bytes32(_word(m)), ctx);
    // The separator for this chain and contract: the cached one, or a fork's.
    bytes32 d = ReportSignatures.digest(report, ReportSignatures.domainSeparator(), block.chainid);
    ReportSignatures.verify(d, signatures, m + STORE_HEADER_BYTES, w >> 24, (w >> 16) & 0xff);
    if (uint8(report[41]) > 1) revert IPullReports.SingleFeedExpected(uint8(report[41]));
    (uint256 feed, int256 answer, ) = ReportCodec.singleEntry(report, ctx);
    PullReports.checkFeeds(store, _oneEntryList(feed, answer), ctx, _word(m + 36));
    revert SlowPathAccepted();
  }

  /// @dev The arguments as calldata slices.
  function _slices() private pure returns (bytes calldata report, bytes calldata signatures) {
    (uint256 r, uint256 rlen, uint256 s, uint256 slen) = _arguments();
    assembly ("memory-safe") {
      report.offset := r
      report.length := rlen
      signatures.offset := s
      signatures.length := slen
    }
  }

  /// @dev A one-record list of ReportCodec.checkEntries' shape (feed in bits 0..7, the median
  /// from bit 136), for PullReports.checkFeeds.
  function _oneEntryList(uint256 feed, int256 answer) private pure returns (uint256 list) {
    assembly ("memory-safe") {
      list := mload(0x40)
      mstore(list, 1)
      mstore(add(list, 32), or(feed, shl(HISTORY_ANSWER_SHIFT, answer)))
      mstore(0x40, add(list, 64))
    }
  }

  /// @dev The memory word at `at`.
  function _word(uint256 at) private pure returns (uint256 v) {
    assembly ("memory-safe") {
      v := mload(at)
    }
  }
}
