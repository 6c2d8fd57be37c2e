// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {IPullReports} from "../interfaces/IPullReports.sol";
import {ConfigStore, STORE_MEMBERS_OFFSET} from "./ConfigStore.sol";
import {ReportHeader} from "./ReportHeader.sol";
import {ReportSignatures} from "./ReportSignatures.sol";
import {FeedSlots, UINT32_MASK, EPOCH_AND_ROUND_MASK, LATEST_ER_SHIFT, CTX_CHECK_AGE} from "./FeedSlots.sol";
import {ReportCodec} from "./ReportCodec.sol";

/// @title PullReports
/// @notice The per-feed part of QuorumAggregator.verifyReport and updateAndRead (docs/protocol.md
/// "Pull reports"): after the checks transmit shares (config, header, signatures, entries and
/// medians), every feed's maximum report age and bounds, then the answers as returned, and
/// which feeds the report would advance. Plain Solidity apart from the config store reads.
/// `list` and `ctx` are transmit's (ReportCodec.checkEntries, ReportHeader.check).
library PullReports {
  /// @dev transmit's checks but the transmitter's (config store, header, signatures, entries and
  /// medians), then every feed's age and bounds (checkFeeds); returns transmit's list and ctx.
  function verify(
    address store,
    bytes32 separator,
    uint256 chainId,
    bytes calldata report,
    bytes calldata signatures
  ) internal view returns (uint256 list, uint256 ctx) {
    if (store == address(0)) revert IQuorumAggregator.ConfigNotSet();
    bytes32 digest;
    uint256 members;
    uint256 boundedFeeds;
    (digest, ctx, members, boundedFeeds) = ConfigStore.load(store);
    ctx = ReportHeader.check(report, digest, ctx);
    ReportSignatures.verify(
      ReportSignatures.digest(report, separator, chainId),
      signatures,
      members,
      ctx & 0xff,
      (ctx >> 8) & 0xff
    );
    (list, ) = ReportCodec.checkEntries(report, ctx);
    ReportCodec.medians(list, ctx & 0xff);
    checkFeeds(store, list, ctx, boundedFeeds);
  }

  /// @dev Reverts unless every feed of the report is within its maximum report age and its
  /// median within its bounds: a consumer is never handed a refused median.
  function checkFeeds(address store, uint256 list, uint256 ctx, uint256 boundedFeeds) internal view {
    // Config store layout (ConfigStore.sol): the bounds after the 40n member bytes, the ages after the bounds.
    uint256 boundsAt = STORE_MEMBERS_OFFSET + 40 * (ctx & 0xff);
    uint256 agesAt = boundsAt + 32 * ((ctx >> 16) & 0xffff);
    uint256 age = (ctx >> 144) & UINT32_MASK;
    uint256 feeds = ReportCodec.entryCount(list);
    for (uint256 k = 0; k < feeds; ++k) {
      (uint256 feed, int256 answer) = ReportCodec.entryAt(list, k);
      if (ctx & CTX_CHECK_AGE != 0) {
        uint256 maxAge = _storeWord(store, agesAt + 4 * feed) >> 224;
        if (age > maxAge) {
          revert IQuorumAggregator.ReportTooOld(feed, uint32((ctx >> 32) & UINT32_MASK), block.timestamp, maxAge);
        }
      }
      if ((boundedFeeds >> feed) & 1 == 1) {
        uint256 b = _storeWord(store, boundsAt + 32 * feed);
        int256 minAnswer = int128(int256(b >> 128));
        int256 maxAnswer = int128(uint128(b));
        if (answer < minAnswer || answer > maxAnswer) {
          revert IPullReports.AnswerOutOfBounds(feed, answer, minAnswer, maxAnswer);
        }
      }
    }
  }

  /// @dev The report's answers in report order; observationsTimestamp is the report's, capped at
  /// block.timestamp (what a transmission stores as startedAt).
  function answers(uint256 list, uint256 ctx) internal pure returns (IPullReports.PulledAnswer[] memory out) {
    uint256 feeds = ReportCodec.entryCount(list);
    out = new IPullReports.PulledAnswer[](feeds);
    uint256 startedAt = (ctx >> 32) & UINT32_MASK;
    for (uint256 k = 0; k < feeds; ++k) {
      (uint256 feed, int256 answer) = ReportCodec.entryAt(list, k);
      out[k] = IPullReports.PulledAnswer(feed, answer, ReportCodec.confidenceAt(list, k), startedAt);
    }
  }

  /// @dev Drops from `list`, in place, the feeds whose latest round the report would not advance
  /// (epoch-and-round not above the feed's, or observations timestamp below the feed's: what
  /// transmit reverts on); returns how many remain.
  function keepNewer(FeedSlots.Rounds storage rounds, uint256 list, uint256 ctx) internal view returns (uint256 kept) {
    uint256 er = (ctx >> LATEST_ER_SHIFT) & EPOCH_AND_ROUND_MASK;
    uint256 startedAt = (ctx >> 32) & UINT32_MASK;
    uint256 feeds = ReportCodec.entryCount(list);
    for (uint256 k = 0; k < feeds; ++k) {
      uint256 record = ReportCodec.recordAt(list, k);
      uint256 latest = rounds.latest[record & 0xff];
      if (er > FeedSlots.epochAndRound(latest) && startedAt >= ((latest >> 32) & UINT32_MASK)) {
        ReportCodec.setRecord(list, kept, record);
        ++kept;
      }
    }
    ReportCodec.setEntryCount(list, kept);
  }

  /// @dev The config store's 32 bytes at code offset `at`.
  function _storeWord(address store, uint256 at) private view returns (uint256 w) {
    assembly ("memory-safe") {
      extcodecopy(store, 0x00, at, 32)
      w := mload(0x00)
    }
  }
}
