// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IQuorumAggregator} from "./interfaces/IQuorumAggregator.sol";

/// @title QuorumAggregator
/// @notice Median feeds updated by quorum-signed, batched reports of one oracle committee.
/// @dev Gas design (docs/protocol.md "Design"):
/// - The committee (config digest, n, f, signers, transmitters) and the feeds' answer bounds live
///   in the code of a small data contract ("config store", SSTORE2 style) written at setConfig /
///   addFeed. transmit reads it with one EXTCODECOPY instead of an SLOAD per signer.
/// - Signatures carry the signer's committee index, so membership is one comparison.
/// - Each feed has one "latest" slot (round, timestamps, answer) that latestRoundData reads with a
///   single SLOAD, and a ring of HISTORY_SIZE round slots (answer, confidence, timestamps) that is
///   pre-filled when the feed is added, so steady-state writes never pay for a fresh slot.
/// - Aggregator round ids are feedIndex << 32 | round; feed 0's ids are plain round numbers.
contract QuorumAggregator is IQuorumAggregator, Ownable2Step {
  // ----------------------------------------------------------------------------------------------
  // Constants
  // ----------------------------------------------------------------------------------------------

  /// @notice Committee size limit: signer/observer duplicate checks are uint32 bitmaps.
  uint256 public constant MAX_ORACLES = 31;
  /// @notice Feed indices are one byte in the report.
  uint256 public constant MAX_FEEDS = 256;
  /// @notice Rounds kept per feed: one hour of history at one round per minute, pre-filled at
  /// addFeed for about 1.4M gas so that every transmit overwrites a non-zero slot.
  uint256 public constant HISTORY_SIZE = 64;
  /// @notice Tolerated lead of the observations timestamp over block.timestamp: node clocks and
  /// the block producer's clock disagree by seconds, never by more.
  uint256 public constant MAX_FUTURE_SKEW_SECONDS = 30;

  /// @dev Bytes of the report header: digest(32) epochAndRound(5) timestamp(4) feedCount(1).
  uint256 private constant REPORT_HEADER_BYTES = 42;
  /// @dev Bytes of one signature entry: signerIndex(1) r(32) yParityAndS(32).
  uint256 private constant SIGNATURE_BYTES = 65;
  /// @dev Widest observation: answers are stored as int128.
  uint256 private constant MAX_OBSERVATION_BYTES = 16;
  /// @dev Config store header after its leading STOP byte: digest(32) n(1) f(1) feedCount(2).
  uint256 private constant STORE_HEADER_BYTES = 36;
  /// @dev Set in every written latest slot and in the pre-filled one, so writes are never 0 -> x.
  uint256 private constant LATEST_INITIALIZED = 1 << 255;
  /// @dev Ring slot pre-fill: any non-zero value; validity comes from the round range, not content.
  uint256 private constant HISTORY_PREFILL = 1;
  uint256 private constant UINT32_MASK = 0xffffffff;
  uint256 private constant UINT64_MAX = 0xffffffffffffffff;
  /// @dev Bits of a feed's own round number inside an aggregator round id.
  uint256 private constant ROUND_BITS = 32;

  bytes32 private constant DOMAIN_TYPEHASH =
    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  bytes32 private constant REPORT_TYPEHASH = keccak256("Report(bytes report)");
  bytes32 private constant NAME_HASH = keccak256("QuorumAggregator");
  bytes32 private constant VERSION_HASH = keccak256("1");

  // ----------------------------------------------------------------------------------------------
  // Storage
  // ----------------------------------------------------------------------------------------------

  /// @dev Read on every transmit; written only for latestEpochAndRound. One slot.
  struct HotVars {
    address configStore;
    uint40 latestEpochAndRound;
    uint32 configCount;
  }

  struct FeedMeta {
    uint8 decimals;
    int128 minAnswer;
    int128 maxAnswer;
    string description;
  }

  HotVars internal s_hot;
  uint32 internal s_latestConfigBlockNumber;
  bytes32 internal s_configDigest;
  uint8 internal s_f;
  address[] internal s_signers;
  address[] internal s_transmitters;
  FeedMeta[] internal s_feeds;
  /// @dev Per feed: round(0..31) observationsTimestamp(32..63) transmissionTimestamp(64..95)
  /// answer int128(96..223), bit 255 = LATEST_INITIALIZED.
  uint256[MAX_FEEDS] internal s_latest;
  /// @dev Per feed, ring by round % HISTORY_SIZE: observationsTimestamp(0..31)
  /// transmissionTimestamp(32..63) confidence uint64(64..127) answer int128(128..255).
  uint256[HISTORY_SIZE][MAX_FEEDS] internal s_history;

  uint256 private immutable i_chainId;
  bytes32 private immutable i_domainSeparator;

  constructor(address owner) Ownable(owner) {
    i_chainId = block.chainid;
    i_domainSeparator = _buildDomainSeparator();
  }

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
    uint256 n = signers.length;
    if (n == 0 || n > MAX_ORACLES || transmitters.length != n) {
      revert InvalidOracleCount(n, transmitters.length);
    }
    if (f == 0 || 3 * uint256(f) >= n) revert InvalidFaultTolerance(f, n);
    for (uint256 i = 0; i < n; ++i) {
      if (signers[i] == address(0) || transmitters[i] == address(0)) revert ZeroAddress(i);
      for (uint256 j = 0; j < i; ++j) {
        if (signers[j] == signers[i]) revert DuplicateSignerAddress(signers[i]);
        if (transmitters[j] == transmitters[i]) revert DuplicateTransmitterAddress(transmitters[i]);
      }
    }

    uint32 configCount = s_hot.configCount + 1;
    bytes32 digest = keccak256(
      abi.encode(block.chainid, address(this), uint64(configCount), signers, transmitters, f, offchainConfig)
    );
    s_signers = signers;
    s_transmitters = transmitters;
    s_f = f;
    s_configDigest = digest;
    s_hot = HotVars({configStore: _writeConfigStore(), latestEpochAndRound: 0, configCount: configCount});
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
    s_feeds.push(FeedMeta({decimals: decimals_, minAnswer: minAnswer, maxAnswer: maxAnswer, description: description_}));
    s_latest[feedIndex] = LATEST_INITIALIZED;
    for (uint256 i = 0; i < HISTORY_SIZE; ++i) {
      s_history[feedIndex][i] = HISTORY_PREFILL;
    }
    // The bounds live in the config store: rewrite it if a config is active (setConfig writes
    // it otherwise). The digest does not change; reports name feeds by index.
    if (s_hot.configStore != address(0)) s_hot.configStore = _writeConfigStore();
    emit FeedAdded(feedIndex, decimals_, description_, minAnswer, maxAnswer);
  }

  /// @dev Deploys the config store: a contract whose code is
  /// 0x00 ‖ digest(32) ‖ n(1) ‖ f(1) ‖ feedCount(2) ‖ signers(20n) ‖ transmitters(20n) ‖
  /// feedCount x (minAnswer int128 ‖ maxAnswer int128). The leading STOP makes calls to it no-ops.
  function _writeConfigStore() private returns (address store) {
    address[] memory signers = s_signers;
    address[] memory transmitters = s_transmitters;
    uint256 n = signers.length;
    uint256 feeds = s_feeds.length;
    bytes memory data = abi.encodePacked(bytes1(0), s_configDigest, uint8(n), s_f, uint16(feeds));
    for (uint256 i = 0; i < n; ++i) data = bytes.concat(data, bytes20(signers[i]));
    for (uint256 i = 0; i < n; ++i) data = bytes.concat(data, bytes20(transmitters[i]));
    for (uint256 i = 0; i < feeds; ++i) {
      data = bytes.concat(data, abi.encodePacked(s_feeds[i].minAnswer, s_feeds[i].maxAnswer));
    }
    // Init code: PUSH4 len, DUP1, PUSH1 14, PUSH1 0, CODECOPY, PUSH1 0, RETURN (14 bytes) ‖ data.
    bytes memory initCode = abi.encodePacked(hex"63", uint32(data.length), hex"80600e6000396000f3", data);
    assembly ("memory-safe") {
      store := create(0, add(initCode, 32), mload(initCode))
    }
    if (store == address(0)) revert ConfigStoreFailed();
  }

  // ----------------------------------------------------------------------------------------------
  // Transmission
  // ----------------------------------------------------------------------------------------------

  /// @dev What transmit learns from the config store, in memory.
  struct Committee {
    bytes32 digest;
    uint256 n;
    uint256 f;
    uint256 feedCount;
    address store;
    /// @dev Memory address of signers (20n bytes) followed by transmitters (20n bytes).
    uint256 members;
  }

  /// @inheritdoc IQuorumAggregator
  function transmit(bytes calldata report, bytes calldata signatures) external override {
    HotVars memory hot = s_hot;
    if (hot.configStore == address(0)) revert ConfigNotSet();
    Committee memory c = _loadCommittee(hot.configStore);
    _checkTransmitter(c);
    (uint40 er, uint32 observationsTimestamp, uint256 feedsInReport) = _checkHeader(report, c, hot);
    _verifySignatures(_reportDigest(report), signatures, c);
    s_hot.latestEpochAndRound = er;
    _applyFeeds(report, feedsInReport, observationsTimestamp, c);
    emit NewTransmission(c.digest, er, msg.sender, observationsTimestamp, report);
  }

  /// @dev Checks the report header: length, config digest, freshness, timestamp, feed count.
  function _checkHeader(
    bytes calldata report,
    Committee memory c,
    HotVars memory hot
  ) private view returns (uint40 er, uint32 observationsTimestamp, uint256 feedsInReport) {
    if (report.length < REPORT_HEADER_BYTES) revert MalformedReport(report.length);
    bytes32 reportConfigDigest;
    assembly ("memory-safe") {
      // Header fields are fixed-offset big-endian slices of the report (length checked above).
      reportConfigDigest := calldataload(report.offset)
      er := shr(216, calldataload(add(report.offset, 32)))
      observationsTimestamp := shr(224, calldataload(add(report.offset, 37)))
      feedsInReport := byte(0, calldataload(add(report.offset, 41)))
    }
    if (reportConfigDigest != c.digest) revert ConfigDigestMismatch(c.digest, reportConfigDigest);
    if (er <= hot.latestEpochAndRound) revert StaleReport(hot.latestEpochAndRound, er);
    if (observationsTimestamp > block.timestamp + MAX_FUTURE_SKEW_SECONDS) {
      revert FutureReport(observationsTimestamp, block.timestamp);
    }
    if (feedsInReport == 0) revert MalformedReport(REPORT_HEADER_BYTES - 1);
  }

  /// @dev Applies every feed entry; the entries must end exactly at the end of the report.
  function _applyFeeds(
    bytes calldata report,
    uint256 feedsInReport,
    uint32 observationsTimestamp,
    Committee memory c
  ) private {
    uint256 p = REPORT_HEADER_BYTES;
    uint256 nextFeed = 0;
    for (uint256 i = 0; i < feedsInReport; ++i) {
      uint256 feedIndex;
      (p, feedIndex) = _applyFeed(report, p, nextFeed, observationsTimestamp, c);
      // Cannot overflow: feedIndex < 256.
      unchecked {
        nextFeed = feedIndex + 1;
      }
    }
    if (p != report.length) revert MalformedReport(p);
  }

  /// @dev Copies the committee out of the config store (two EXTCODECOPYs, the second warm).
  function _loadCommittee(address store) private view returns (Committee memory c) {
    c.store = store;
    bytes32 digest;
    uint256 n;
    uint256 f;
    uint256 storedFeeds;
    uint256 members;
    assembly ("memory-safe") {
      members := mload(0x40)
      // Header: skip the STOP byte, read digest(32) n(1) f(1) feedCount(2).
      extcodecopy(store, members, 1, STORE_HEADER_BYTES)
      digest := mload(members)
      let w := shr(224, mload(add(members, 32)))
      n := shr(24, w)
      f := and(shr(16, w), 0xff)
      storedFeeds := and(w, 0xffff)
      // Signers then transmitters, 20 bytes each, overwrite the header in memory.
      let len := mul(40, n)
      extcodecopy(store, members, add(1, STORE_HEADER_BYTES), len)
      // Reserve the copied bytes (rounded up to a word, plus one word because 20-byte members
      // are read with 32-byte mloads that may run past the end).
      mstore(0x40, add(members, and(add(len, 63), not(31))))
    }
    c.digest = digest;
    c.n = n;
    c.f = f;
    c.feedCount = storedFeeds;
    c.members = members;
  }

  /// @dev Reverts unless msg.sender is one of the n transmitters.
  function _checkTransmitter(Committee memory c) private view {
    uint256 members = c.members;
    uint256 n = c.n;
    bool found;
    assembly ("memory-safe") {
      let t := add(members, mul(20, n))
      for {
        let i := 0
      } lt(i, n) {
        i := add(i, 1)
      } {
        // Each transmitter is the top 20 bytes of the word at t + 20i.
        if eq(shr(96, mload(add(t, mul(20, i)))), caller()) {
          found := 1
          break
        }
      }
    }
    if (!found) revert UnauthorizedTransmitter(msg.sender);
  }

  /// @dev EIP-712 digest of Report(bytes report) in this contract's domain.
  function _reportDigest(bytes calldata report) private view returns (bytes32 digest) {
    bytes32 separator = _domainSeparator();
    bytes32 typeHash = REPORT_TYPEHASH;
    bytes32 reportHash;
    assembly ("memory-safe") {
      let ptr := mload(0x40)
      calldatacopy(ptr, report.offset, report.length)
      reportHash := keccak256(ptr, report.length)
      // structHash = keccak256(abi.encode(REPORT_TYPEHASH, reportHash)) in scratch space.
      mstore(0x00, typeHash)
      mstore(0x20, reportHash)
      let structHash := keccak256(0x00, 0x40)
      // keccak256("\x19\x01" ‖ separator ‖ structHash), laid out over ptr (free memory).
      mstore(ptr, 0x1901000000000000000000000000000000000000000000000000000000000000)
      mstore(add(ptr, 2), separator)
      mstore(add(ptr, 34), structHash)
      digest := keccak256(ptr, 66)
    }
  }

  /// @dev Checks f+1..n entries of distinct configured signers, each a valid signature of digest.
  function _verifySignatures(bytes32 digest, bytes calldata signatures, Committee memory c) private pure {
    uint256 len = signatures.length;
    if (len % SIGNATURE_BYTES != 0) revert MalformedSignatures(len);
    uint256 count = len / SIGNATURE_BYTES;
    if (count <= c.f || count > c.n) revert WrongSignatureCount(count, c.f + 1, c.n);
    uint256 members = c.members;
    uint256 seen;
    for (uint256 i = 0; i < count; ++i) {
      uint256 signerIndex;
      bytes32 r;
      bytes32 vs;
      assembly ("memory-safe") {
        // Entry i starts at 65i: index byte, then r and yParityAndS words (length checked above).
        let p := add(signatures.offset, mul(i, SIGNATURE_BYTES))
        signerIndex := byte(0, calldataload(p))
        r := calldataload(add(p, 1))
        vs := calldataload(add(p, 33))
      }
      if (signerIndex >= c.n) revert SignerOutOfRange(signerIndex);
      uint256 bit = 1 << signerIndex;
      if (seen & bit != 0) revert DuplicateSigner(signerIndex);
      seen |= bit;
      (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, r, vs);
      address expected;
      assembly ("memory-safe") {
        // Signer signerIndex is the top 20 bytes of the word at members + 20 * signerIndex.
        expected := shr(96, mload(add(members, mul(20, signerIndex))))
      }
      if (err != ECDSA.RecoverError.NoError || recovered != expected) revert InvalidSignature(signerIndex, recovered);
    }
  }

  /// @dev Parsed observations of one feed.
  struct Observations {
    uint256 feedIndex;
    uint256 count;
    uint256 width;
    /// @dev Report offset of the first observation.
    uint256 start;
  }

  /// @dev Validates one feed entry starting at report offset p, stores its round, emits its
  /// events; returns the offset after the entry.
  function _applyFeed(
    bytes calldata report,
    uint256 p,
    uint256 nextFeed,
    uint32 observationsTimestamp,
    Committee memory c
  ) private returns (uint256 end, uint256 feedIndex) {
    Observations memory o = _parseFeedHeader(report, p, nextFeed, c);
    feedIndex = o.feedIndex;
    (int256 answer, uint256 confidence) = _medianAndConfidence(report, o);
    _checkBounds(c, feedIndex, answer);
    unchecked {
      // Bounded by report.length, checked in _parseFeedHeader.
      end = o.start + o.count * o.width;
    }

    uint256 latest = s_latest[feedIndex];
    uint32 latestObservationsTimestamp = uint32(latest >> 32);
    if (observationsTimestamp < latestObservationsTimestamp) {
      revert ObservationsTimestampDecreased(feedIndex, latestObservationsTimestamp, observationsTimestamp);
    }
    uint256 round;
    unchecked {
      // A feed's round is uint32: 4.29e9 rounds, 136 years at one per second.
      round = (latest & UINT32_MASK) + 1;
    }
    uint256 packedAnswer = uint256(uint128(int128(answer)));
    s_latest[feedIndex] =
      LATEST_INITIALIZED |
      (packedAnswer << 96) |
      (block.timestamp << 64) |
      (uint256(observationsTimestamp) << 32) |
      round;
    s_history[feedIndex][round % HISTORY_SIZE] =
      (packedAnswer << 128) |
      (confidence << 64) |
      (block.timestamp << 32) |
      observationsTimestamp;

    uint256 roundId = (feedIndex << ROUND_BITS) | round;
    emit AnswerUpdated(answer, roundId, block.timestamp);
    emit NewRound(roundId, msg.sender, observationsTimestamp);
  }

  /// @dev Reads and checks a feed entry's index, count, observers and width.
  function _parseFeedHeader(
    bytes calldata report,
    uint256 p,
    uint256 nextFeed,
    Committee memory c
  ) private pure returns (Observations memory o) {
    uint256 len = report.length;
    if (p + 2 > len) revert MalformedReport(p);
    uint256 feedIndex;
    uint256 count;
    assembly ("memory-safe") {
      let w := calldataload(add(report.offset, p))
      feedIndex := byte(0, w)
      count := byte(1, w)
    }
    if (feedIndex >= c.feedCount) revert UnknownFeed(feedIndex);
    if (feedIndex < nextFeed) revert FeedsNotAscending(nextFeed - 1, feedIndex);
    // 2f+1 <= count <= n. Cannot overflow: f < 11.
    unchecked {
      if (count < 2 * c.f + 1 || count > c.n) revert WrongObservationCount(feedIndex, count, 2 * c.f + 1, c.n);
    }
    // Observers (count bytes) and the width byte must be inside the report.
    uint256 q = p + 2;
    if (q + count + 1 > len) revert MalformedReport(q);
    uint256 seen;
    for (uint256 i = 0; i < count; ++i) {
      uint256 observer;
      assembly ("memory-safe") {
        observer := byte(0, calldataload(add(add(report.offset, q), i)))
      }
      if (observer >= c.n) revert ObserverOutOfRange(feedIndex, observer);
      uint256 bit = 1 << observer;
      if (seen & bit != 0) revert DuplicateObserver(feedIndex, observer);
      seen |= bit;
    }
    q += count;
    uint256 width;
    assembly ("memory-safe") {
      width := byte(0, calldataload(add(report.offset, q)))
    }
    if (width == 0 || width > MAX_OBSERVATION_BYTES) revert InvalidObservationWidth(feedIndex, width);
    ++q;
    if (q + count * width > len) revert MalformedReport(q);
    o.feedIndex = feedIndex;
    o.count = count;
    o.width = width;
    o.start = q;
  }

  /// @dev Checks the observations are sorted and returns their median (even counts: the mean of
  /// the two middle values, floored) and half their nearest-rank interquartile range, saturated
  /// at uint64 max.
  function _medianAndConfidence(
    bytes calldata report,
    Observations memory o
  ) private pure returns (int256 answer, uint256 confidence) {
    uint256 count = o.count;
    uint256 width = o.width;
    uint256 base;
    {
      uint256 start = o.start;
      assembly ("memory-safe") {
        base := add(report.offset, start)
      }
    }
    int256 previous = _observation(base, width, 0);
    for (uint256 i = 1; i < count; ++i) {
      int256 v = _observation(base, width, i);
      if (v < previous) revert ObservationsNotSorted(o.feedIndex, i);
      previous = v;
    }
    // count >= 3, so no index underflows; all values are within int128, so sums and differences
    // cannot overflow int256.
    unchecked {
      uint256 highMid = count / 2;
      int256 high = _observation(base, width, highMid);
      answer = count % 2 == 1 ? high : (_observation(base, width, highMid - 1) + high) >> 1;
      int256 q1 = _observation(base, width, (count - 1) / 4);
      int256 q3 = _observation(base, width, (3 * (count - 1) + 3) / 4);
      uint256 halfIqr = uint256(q3 - q1) / 2;
      confidence = halfIqr > UINT64_MAX ? UINT64_MAX : halfIqr;
    }
  }

  /// @dev Observation i: `width` big-endian bytes at base + i * width, sign-extended. The caller
  /// checked width in 1..16 and that the bytes lie inside the report.
  function _observation(uint256 base, uint256 width, uint256 i) private pure returns (int256 v) {
    assembly ("memory-safe") {
      v := signextend(sub(width, 1), shr(sub(256, mul(8, width)), calldataload(add(base, mul(i, width)))))
    }
  }

  /// @dev Reverts if answer is outside the feed's bounds (read from the config store).
  function _checkBounds(Committee memory c, uint256 feedIndex, int256 answer) private view {
    address store = c.store;
    uint256 offset = 1 + STORE_HEADER_BYTES + 40 * c.n + 32 * feedIndex;
    int256 minAnswer;
    int256 maxAnswer;
    assembly ("memory-safe") {
      // The store account is warm: one 32-byte copy into scratch space.
      extcodecopy(store, 0x00, offset, 32)
      let w := mload(0x00)
      minAnswer := sar(128, w)
      maxAnswer := signextend(15, w)
    }
    if (answer < minAnswer || answer > maxAnswer) revert AnswerOutOfBounds(feedIndex, answer, minAnswer, maxAnswer);
  }

  // ----------------------------------------------------------------------------------------------
  // Reads: feed selection
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

  /// @dev Splits an aggregator round id and returns the stored round if it is still held.
  function _storedRound(uint256 roundId) private view returns (bool ok, uint256 feedIndex, uint256 slot) {
    feedIndex = roundId >> ROUND_BITS;
    uint256 round = roundId & UINT32_MASK;
    if (feedIndex >= MAX_FEEDS || round == 0) return (false, feedIndex, 0);
    uint256 newest = s_latest[feedIndex] & UINT32_MASK;
    // Held: newest - HISTORY_SIZE < round <= newest.
    if (round > newest || newest - round >= HISTORY_SIZE) return (false, feedIndex, 0);
    return (true, feedIndex, s_history[feedIndex][round % HISTORY_SIZE]);
  }

  function _feedMeta(uint256 feedIndex) private view returns (FeedMeta storage) {
    if (feedIndex >= s_feeds.length) revert UnknownFeed(feedIndex);
    return s_feeds[feedIndex];
  }

  // ----------------------------------------------------------------------------------------------
  // Reads: AggregatorV3Interface
  // ----------------------------------------------------------------------------------------------

  /// @notice Latest round of feed 0, or of the feed in a trailing word. All zeros before the
  /// feed's first report. startedAt = observations timestamp, updatedAt = transmission time.
  function latestRoundData()
    external
    view
    override
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    uint256 feedIndex = _trailingFeed();
    uint256 latest = s_latest[feedIndex];
    uint256 round = latest & UINT32_MASK;
    if (round == 0) return (0, 0, 0, 0, 0);
    roundId = uint80((feedIndex << ROUND_BITS) | round);
    answer = int128(uint128(latest >> 96));
    startedAt = (latest >> 32) & UINT32_MASK;
    updatedAt = (latest >> 64) & UINT32_MASK;
    answeredInRound = roundId;
  }

  /// @notice A held round (the last HISTORY_SIZE of its feed); the feed is in the round id.
  function getRoundData(
    uint80 roundId_
  )
    external
    view
    override
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    (bool ok, uint256 feedIndex, uint256 slot) = _storedRound(roundId_);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId_);
    roundId = roundId_;
    answer = int128(uint128(slot >> 128));
    startedAt = slot & UINT32_MASK;
    updatedAt = (slot >> 32) & UINT32_MASK;
    answeredInRound = roundId_;
  }

  /// @inheritdoc IQuorumAggregator
  function latestConfidence() external view override returns (uint80 roundId, uint256 confidence) {
    uint256 feedIndex = _trailingFeed();
    uint256 round = s_latest[feedIndex] & UINT32_MASK;
    if (round == 0) return (0, 0);
    roundId = uint80((feedIndex << ROUND_BITS) | round);
    confidence = (s_history[feedIndex][round % HISTORY_SIZE] >> 64) & UINT64_MAX;
  }

  /// @inheritdoc IQuorumAggregator
  function getConfidence(uint80 roundId) external view override returns (uint256 confidence) {
    (bool ok, uint256 feedIndex, uint256 slot) = _storedRound(roundId);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId);
    return (slot >> 64) & UINT64_MAX;
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

  // ----------------------------------------------------------------------------------------------
  // Reads: AggregatorInterface (v2)
  // ----------------------------------------------------------------------------------------------

  /// @notice Latest answer (0 before the first report).
  function latestAnswer() external view override returns (int256) {
    return int128(uint128(s_latest[_trailingFeed()] >> 96));
  }

  /// @notice Latest transmission timestamp (0 before the first report).
  function latestTimestamp() external view override returns (uint256) {
    return (s_latest[_trailingFeed()] >> 64) & UINT32_MASK;
  }

  /// @notice Latest aggregator round id (0 before the first report).
  function latestRound() external view override returns (uint256) {
    uint256 feedIndex = _trailingFeed();
    uint256 round = s_latest[feedIndex] & UINT32_MASK;
    return round == 0 ? 0 : (feedIndex << ROUND_BITS) | round;
  }

  /// @notice Answer of a held round, 0 otherwise (as Chainlink's v2 interface).
  function getAnswer(uint256 roundId) external view override returns (int256) {
    (bool ok, , uint256 slot) = _storedRound(roundId);
    return ok ? int256(int128(uint128(slot >> 128))) : int256(0);
  }

  /// @notice Transmission timestamp of a held round, 0 otherwise.
  function getTimestamp(uint256 roundId) external view override returns (uint256) {
    (bool ok, , uint256 slot) = _storedRound(roundId);
    return ok ? (slot >> 32) & UINT32_MASK : 0;
  }

  // ----------------------------------------------------------------------------------------------
  // Reads: config and metadata
  // ----------------------------------------------------------------------------------------------

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
    epochAndRound = s_hot.latestEpochAndRound;
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
  function feedInfo(
    uint256 feedIndex
  ) external view override returns (uint8, string memory, int128, int128) {
    FeedMeta storage m = _feedMeta(feedIndex);
    return (m.decimals, m.description, m.minAnswer, m.maxAnswer);
  }

  /// @inheritdoc IQuorumAggregator
  function historySize() external pure override returns (uint256) {
    return HISTORY_SIZE;
  }

  /// @inheritdoc IQuorumAggregator
  function domainSeparator() external view override returns (bytes32) {
    return _domainSeparator();
  }

  /// @inheritdoc IQuorumAggregator
  function typeAndVersion() external pure override returns (string memory) {
    return "QuorumAggregator 1.0.0";
  }

  /// @dev The cached separator, recomputed only if the chain id changed (a fork).
  function _domainSeparator() private view returns (bytes32) {
    return block.chainid == i_chainId ? i_domainSeparator : _buildDomainSeparator();
  }

  function _buildDomainSeparator() private view returns (bytes32) {
    return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
  }
}
