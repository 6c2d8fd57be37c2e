// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IQuorumAggregator} from "./interfaces/IQuorumAggregator.sol";
import {IPullReports} from "./interfaces/IPullReports.sol";
import {IPullReportsSingle} from "./interfaces/IPullReportsSingle.sol";
import {IOutOfBoundsReader} from "./interfaces/IOutOfBoundsReader.sol";
import {IPullVerifierSource} from "./interfaces/IPullVerifier.sol";
import {PullVerifierFactory} from "./pull/PullVerifierFactory.sol";
import {
  E_STALE_REPORT,
  E_OBSERVATIONS_TIMESTAMP_DECREASED,
  E_REPORT_TOO_OLD,
  TOPIC_ANSWER_UPDATED,
  TOPIC_NEW_ROUND
} from "./libraries/AggregatorSelectors.sol";
import {ConfigStore, STORE_MEMBERS_OFFSET} from "./libraries/ConfigStore.sol";
import {ReportSignatures} from "./libraries/ReportSignatures.sol";
import {
  FeedSlots,
  UINT32_MASK,
  EPOCH_AND_ROUND_MASK,
  LATEST_ER_SHIFT,
  LATEST_PREFILL,
  HISTORY_PREFILL,
  HISTORY_LENGTH,
  ROUND_BITS,
  CTX_SINGLE,
  CTX_CHECK_AGE,
  CTX_REPORT_BITS,
  HISTORY_ANSWER_SHIFT
} from "./libraries/FeedSlots.sol";
import {ReportCodec} from "./libraries/ReportCodec.sol";
import {PullReports} from "./libraries/PullReports.sol";
import {PullSingle} from "./libraries/PullSingle.sol";
import {Refusals} from "./libraries/Refusals.sol";
import {ReportHeader, FUTURE_SKEW_SECONDS} from "./libraries/ReportHeader.sol";
import {AggregatorAccounting} from "./economics/AggregatorAccounting.sol";

/// @title QuorumAggregator
/// @notice Median feeds updated by quorum-signed, batched reports of one oracle committee.
/// @dev Gas design (docs/protocol.md "Design"): the committee and the feeds' bounds and maximum
/// report ages live in a config store read with EXTCODECOPY (libraries/ConfigStore.sol);
/// signatures carry the signer's index (libraries/ReportSignatures.sol); each feed has one latest
/// slot, which latestRoundData reads with one SLOAD and which also holds the epoch-and-round of
/// its last report (per-feed replay protection), and a pre-filled ring of HISTORY_SIZE rounds
/// (libraries/FeedSlots.sol); reports are read in place from calldata (libraries/ReportCodec.sol).
/// Round ids are feedIndex << 32 | round. One calldata byte, a feed index, answers that feed's
/// latestRoundData from the fallback, skipping the dispatcher (FeedProxy's read). Every assembly
/// block has a plain-Solidity twin in contracts/test/ReferenceAggregator.sol.
/// Service accounting (rewards, gas reimbursement): economics/AggregatorAccounting.sol.
contract QuorumAggregator is IQuorumAggregator, IPullReports, AggregatorAccounting {
  /// @notice Committee size limit: signer/observer duplicate checks are uint32 bitmaps.
  uint256 public constant MAX_ORACLES = 31;
  /// @notice Feed indices are one byte in the report.
  uint256 public constant MAX_FEEDS = 256;
  /// @notice Rounds kept per feed: one hour of history at one round per minute, pre-filled at
  /// addFeed for about 1.4M gas so that every transmit overwrites a non-zero slot.
  uint256 public constant HISTORY_SIZE = HISTORY_LENGTH;
  uint256 private constant ADDRESS_MASK = 0x00ffffffffffffffffffffffffffffffffffffffff;
  /// @dev A slot's answer bits (136..255) and a history slot's value bits (64..255).
  uint256 private constant ANSWER_BITS = 0xffffffffffffffffffffffffffffff0000000000000000000000000000000000;
  uint256 private constant HISTORY_VALUE_BITS = 0xffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000;
  /// @notice Tolerated lead of the observations timestamp over block.timestamp (node and block producer clocks
  /// disagree by a second or two). startedAt is stored as min(observationsTimestamp, block.timestamp).
  uint256 public constant MAX_FUTURE_SKEW_SECONDS = FUTURE_SKEW_SECONDS;
  /// @notice Maximum report age (block.timestamp - observationsTimestamp) of a new feed, until
  /// setMaxReportAge changes it: well under any heartbeat a consumer would use (an hour).
  uint32 public constant DEFAULT_MAX_REPORT_AGE_SECONDS = 300;

  // s_hot (HotVars), s_signers and s_transmitters: economics/AggregatorAccounting.sol.
  uint32 internal s_latestConfigBlockNumber;
  bytes32 internal s_configDigest;
  uint8 internal s_f;
  ConfigStore.Feed[] internal s_feeds;
  /// @dev Per feed, the latest slot and the history ring (FeedSlots.sol); setConfig zeroes their epoch-and-round.
  FeedSlots.Rounds internal s_rounds;
  /// @dev Per feed, its out-of-bounds state (libraries/Refusals.sol).
  Refusals.Refusal[MAX_FEEDS] internal s_refusals;

  /// @dev The EIP-712 separator at deployment, and its chain (ReportSignatures.digest).
  bytes32 private immutable i_domainSeparator = ReportSignatures.domainSeparator();
  uint256 private immutable i_chainId = block.chainid;
  /// @dev IPullVerifierSource.pullVerifierFactory, served by the fallback (not in the dispatcher).
  PullVerifierFactory private immutable i_pullVerifierFactory = new PullVerifierFactory();

  constructor(address owner) Ownable(owner) {}

  // ----------------------------------------------------------------------------------------------
  // Configuration
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IQuorumAggregator
  function setConfig(
    address[] calldata signers,
    address[] calldata transmitters,
    uint8 f,
    bytes calldata offchainConfig
  ) external override onlyOwner {
    ConfigStore.checkCommittee(signers, transmitters, f, MAX_ORACLES);
    uint32 configCount = s_hot.configCount + 1;
    bytes32 digest = keccak256(
      abi.encode(block.chainid, address(this), uint64(configCount), signers, transmitters, f, offchainConfig)
    );
    _slaRollover(); // the old committee's counters go to its members before the indices change
    s_signers = signers;
    s_transmitters = transmitters;
    s_f = f;
    s_configDigest = digest;
    s_hot.configStore = _writeConfigStore();
    s_hot.configCount = configCount;
    _slaAdmit(s_hot.slaMode, digest, signers);
    FeedSlots.clearEpochAndRounds(s_rounds, s_feeds.length);
    uint32 previousConfigBlockNumber = s_latestConfigBlockNumber;
    s_latestConfigBlockNumber = uint32(block.number);
    emit ConfigSet(previousConfigBlockNumber, digest, configCount, signers, transmitters, f, offchainConfig);
  }

  /// @inheritdoc IQuorumAggregator
  function addFeed(
    uint8 decimals_,
    string calldata description_,
    int128 minAnswer,
    int128 maxAnswer
  ) external override onlyOwner returns (uint256 feedIndex) {
    if (minAnswer >= maxAnswer) revert InvalidBounds(minAnswer, maxAnswer);
    feedIndex = s_feeds.length;
    if (feedIndex == MAX_FEEDS) revert TooManyFeeds(MAX_FEEDS);
    // Fields: decimals, maxReportAge, minAnswer, maxAnswer, description.
    s_feeds.push(ConfigStore.Feed(decimals_, DEFAULT_MAX_REPORT_AGE_SECONDS, minAnswer, maxAnswer, description_));
    s_rounds.latest[feedIndex] = LATEST_PREFILL;
    for (uint256 i = 0; i < HISTORY_SIZE; ++i) {
      s_rounds.history[feedIndex][i] = HISTORY_PREFILL;
    }
    // The bounds live in the config store: rewrite it if a config is active (setConfig writes
    // it otherwise). The digest does not change; reports name feeds by index.
    if (s_hot.configStore != address(0)) s_hot.configStore = _writeConfigStore();
    emit FeedAdded(feedIndex, decimals_, description_, minAnswer, maxAnswer);
  }

  /// @inheritdoc IQuorumAggregator
  function setMaxReportAge(uint256 feedIndex, uint32 maxAgeSeconds) external override onlyOwner {
    ConfigStore.Feed storage m = _feedMeta(feedIndex);
    if (maxAgeSeconds == 0) revert InvalidMaxReportAge(maxAgeSeconds);
    m.maxReportAge = maxAgeSeconds;
    if (s_hot.configStore != address(0)) s_hot.configStore = _writeConfigStore();
    emit MaxReportAgeSet(feedIndex, maxAgeSeconds);
  }

  /// @dev Deploys the config store of the committee and feeds (ConfigStore) and its pull verifier (pull/).
  function _writeConfigStore() private returns (address store) {
    i_pullVerifierFactory.rotate(store = ConfigStore.write(s_configDigest, s_f, s_signers, s_transmitters, s_feeds));
  }

  // ----------------------------------------------------------------------------------------------
  // Transmission
  // ----------------------------------------------------------------------------------------------
  // The hot path passes the committee and header around as one packed word, ctx (layout:
  // libraries/FeedSlots.sol). Check order: docs/protocol.md "Acceptance, in check order".

  /// @inheritdoc IQuorumAggregator
  function transmit(bytes calldata report, bytes calldata signatures) external override {
    uint256 gasStart = gasleft();
    uint256 hot = _hotWord();
    if (address(uint160(hot)) == address(0)) revert ConfigNotSet();
    (bytes32 digest, uint256 ctx, uint256 members, uint256 boundedFeeds) = ConfigStore.load(address(uint160(hot)));
    ctx = _withTransmitter(ctx, members); // ctx |= 1 + the sender's committee index (or revert)
    ctx = ReportHeader.check(report, digest, ctx);
    ReportSignatures.verify(
      ReportSignatures.digest(report, i_domainSeparator, i_chainId),
      signatures,
      members,
      ctx & 0xff,
      (ctx >> 8) & 0xff
    );
    // Feed entries in passes: layout of all (ReportCodec), observers, order and medians, then
    // freshness and writes or refusals (_storeFeeds), then the refusals' records.
    (uint256 list, uint256 feeds) = ReportCodec.checkEntries(report, ctx);
    uint256 observers = ReportCodec.medians(list, ctx & 0xff);
    if (feeds == 1) ctx |= CTX_SINGLE;
    uint256 refused = _storeFeeds(list, ctx, boundedFeeds);
    if (refused != 0) _refuseMedians(list, refused, ctx);
    emit NewTransmission(msg.sender, report);
    _accrue(hot, ctx, observers, gasStart); // last: it measures the gas used so far
  }

  /// @inheritdoc IPullReports
  function verifyReport(
    bytes calldata report,
    bytes calldata signatures
  ) external view override returns (PulledAnswer[] memory) {
    (uint256 list, uint256 ctx) = _verifyPulled(report, signatures);
    return PullReports.answers(list, ctx);
  }

  /// @dev transmit's checks but the transmitter's, then every feed's age and bounds.
  function _verifyPulled(bytes calldata report, bytes calldata sigs) private view returns (uint256, uint256) {
    return PullReports.verify(s_hot.configStore, i_domainSeparator, i_chainId, report, sigs);
  }

  /// @inheritdoc IPullReports
  function updateAndRead(
    bytes calldata report,
    bytes calldata signatures
  ) external override returns (PulledAnswer[] memory answers) {
    (uint256 list, uint256 ctx) = _verifyPulled(report, signatures);
    answers = PullReports.answers(list, ctx);
    uint256 kept = PullReports.keepNewer(s_rounds, list, ctx);
    if (kept == 0) return answers;
    if (kept == 1) ctx |= CTX_SINGLE;
    // Ages and bounds are checked (_verifyPulled): no age reads, no refusals.
    _storeFeeds(list, ctx & ~CTX_CHECK_AGE, 0);
    emit NewTransmission(msg.sender, report);
  }

  /// @dev transmit's last pass. Per record of `list` (ReportCodec.checkEntries), in report order:
  /// reverts unless the report is fresh for the feed (epoch-and-round above the feed's latest,
  /// observations timestamp not below it, age within the feed's maximum, read from the config
  /// store only when the report is older than some feed's maximum); then, for a median within
  /// the feed's bounds, writes the next round (latest and ring slot) and emits AnswerUpdated
  /// (and NewRound for a one-feed report). Returns the bitmap of feeds refused for their bounds.
  function _storeFeeds(uint256 list, uint256 ctx, uint256 boundedFeeds) private returns (uint256 refused) {
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
      // Config store offset of the bounds (32 bytes per feed); the ages (4 bytes per feed) follow.
      function boundsAt(c) -> at {
        at := add(STORE_MEMBERS_OFFSET, mul(40, and(c, 0xff)))
      }
      // The report's epoch-and-round and startedAt, and the report-wide bits, at their latest-slot
      // offsets: freshness compares masked words, no shifts.
      let erBits := and(ctx, shl(LATEST_ER_SHIFT, EPOCH_AND_ROUND_MASK))
      let startedBits := and(ctx, shl(32, UINT32_MASK))
      let bits := and(ctx, CTX_REPORT_BITS)
      // AnswerUpdated's data word, for every feed: scratch word 0x20 (extcodecopy and NewRound
      // use 0x00).
      mstore(0x20, timestamp())
      let end := add(add(list, 32), shl(5, and(mload(list), 0xff)))
      for {
        let record := add(list, 32)
      } lt(record, end) {
        record := add(record, 32)
      } {
        let packed := mload(record)
        let feed := and(packed, 0xff)
        let latest := sload(add(s_rounds.slot, feed))
        if iszero(gt(erBits, and(latest, shl(LATEST_ER_SHIFT, EPOCH_AND_ROUND_MASK)))) {
          let er := shr(LATEST_ER_SHIFT, erBits)
          fail(E_STALE_REPORT, feed, and(shr(LATEST_ER_SHIFT, latest), EPOCH_AND_ROUND_MASK), er, 0, 3)
        }
        if lt(startedBits, and(latest, shl(32, UINT32_MASK))) {
          let startedAt := shr(32, startedBits)
          fail(E_OBSERVATIONS_TIMESTAMP_DECREASED, feed, and(shr(32, latest), UINT32_MASK), startedAt, 0, 3)
        }
        if and(ctx, CTX_CHECK_AGE) {
          extcodecopy(
            and(sload(s_hot.slot), ADDRESS_MASK),
            0x00,
            add(add(boundsAt(ctx), shl(5, and(shr(16, ctx), 0xffff))), shl(2, feed)),
            32
          )
          let maxAge := shr(224, mload(0x00))
          if gt(and(shr(144, ctx), UINT32_MASK), maxAge) {
            fail(E_REPORT_TOO_OLD, feed, shr(32, startedBits), timestamp(), maxAge, 4)
          }
        }
        if and(shr(feed, boundedFeeds), 1) {
          extcodecopy(and(sload(s_hot.slot), ADDRESS_MASK), 0x00, add(boundsAt(ctx), shl(5, feed)), 32)
          let b := mload(0x00)
          let answer := sar(HISTORY_ANSWER_SHIFT, packed)
          refused := or(refused, shl(feed, or(slt(answer, sar(128, b)), sgt(answer, signextend(15, b)))))
        }
        if iszero(and(shr(feed, refused), 1)) {
          // A feed's round is uint32: 4.29e9 rounds, 136 years at one per second.
          let next := add(and(latest, UINT32_MASK), 1)
          // The record holds the answer and confidence where the slots hold them (bits 64..255).
          sstore(add(s_rounds.slot, feed), or(or(and(packed, ANSWER_BITS), bits), next))
          sstore(
            add(add(add(s_rounds.slot, 256), shl(6, feed)), and(next, 63)),
            or(and(packed, HISTORY_VALUE_BITS), and(shr(32, bits), 0xffffffffffffffff))
          )
          let roundId := or(shl(ROUND_BITS, feed), next)
          log3(0x20, 0x20, TOPIC_ANSWER_UPDATED, sar(HISTORY_ANSWER_SHIFT, packed), roundId)
          if and(ctx, CTX_SINGLE) {
            mstore(0x00, shr(32, startedBits))
            log3(0x00, 0x20, TOPIC_NEW_ROUND, roundId, caller())
          }
        }
      }
    }
  }

  /// @dev The refused medians (bit i of `refused`: feed i): each feed keeps its answer, round
  /// and timestamps, records the report's epoch-and-round (so the report cannot be replayed),
  /// and the refusal becomes readable through outOfBounds until an in-bounds median lands.
  /// Rare path: plain Solidity.
  function _refuseMedians(uint256 list, uint256 refused, uint256 ctx) private {
    uint40 er = FeedSlots.epochAndRound(ctx);
    uint256 feeds = ReportCodec.entryCount(list);
    for (uint256 k = 0; k < feeds; ++k) {
      (uint256 feed, int256 answer) = ReportCodec.entryAt(list, k);
      if ((refused >> feed) & 1 == 0) continue;
      uint256 latest = s_rounds.latest[feed];
      s_rounds.latest[feed] = FeedSlots.withEpochAndRound(latest, er);
      Refusals.record(s_refusals[feed], FeedSlots.round(latest), answer);
      emit MedianOutOfBounds(feed, answer, s_feeds[feed].minAnswer, s_feeds[feed].maxAnswer, er);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Reads (AggregatorV3Interface, AggregatorInterface, config and metadata)
  // ----------------------------------------------------------------------------------------------

  /// @dev The feed of a no-argument read: 0, or the trailing word FeedProxy appends.
  function _trailingFeed() private pure returns (uint256 feedIndex) {
    if (msg.data.length >= 36) {
      assembly ("memory-safe") {
        feedIndex := calldataload(4)
      }
      if (feedIndex >= MAX_FEEDS) revert UnknownFeed(feedIndex);
    }
  }

  function _feedMeta(uint256 feedIndex) private view returns (ConfigStore.Feed storage) {
    if (feedIndex >= s_feeds.length) revert UnknownFeed(feedIndex);
    return s_feeds[feedIndex];
  }

  /// @notice Latest round of feed 0, or of the feed in a trailing word. All zeros before the
  /// feed's first report. startedAt = observations timestamp, updatedAt = transmission time.
  function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
    uint256 feed;
    if (msg.data.length > 35) {
      assembly ("memory-safe") {
        feed := calldataload(4)
      }
      if (feed >= MAX_FEEDS) revert UnknownFeed(feed);
    }
    FeedSlots.returnLatestRoundData(s_rounds, feed);
  }

  /// @notice FeedProxy's read path: calldata of exactly one byte, a feed index, answers that
  /// feed's latestRoundData (five words). Solidity jumps to the fallback before any selector
  /// comparison when calldata is shorter than a selector: proxy reads skip the dispatcher.
  /// IPullReportsSingle.verifyReportSingle is served here too, its arguments decoded by hand
  /// (libraries/PullSingle.sol RETURNs the four words): no dispatcher match, no ABI decoder. So is pullVerifierFactory.
  fallback() external {
    if (msg.data.length != 1) {
      bool single = msg.sig == IPullReportsSingle.verifyReportSingle.selector;
      if (single) PullSingle.verify(s_hot.configStore, i_domainSeparator, i_chainId);
      if (msg.sig == IPullVerifierSource.pullVerifierFactory.selector)
        PullSingle.returnWord(uint160(address(i_pullVerifierFactory)));
      // No data, exactly as an unknown selector reverts in a contract without a fallback.
      // solhint-disable-next-line gas-custom-errors
      revert();
    }
    uint256 feed;
    assembly ("memory-safe") {
      feed := byte(0, calldataload(0))
    }
    FeedSlots.returnLatestRoundData(s_rounds, feed);
  }

  /// @notice A held round (the last HISTORY_SIZE of its feed); the feed is in the round id.
  function getRoundData(uint80 roundId) external view override returns (uint80, int256, uint256, uint256, uint80) {
    (bool ok, uint256 feedIndex, uint256 slot) = FeedSlots.held(s_rounds, roundId);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId);
    (int256 answer, uint256 startedAt, uint256 updatedAt) = FeedSlots.historyRound(slot);
    return (roundId, answer, startedAt, updatedAt, roundId);
  }

  /// @inheritdoc IQuorumAggregator
  function latestConfidence() external view override returns (uint80, uint256) {
    return FeedSlots.latestConfidence(s_rounds, _trailingFeed());
  }

  /// @inheritdoc IQuorumAggregator
  function getConfidence(uint80 roundId) external view override returns (uint256 confidence) {
    (bool ok, uint256 feedIndex, uint256 slot) = FeedSlots.held(s_rounds, roundId);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId);
    return FeedSlots.historyConfidence(slot);
  }

  /// @notice The feed's decimals (feed 0 or the trailing-word feed).
  function decimals() external view override returns (uint8) {
    return _feedMeta(_trailingFeed()).decimals;
  }

  /// @notice The feed's description (feed 0 or the trailing-word feed).
  function description() external view override returns (string memory) {
    return _feedMeta(_trailingFeed()).description;
  }

  /// @notice Aggregator interface version.
  function version() external pure override returns (uint256) {
    return 1;
  }

  /// @notice Latest answer (0 before the first report).
  function latestAnswer() external view override returns (int256) {
    return FeedSlots.latestAnswer(s_rounds.latest[_trailingFeed()]);
  }

  /// @notice Latest transmission timestamp (0 before the first report).
  function latestTimestamp() external view override returns (uint256) {
    uint256 latest = s_rounds.latest[_trailingFeed()]; // LATEST_PREFILL (round 0) until the first report
    return FeedSlots.round(latest) == 0 ? 0 : FeedSlots.latestUpdatedAt(latest);
  }

  /// @notice Latest aggregator round id (0 before the first report).
  function latestRound() external view override returns (uint256) {
    return FeedSlots.latestRoundId(s_rounds, _trailingFeed());
  }

  /// @notice Answer of a held round, 0 otherwise (as Chainlink's v2 interface).
  function getAnswer(uint256 roundId) external view override returns (int256) {
    (bool ok, , uint256 slot) = FeedSlots.held(s_rounds, roundId);
    return ok ? FeedSlots.historyAnswer(slot) : int256(0);
  }

  /// @notice Transmission timestamp of a held round, 0 otherwise.
  function getTimestamp(uint256 roundId) external view override returns (uint256) {
    (bool ok, , uint256 slot) = FeedSlots.held(s_rounds, roundId);
    return ok ? FeedSlots.historyUpdatedAt(slot) : 0;
  }

  /// @inheritdoc IQuorumAggregator
  function latestConfigDetails()
    external
    view
    override
    returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest)
  {
    return (s_hot.configCount, s_latestConfigBlockNumber, s_configDigest);
  }

  /// @inheritdoc IQuorumAggregator
  function latestTransmissionDetails()
    external
    view
    override
    returns (bytes32 configDigest, uint32 epoch, uint8 round, uint40 epochAndRound)
  {
    // The newest epoch-and-round of any feed under the current config (setConfig zeroes them).
    epochAndRound = FeedSlots.newestEpochAndRound(s_rounds, s_feeds.length);
    return (s_configDigest, uint32(epochAndRound >> 8), uint8(epochAndRound), epochAndRound);
  }

  /// @inheritdoc IQuorumAggregator
  function getOracles() external view override returns (address[] memory, address[] memory, uint8) {
    return (s_signers, s_transmitters, s_f);
  }

  /// @inheritdoc IQuorumAggregator
  function feedCount() external view override returns (uint256) {
    return s_feeds.length;
  }

  /// @inheritdoc IQuorumAggregator
  function feedInfo(uint256 feedIndex) external view override returns (uint8, string memory, int128, int128) {
    ConfigStore.Feed storage m = _feedMeta(feedIndex);
    return (m.decimals, m.description, m.minAnswer, m.maxAnswer);
  }

  /// @inheritdoc IQuorumAggregator
  function maxReportAge(uint256 feedIndex) external view override returns (uint32) {
    return _feedMeta(feedIndex).maxReportAge;
  }

  /// @inheritdoc IOutOfBoundsReader
  function outOfBounds(
    uint256 feedIndex
  ) external view override returns (bool active, int256 refusedMedian, uint256 since) {
    _feedMeta(feedIndex);
    return Refusals.read(s_refusals[feedIndex], FeedSlots.round(s_rounds.latest[feedIndex]));
  }

  /// @inheritdoc IQuorumAggregator
  function historySize() external pure override returns (uint256) {
    return HISTORY_SIZE;
  }

  /// @inheritdoc IQuorumAggregator
  function domainSeparator() external view override returns (bytes32) {
    return ReportSignatures.domainSeparator();
  }

  /// @inheritdoc IQuorumAggregator
  function typeAndVersion() external pure override returns (string memory) {
    return "QuorumAggregator 1.0.0";
  }
}
