// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";

/// @title ReferenceAggregator (test only)
/// @notice QuorumAggregator in plain Solidity, without assembly, packing or config store: the
/// reference the randomized suite runs side by side with the optimized contract, expecting the
/// same return data, the same revert data and the same events for every call. It signs and
/// digests as if it were deployed at `identity` (the optimized contract's address), so one report
/// and one set of signatures serve both.
contract ReferenceAggregator is IQuorumAggregator, Ownable {
  struct Round {
    int256 answer;
    uint256 confidence;
    uint256 startedAt;
    uint256 updatedAt;
  }

  struct Feed {
    uint8 decimals;
    string description;
    int128 minAnswer;
    int128 maxAnswer;
    uint32 maxReportAge;
    uint256 round;
    uint40 epochAndRound;
    mapping(uint256 => Round) rounds;
    bool refused;
    uint256 refusedRound;
    int256 refusedMedian;
    uint256 refusedSince;
  }

  struct Entry {
    uint256 feed;
    int256[] values;
  }

  address public immutable identity;
  bytes32 private s_digest;
  uint32 private s_configCount;
  uint32 private s_configBlock;
  uint8 private s_f;
  address[] private s_signers;
  address[] private s_transmitters;
  Feed[] private s_feeds;

  constructor(address owner, address identity_) Ownable(owner) {
    identity = identity_;
  }

  function setConfig(
    address[] calldata signers,
    address[] calldata transmitters,
    uint8 f,
    bytes calldata offchainConfig
  ) external onlyOwner {
    uint256 n = signers.length;
    if (n == 0 || n > 31 || transmitters.length != n) revert InvalidOracleCount(n, transmitters.length);
    if (f == 0 || 3 * uint256(f) >= n) revert InvalidFaultTolerance(f, n);
    for (uint256 i = 0; i < n; ++i) {
      if (signers[i] == address(0) || transmitters[i] == address(0)) revert ZeroAddress(i);
      for (uint256 j = 0; j < i; ++j) {
        if (signers[j] == signers[i]) revert DuplicateSignerAddress(signers[i]);
        if (transmitters[j] == transmitters[i]) revert DuplicateTransmitterAddress(transmitters[i]);
      }
    }
    s_configCount += 1;
    s_digest = keccak256(
      abi.encode(block.chainid, identity, uint64(s_configCount), signers, transmitters, f, offchainConfig)
    );
    (s_signers, s_transmitters, s_f) = (signers, transmitters, f);
    for (uint256 i = 0; i < s_feeds.length; ++i) s_feeds[i].epochAndRound = 0;
    uint32 previous = s_configBlock;
    s_configBlock = uint32(block.number);
    emit ConfigSet(previous, s_digest, s_configCount, signers, transmitters, f, offchainConfig);
  }

  function addFeed(
    uint8 decimals_,
    string calldata description_,
    int128 minAnswer,
    int128 maxAnswer
  ) external onlyOwner returns (uint256 feedIndex) {
    if (minAnswer >= maxAnswer) revert InvalidBounds(minAnswer, maxAnswer);
    feedIndex = s_feeds.length;
    if (feedIndex == 256) revert TooManyFeeds(256);
    Feed storage feed = s_feeds.push();
    (feed.decimals, feed.description, feed.minAnswer, feed.maxAnswer, feed.maxReportAge) = (
      decimals_,
      description_,
      minAnswer,
      maxAnswer,
      300
    );
    emit FeedAdded(feedIndex, decimals_, description_, minAnswer, maxAnswer);
  }

  function setMaxReportAge(uint256 feedIndex, uint32 maxAgeSeconds) external onlyOwner {
    Feed storage feed = _feed(feedIndex);
    if (maxAgeSeconds == 0) revert InvalidMaxReportAge(maxAgeSeconds);
    feed.maxReportAge = maxAgeSeconds;
    emit MaxReportAgeSet(feedIndex, maxAgeSeconds);
  }

  function transmit(bytes calldata report, bytes calldata signatures) external {
    if (s_configCount == 0) revert ConfigNotSet();
    bool isTransmitter = false;
    for (uint256 i = 0; i < s_transmitters.length; ++i) if (s_transmitters[i] == msg.sender) isTransmitter = true;
    if (!isTransmitter) revert UnauthorizedTransmitter(msg.sender);
    if (report.length < 42) revert MalformedReport(report.length);
    if (bytes32(report[0:32]) != s_digest) revert ConfigDigestMismatch(s_digest, bytes32(report[0:32]));
    uint40 er = uint40(bytes5(report[32:37]));
    uint256 ts = uint32(bytes4(report[37:41]));
    if (ts > block.timestamp + 5) revert FutureReport(uint32(ts), block.timestamp);
    _checkSignatures(report, signatures);
    Entry[] memory entries = _parse(report);
    uint256 startedAt = ts < block.timestamp ? ts : block.timestamp;
    bool[] memory refused = new bool[](entries.length);
    for (uint256 k = 0; k < entries.length; ++k) refused[k] = _apply(entries[k], er, startedAt, entries.length == 1);
    for (uint256 k = 0; k < entries.length; ++k)
      if (refused[k]) _refuse(entries[k].feed, _median(entries[k].values), er);
    emit NewTransmission(msg.sender, report);
  }

  function _checkSignatures(bytes calldata report, bytes calldata signatures) private view {
    uint256 n = s_signers.length;
    if (signatures.length % 65 != 0) revert MalformedSignatures(signatures.length);
    uint256 count = signatures.length / 65;
    if (count <= s_f || count > n) revert WrongSignatureCount(count, s_f + 1, n);
    bytes32 digest = keccak256(
      abi.encodePacked(
        hex"1901",
        domainSeparator(),
        keccak256(abi.encode(keccak256("Report(bytes report)"), keccak256(report)))
      )
    );
    bool[] memory seen = new bool[](n);
    for (uint256 i = 0; i < count; ++i) {
      uint256 index = uint8(signatures[i * 65]);
      if (index >= n) revert SignerOutOfRange(index);
      if (seen[index]) revert DuplicateSigner(index);
      seen[index] = true;
      bytes32 r = bytes32(signatures[i * 65 + 1:i * 65 + 33]);
      bytes32 vs = bytes32(signatures[i * 65 + 33:i * 65 + 65]);
      (address recovered, , ) = ECDSA.tryRecover(digest, r, vs);
      if (recovered != s_signers[index]) revert InvalidSignature(index, recovered);
    }
  }

  /// @dev The layout of every entry, in report order, then nothing after the last; then, per
  /// entry, its observers (each < n, then distinct) and the order of its observations.
  function _parse(bytes calldata report) private view returns (Entry[] memory entries) {
    uint256 count = uint8(report[41]);
    if (count == 0) revert MalformedReport(41);
    entries = new Entry[](count);
    uint256[] memory observersAt = new uint256[](count);
    uint256 n = s_signers.length;
    uint256 at = 42;
    for (uint256 k = 0; k < count; ++k) {
      if (at + 2 > report.length) revert MalformedReport(at);
      uint256 feed = uint8(report[at]);
      uint256 m = uint8(report[at + 1]);
      if (feed >= s_feeds.length) revert UnknownFeed(feed);
      if (k > 0 && feed <= entries[k - 1].feed) revert FeedsNotAscending(entries[k - 1].feed, feed);
      if (m < 2 * uint256(s_f) + 1 || m > n) revert WrongObservationCount(feed, m, 2 * uint256(s_f) + 1, n);
      at += 2;
      if (at + m + 1 > report.length) revert MalformedReport(at);
      observersAt[k] = at;
      uint256 width = uint8(report[at + m]);
      if (width == 0 || width > 15) revert InvalidObservationWidth(feed, width);
      at += m + 1;
      if (at + m * width > report.length) revert MalformedReport(at);
      entries[k] = Entry({feed: feed, values: new int256[](m)});
      for (uint256 i = 0; i < m; ++i) entries[k].values[i] = _signed(report[at + i * width:at + (i + 1) * width]);
      at += m * width;
    }
    if (at != report.length) revert MalformedReport(at);
    for (uint256 k = 0; k < count; ++k) _checkEntry(report, observersAt[k], entries[k], n);
  }

  function _checkEntry(bytes calldata report, uint256 at, Entry memory e, uint256 n) private pure {
    uint256 m = e.values.length;
    for (uint256 i = 0; i < m; ++i)
      if (uint8(report[at + i]) >= n) revert ObserverOutOfRange(e.feed, uint8(report[at + i]));
    for (uint256 i = 0; i < m; ++i) {
      for (uint256 j = 0; j < i; ++j)
        if (report[at + j] == report[at + i]) revert DuplicateObserver(e.feed, uint8(report[at + i]));
    }
    for (uint256 i = 1; i < m; ++i) if (e.values[i] < e.values[i - 1]) revert ObservationsNotSorted(e.feed, i);
  }

  /// @dev Big-endian two's complement bytes as a signed integer.
  function _signed(bytes calldata b) private pure returns (int256) {
    uint256 u = 0;
    for (uint256 i = 0; i < b.length; ++i) u = (u << 8) | uint8(b[i]);
    return u >= 1 << (8 * b.length - 1) ? int256(u) - int256(1 << (8 * b.length)) : int256(u);
  }

  function _median(int256[] memory v) private pure returns (int256) {
    uint256 half = v.length / 2;
    return v.length % 2 == 1 ? v[half] : (v[half - 1] + v[half]) >> 1;
  }

  function _confidence(int256[] memory v) private pure returns (uint256) {
    uint256 c = uint256(v[(3 * v.length) / 4] - v[(v.length - 1) / 4]) / 2;
    return c > type(uint72).max ? type(uint72).max : c;
  }

  /// @dev Freshness, then the round or (returns true) a refusal.
  function _apply(Entry memory e, uint40 er, uint256 startedAt, bool single) private returns (bool refused) {
    Feed storage feed = s_feeds[e.feed];
    if (er <= feed.epochAndRound) revert StaleReport(e.feed, feed.epochAndRound, er);
    uint256 latestStarted = feed.round == 0 ? 0 : feed.rounds[feed.round].startedAt;
    if (startedAt < latestStarted)
      revert ObservationsTimestampDecreased(e.feed, uint32(latestStarted), uint32(startedAt));
    uint256 age = block.timestamp - startedAt;
    if (age > feed.maxReportAge) revert ReportTooOld(e.feed, uint32(startedAt), block.timestamp, feed.maxReportAge);
    feed.epochAndRound = er;
    int256 answer = _median(e.values);
    if (answer < feed.minAnswer || answer > feed.maxAnswer) return true;
    feed.round += 1;
    feed.rounds[feed.round] = Round(answer, _confidence(e.values), startedAt, block.timestamp);
    uint256 roundId = (e.feed << 32) | feed.round;
    emit AnswerUpdated(answer, roundId, block.timestamp);
    if (single) emit NewRound(roundId, msg.sender, startedAt);
  }

  function _refuse(uint256 feedIndex, int256 median, uint40 er) private {
    Feed storage feed = s_feeds[feedIndex];
    bool active = feed.refused && feed.refusedRound == feed.round;
    if (!active) feed.refusedSince = block.timestamp;
    (feed.refused, feed.refusedRound, feed.refusedMedian) = (true, feed.round, median);
    emit MedianOutOfBounds(feedIndex, median, feed.minAnswer, feed.maxAnswer, er);
  }

  // ----------------------------------------------------------------------------------------------
  // Reads
  // ----------------------------------------------------------------------------------------------

  function _feed(uint256 feedIndex) private view returns (Feed storage) {
    if (feedIndex >= s_feeds.length) revert UnknownFeed(feedIndex);
    return s_feeds[feedIndex];
  }

  /// @dev Feed 0, or the trailing word's feed (< 256).
  function _trailing() private pure returns (uint256 feedIndex) {
    if (msg.data.length >= 36) {
      feedIndex = abi.decode(msg.data[4:36], (uint256));
      if (feedIndex >= 256) revert UnknownFeed(feedIndex);
    }
  }

  /// @dev Latest round of a feed index < 256 (zeros for a feed without rounds or not added).
  function _latest(uint256 feedIndex) private view returns (uint80, int256, uint256, uint256, uint80) {
    if (feedIndex >= s_feeds.length || s_feeds[feedIndex].round == 0) return (0, 0, 0, 0, 0);
    Feed storage feed = s_feeds[feedIndex];
    Round storage r = feed.rounds[feed.round];
    uint80 roundId = uint80((feedIndex << 32) | feed.round);
    return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
  }

  /// @dev A held round: one of the last 64 of its feed.
  function _held(uint256 roundId) private view returns (bool ok, uint256 feedIndex, Round memory r) {
    feedIndex = roundId >> 32;
    uint256 round = roundId & 0xffffffff;
    if (feedIndex >= s_feeds.length || round == 0) return (false, feedIndex, r);
    uint256 newest = s_feeds[feedIndex].round;
    if (round > newest || newest - round >= 64) return (false, feedIndex, r);
    return (true, feedIndex, s_feeds[feedIndex].rounds[round]);
  }

  function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
    return _latest(_trailing());
  }

  fallback(bytes calldata input) external returns (bytes memory) {
    // No data, exactly as the optimized contract.
    // solhint-disable-next-line gas-custom-errors
    if (input.length != 1) revert();
    (uint80 a, int256 b, uint256 c, uint256 d, uint80 e) = _latest(uint8(input[0]));
    return abi.encode(a, b, c, d, e);
  }

  function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
    (bool ok, uint256 feedIndex, Round memory r) = _held(roundId);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId);
    return (roundId, r.answer, r.startedAt, r.updatedAt, roundId);
  }

  function latestConfidence() external view returns (uint80 roundId, uint256 confidence) {
    uint256 feedIndex = _trailing();
    if (feedIndex >= s_feeds.length || s_feeds[feedIndex].round == 0) return (0, 0);
    Feed storage feed = s_feeds[feedIndex];
    return (uint80((feedIndex << 32) | feed.round), feed.rounds[feed.round].confidence);
  }

  function getConfidence(uint80 roundId) external view returns (uint256) {
    (bool ok, uint256 feedIndex, Round memory r) = _held(roundId);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId);
    return r.confidence;
  }

  function latestAnswer() external view returns (int256 answer) {
    (, answer, , , ) = _latest(_trailing());
  }

  function latestTimestamp() external view returns (uint256 updatedAt) {
    (, , , updatedAt, ) = _latest(_trailing());
  }

  function latestRound() external view returns (uint256 roundId) {
    (roundId, , , , ) = _latest(_trailing());
  }

  function getAnswer(uint256 roundId) external view returns (int256) {
    (bool ok, , Round memory r) = _held(roundId);
    return ok ? r.answer : int256(0);
  }

  function getTimestamp(uint256 roundId) external view returns (uint256) {
    (bool ok, , Round memory r) = _held(roundId);
    return ok ? r.updatedAt : 0;
  }

  function decimals() external view returns (uint8) {
    return _feed(_trailing()).decimals;
  }

  function description() external view returns (string memory) {
    return _feed(_trailing()).description;
  }

  function version() external pure returns (uint256) {
    return 1;
  }

  function latestConfigDetails() external view returns (uint32, uint32, bytes32) {
    return (s_configCount, s_configBlock, s_digest);
  }

  function latestTransmissionDetails() external view returns (bytes32, uint32, uint8, uint40 epochAndRound) {
    for (uint256 i = 0; i < s_feeds.length; ++i)
      if (s_feeds[i].epochAndRound > epochAndRound) epochAndRound = s_feeds[i].epochAndRound;
    return (s_digest, uint32(epochAndRound >> 8), uint8(epochAndRound), epochAndRound);
  }

  function getOracles() external view returns (address[] memory, address[] memory, uint8) {
    return (s_signers, s_transmitters, s_f);
  }

  function feedCount() external view returns (uint256) {
    return s_feeds.length;
  }

  function feedInfo(uint256 feedIndex) external view returns (uint8, string memory, int128, int128) {
    Feed storage feed = _feed(feedIndex);
    return (feed.decimals, feed.description, feed.minAnswer, feed.maxAnswer);
  }

  function maxReportAge(uint256 feedIndex) external view returns (uint32) {
    return _feed(feedIndex).maxReportAge;
  }

  function outOfBounds(uint256 feedIndex) external view returns (bool, int256, uint256) {
    Feed storage feed = _feed(feedIndex);
    if (!feed.refused || feed.refusedRound != feed.round) return (false, 0, 0);
    return (true, feed.refusedMedian, feed.refusedSince);
  }

  function historySize() external pure returns (uint256) {
    return 64;
  }

  function domainSeparator() public view returns (bytes32) {
    bytes32 typeHash = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    return keccak256(abi.encode(typeHash, keccak256("QuorumAggregator"), keccak256("1"), block.chainid, identity));
  }

  function typeAndVersion() external pure returns (string memory) {
    return "QuorumAggregator 1.0.0";
  }
}
