// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
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
/// - Each feed's latest slot also holds the epoch-and-round of its last report: replay protection
///   is per feed and costs no extra slot.
/// - Feeds without bounds skip the bounds read; batched reports skip NewRound (AnswerUpdated and
///   NewTransmission carry everything it would).
/// - Aggregator round ids are feedIndex << 32 | round; feed 0's ids are plain round numbers.
/// - One calldata byte, a feed index, answers that feed's latestRoundData from the fallback,
///   before any selector comparison: FeedProxy's read skips this contract's dispatcher.
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
  /// @dev Widest observation: answers are stored as int120 (±6.6e35 feed units).
  uint256 private constant MAX_OBSERVATION_BYTES = 15;
  /// @dev Config store header after its leading STOP byte: digest(32) n(1) f(1) feedCount(2)
  /// boundedFeeds(32).
  uint256 private constant STORE_HEADER_BYTES = 68;
  /// @dev Code offset of the first feed's bounds, before the 40n bytes of members: 1 + header.
  uint256 private constant STORE_BOUNDS_OFFSET = 69;
  /// @dev Latest slot pre-fill: round 0 (no data) with transmission timestamp 1, so the first
  /// report overwrites a non-zero slot.
  uint256 private constant LATEST_PREFILL = 1 << 64;
  /// @dev Ring slot pre-fill: any non-zero value; validity comes from the round range, not content.
  uint256 private constant HISTORY_PREFILL = 1;
  /// @dev Bit offsets in the latest slot (see s_latest).
  uint256 private constant LATEST_ER_SHIFT = 96;
  uint256 private constant LATEST_ANSWER_SHIFT = 136;
  /// @dev Bit offsets in a ring slot (see s_history).
  uint256 private constant HISTORY_CONFIDENCE_SHIFT = 64;
  uint256 private constant HISTORY_ANSWER_SHIFT = 136;
  uint256 private constant EPOCH_AND_ROUND_MASK = 0xffffffffff;
  /// @dev Confidence is stored in 72 bits; wider dispersion saturates (overstating it, never less).
  uint256 private constant CONFIDENCE_MAX = 0xffffffffffffffffff;
  uint256 private constant UINT32_MASK = 0xffffffff;
  uint256 private constant ADDRESS_MASK = 0x00ffffffffffffffffffffffffffffffffffffffff;

  // Error selectors and event topics used inside assembly (which only takes number literals):
  // keccak256 of the signatures declared in IQuorumAggregator / AggregatorInterface. The tests
  // decode every one of these errors and events by name, so a wrong constant fails them.
  uint256 private constant E_MALFORMED_REPORT = 0x1a189c02;
  uint256 private constant E_UNKNOWN_FEED = 0x7ba8f9f8;
  uint256 private constant E_FEEDS_NOT_ASCENDING = 0x216a2655;
  uint256 private constant E_WRONG_OBSERVATION_COUNT = 0x6338ecf3;
  uint256 private constant E_OBSERVER_OUT_OF_RANGE = 0xd64f86f4;
  uint256 private constant E_DUPLICATE_OBSERVER = 0xadd7f353;
  uint256 private constant E_INVALID_OBSERVATION_WIDTH = 0xc19208a3;
  uint256 private constant E_OBSERVATIONS_NOT_SORTED = 0xd7b63637;
  uint256 private constant E_ANSWER_OUT_OF_BOUNDS = 0x9b0705e7;
  uint256 private constant E_OBSERVATIONS_TIMESTAMP_DECREASED = 0x868c3594;
  uint256 private constant E_STALE_REPORT = 0x14370f2c;
  uint256 private constant E_SIGNER_OUT_OF_RANGE = 0x2d17323c;
  uint256 private constant E_DUPLICATE_SIGNER = 0x9f4f72e1;
  uint256 private constant E_INVALID_SIGNATURE = 0x35f8d429;
  /// @dev secp256k1 order / 2: larger s values are the malleable twins of valid signatures.
  uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
  /// @dev s is the low 255 bits of an EIP-2098 yParityAndS word.
  uint256 private constant S_MASK = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff;
  uint256 private constant TOPIC_ANSWER_UPDATED = 0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f;
  uint256 private constant TOPIC_NEW_ROUND = 0x0109fc6f55cf40689f02fbaad7af7fe7bbac8a3d2186600afc7d3e10cac60271;
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

  /// @dev Read on every transmit, written only by setConfig/addFeed. One slot.
  struct HotVars {
    address configStore;
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
  /// epochAndRound(96..135) answer int120(136..255). The epoch-and-round of the feed's latest
  /// report lives here, so replay protection costs no extra slot; setConfig zeroes it.
  uint256[MAX_FEEDS] internal s_latest;
  /// @dev Per feed, ring by round % HISTORY_SIZE: observationsTimestamp(0..31)
  /// transmissionTimestamp(32..63) confidence uint72(64..135) answer int120(136..255).
  uint256[HISTORY_SIZE][MAX_FEEDS] internal s_history;

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
    s_hot = HotVars({configStore: _writeConfigStore(), configCount: configCount});
    // Epoch-and-round restarts under the new digest: clear every feed's.
    uint256 feeds = s_feeds.length;
    for (uint256 i = 0; i < feeds; ++i) {
      s_latest[i] &= ~(EPOCH_AND_ROUND_MASK << LATEST_ER_SHIFT);
    }
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
    s_latest[feedIndex] = LATEST_PREFILL;
    for (uint256 i = 0; i < HISTORY_SIZE; ++i) {
      s_history[feedIndex][i] = HISTORY_PREFILL;
    }
    // The bounds live in the config store: rewrite it if a config is active (setConfig writes
    // it otherwise). The digest does not change; reports name feeds by index.
    if (s_hot.configStore != address(0)) s_hot.configStore = _writeConfigStore();
    emit FeedAdded(feedIndex, decimals_, description_, minAnswer, maxAnswer);
  }

  /// @dev Deploys the config store: a contract whose code is
  /// 0x00 ‖ digest(32) ‖ n(1) ‖ f(1) ‖ feedCount(2) ‖ boundedFeeds(32) ‖ signers(20n) ‖
  /// transmitters(20n) ‖ feedCount x (minAnswer int128 ‖ maxAnswer int128). The leading STOP
  /// makes calls to it no-ops. Feeds without bounds (the full int128 range) have their bit clear
  /// in boundedFeeds, so transmit skips reading their bounds.
  function _writeConfigStore() private returns (address store) {
    address[] memory signers = s_signers;
    address[] memory transmitters = s_transmitters;
    uint256 n = signers.length;
    uint256 feeds = s_feeds.length;
    // Bit i set: feed i has bounds to check (anything but the full int128 range).
    uint256 boundedFeeds = 0;
    for (uint256 i = 0; i < feeds; ++i) {
      if (s_feeds[i].minAnswer != type(int128).min || s_feeds[i].maxAnswer != type(int128).max) boundedFeeds |= 1 << i;
    }
    bytes memory data = abi.encodePacked(bytes1(0), s_configDigest, uint8(n), s_f, uint16(feeds), boundedFeeds);
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
  //
  // The hot path passes the committee and header around as one packed stack word ("ctx") instead
  // of a memory struct: n(0..7) f(8..15) feedCount(16..31) observationsTimestamp(32..63)
  // epochAndRound(64..103).
  // Signers and transmitters sit in memory at `members` (20 bytes each, signers first).

  /// @inheritdoc IQuorumAggregator
  function transmit(bytes calldata report, bytes calldata signatures) external override {
    address store = s_hot.configStore;
    if (store == address(0)) revert ConfigNotSet();
    (bytes32 digest, uint256 ctx, uint256 members, uint256 boundedFeeds) = _loadCommittee(store);
    _checkTransmitter(members, ctx & 0xff);
    ctx |= _checkHeader(report, digest);
    _verifySignatures(_reportDigest(report), signatures, members, ctx);
    _applyFeeds(report, ctx, boundedFeeds);
    emit NewTransmission(msg.sender, report);
  }

  /// @dev Copies the committee out of the config store (two EXTCODECOPYs, the second warm).
  /// Returns the digest, ctx (n, f, feedCount), the memory address of the members and the
  /// bitmap of feeds with bounds.
  function _loadCommittee(
    address store
  ) private view returns (bytes32 digest, uint256 ctx, uint256 members, uint256 boundedFeeds) {
    assembly ("memory-safe") {
      members := mload(0x40)
      // Header: skip the STOP byte, read digest(32) n(1) f(1) feedCount(2) boundedFeeds(32).
      extcodecopy(store, members, 1, STORE_HEADER_BYTES)
      digest := mload(members)
      boundedFeeds := mload(add(members, 36))
      let w := shr(224, mload(add(members, 32)))
      let n := shr(24, w)
      ctx := or(n, or(shl(8, and(shr(16, w), 0xff)), shl(16, and(w, 0xffff))))
      // Signers then transmitters, 20 bytes each, overwrite the header in memory.
      let len := mul(40, n)
      extcodecopy(store, members, add(1, STORE_HEADER_BYTES), len)
      // Reserve the copied bytes rounded up to a word, plus one word: 20-byte members are read
      // with 32-byte mloads that may run past the end.
      mstore(0x40, add(members, and(add(len, 63), not(31))))
    }
  }

  /// @dev Reverts unless msg.sender is one of the n transmitters.
  function _checkTransmitter(uint256 members, uint256 n) private view {
    bool found;
    assembly ("memory-safe") {
      let t := add(members, mul(20, n))
      let last := add(t, mul(20, n))
      for {} lt(t, last) {
        t := add(t, 20)
      } {
        // Each transmitter is the top 20 bytes of the word at t.
        if eq(shr(96, mload(t)), caller()) {
          found := 1
          break
        }
      }
    }
    if (!found) revert UnauthorizedTransmitter(msg.sender);
  }

  /// @dev Checks the report's length, config digest and timestamp; returns the ctx bits of the
  /// observations timestamp and epoch-and-round. Freshness is per feed (in _applyFeeds).
  function _checkHeader(bytes calldata report, bytes32 digest) private view returns (uint256 headerBits) {
    if (report.length < REPORT_HEADER_BYTES) revert MalformedReport(report.length);
    bytes32 reportConfigDigest;
    uint256 observationsTimestamp;
    uint256 er;
    assembly ("memory-safe") {
      // Fixed-offset big-endian fields (length checked above): digest at 0, epochAndRound (5
      // bytes) at 32, observationsTimestamp (4 bytes) at 37.
      reportConfigDigest := calldataload(report.offset)
      er := shr(216, calldataload(add(report.offset, 32)))
      observationsTimestamp := shr(224, calldataload(add(report.offset, 37)))
    }
    if (reportConfigDigest != digest) revert ConfigDigestMismatch(digest, reportConfigDigest);
    if (observationsTimestamp > block.timestamp + MAX_FUTURE_SKEW_SECONDS) {
      revert FutureReport(uint32(observationsTimestamp), block.timestamp);
    }
    return (observationsTimestamp << 32) | (er << 64);
  }

  /// @dev EIP-712 digest of Report(bytes report) in this contract's domain.
  function _reportDigest(bytes calldata report) private view returns (bytes32 digest) {
    bytes32 separator = _domainSeparator();
    bytes32 typeHash = REPORT_TYPEHASH;
    assembly ("memory-safe") {
      let ptr := mload(0x40)
      calldatacopy(ptr, report.offset, report.length)
      // structHash = keccak256(abi.encode(REPORT_TYPEHASH, keccak256(report))) in scratch space.
      mstore(0x20, keccak256(ptr, report.length))
      mstore(0x00, typeHash)
      let structHash := keccak256(0x00, 0x40)
      // keccak256("\x19\x01" ‖ separator ‖ structHash), laid out in free memory.
      mstore(ptr, 0x1901000000000000000000000000000000000000000000000000000000000000)
      mstore(add(ptr, 2), separator)
      mstore(add(ptr, 34), structHash)
      digest := keccak256(ptr, 66)
    }
  }

  /// @dev Checks f+1..n entries of distinct configured signers, each a valid signature of digest.
  /// An entry is signerIndex(1) ‖ r(32) ‖ yParityAndS(32) (EIP-2098 compact form). One assembly
  /// loop calling the ecrecover precompile directly: per signature it costs the precompile plus
  /// about a hundred gas, where a library call costs several hundred more. Like OpenZeppelin's
  /// ECDSA it refuses s in the upper half of the curve order (the malleable twin of a valid
  /// signature); an invalid signature recovers address(0), which is never a configured signer.
  function _verifySignatures(bytes32 digest, bytes calldata signatures, uint256 members, uint256 ctx) private view {
    uint256 n = ctx & 0xff;
    uint256 f = (ctx >> 8) & 0xff;
    uint256 len = signatures.length;
    if (len % SIGNATURE_BYTES != 0) revert MalformedSignatures(len);
    uint256 count = len / SIGNATURE_BYTES;
    // Cannot overflow: f < 11.
    unchecked {
      if (count <= f || count > n) revert WrongSignatureCount(count, f + 1, n);
    }
    assembly ("memory-safe") {
      // Reverts with error `sel`, the signer index and, if withAddress, the recovered address,
      // laid out in free memory (the free memory pointer's own slot stays untouched).
      function fail(sel, signerIndex, recovered, withAddress) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), signerIndex)
        mstore(add(ptr, 0x24), recovered)
        revert(ptr, add(0x24, mul(0x20, withAddress)))
      }
      // The precompile's input, digest ‖ v ‖ r ‖ s, in free memory (nothing allocates before
      // the loop ends, so the free memory pointer stays where it is).
      let input := mload(0x40)
      mstore(input, digest)
      let seen := 0
      let end := add(signatures.offset, len)
      for {
        let at := signatures.offset
      } lt(at, end) {
        at := add(at, SIGNATURE_BYTES)
      } {
        let signerIndex := byte(0, calldataload(at))
        if iszero(lt(signerIndex, n)) {
          fail(E_SIGNER_OUT_OF_RANGE, signerIndex, 0, 0)
        }
        if and(shr(signerIndex, seen), 1) {
          fail(E_DUPLICATE_SIGNER, signerIndex, 0, 0)
        }
        seen := or(seen, shl(signerIndex, 1))
        let vs := calldataload(add(at, 33))
        let s := and(vs, S_MASK)
        let recovered := 0
        if iszero(gt(s, HALF_CURVE_ORDER)) {
          mstore(add(input, 0x20), add(27, shr(255, vs)))
          mstore(add(input, 0x40), calldataload(add(at, 1)))
          mstore(add(input, 0x60), s)
          // The precompile returns no data for an invalid signature: clear the output word.
          mstore(0x00, 0)
          if iszero(staticcall(gas(), 0x01, input, 0x80, 0x00, 0x20)) {
            revert(0x00, 0x00)
          }
          recovered := mload(0x00)
        }
        // Signer signerIndex is the top 20 bytes of the word at members + 20 * signerIndex.
        if iszero(eq(recovered, shr(96, mload(add(members, mul(20, signerIndex)))))) {
          fail(E_INVALID_SIGNATURE, signerIndex, recovered, 1)
        }
      }
    }
  }

  /// @dev Applies every feed entry of the report: checks it, computes the median and confidence,
  /// writes the feed's latest slot and history ring slot, emits AnswerUpdated (and NewRound for a
  /// single-feed report). The entries must end exactly at the end of the report.
  ///
  /// One assembly block, because this loop is what every extra feed in a batch pays for. It
  /// reverts with the interface's custom errors, whose selectors are the E_* constants. Safety of
  /// the (always unchecked) assembly arithmetic: every offset is bounded by report.length
  /// (< 2^32 in any transaction) plus at most 31 * 15 bytes, counts are <= 31, widths <= 15,
  /// values fit in int120, so no sum, product or difference overflows.
  function _applyFeeds(bytes calldata report, uint256 ctx, uint256 boundedFeeds) private {
    assembly ("memory-safe") {
      // Reverts with error selector `sel` and one to four uint256 arguments (scratch space for
      // one, free memory for more: the free memory pointer's own slot stays untouched).
      function fail1(sel, a) {
        mstore(0x00, shl(224, sel))
        mstore(0x04, a)
        revert(0x00, 0x24)
      }
      function fail2(sel, a, b) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), a)
        mstore(add(ptr, 0x24), b)
        revert(ptr, 0x44)
      }
      function fail3(sel, a, b, c) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), a)
        mstore(add(ptr, 0x24), b)
        mstore(add(ptr, 0x44), c)
        revert(ptr, 0x64)
      }
      function fail4(sel, a, b, c, d) {
        let ptr := mload(0x40)
        mstore(ptr, shl(224, sel))
        mstore(add(ptr, 0x04), a)
        mstore(add(ptr, 0x24), b)
        mstore(add(ptr, 0x44), c)
        mstore(add(ptr, 0x64), d)
        revert(ptr, 0x84)
      }
      // Observation i of a feed: width big-endian bytes at base + i * width, sign-extended.
      function observation(base, i, width) -> v {
        v := signextend(sub(width, 1), shr(sub(256, shl(3, width)), calldataload(add(base, mul(i, width)))))
      }
      // Number of set bits of a value below 2^32 (SWAR popcount).
      function popcount32(x) -> c {
        x := sub(x, and(shr(1, x), 0x55555555))
        x := add(and(x, 0x33333333), and(shr(2, x), 0x33333333))
        x := and(add(x, shr(4, x)), 0x0f0f0f0f)
        c := and(shr(24, mul(x, 0x01010101)), 0xff)
      }
      // Slow path, only to name the offending observer: the first one >= n or seen twice.
      function observerError(w, count, n, feed) {
        let seen := 0
        for {
          let i := 0
        } lt(i, count) {
          i := add(i, 1)
        } {
          let o := byte(i, w)
          if iszero(lt(o, n)) {
            fail2(E_OBSERVER_OUT_OF_RANGE, feed, o)
          }
          if and(shr(o, seen), 1) {
            fail2(E_DUPLICATE_OBSERVER, feed, o)
          }
          seen := or(seen, shl(o, 1))
        }
      }
      // Checks the observers, width and sortedness of the feed entry whose observers start at
      // calldata offset `at` (off: the report's offset, for error offsets); returns the offset
      // of its observations and their width.
      function checkEntry(at, limit, feed, count, n, off) -> base, width {
        // Observers (count <= 31 bytes: one word), then the width byte.
        base := add(add(at, count), 1)
        if gt(base, limit) {
          fail1(E_MALFORMED_REPORT, sub(at, off))
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
        // All observers are < n and distinct iff `seen` has no bit at or above n and exactly
        // count bits set.
        if or(shr(n, seen), iszero(eq(popcount32(seen), count))) {
          observerError(w, count, n, feed)
        }
        width := byte(0, calldataload(sub(base, 1)))
        if or(iszero(width), gt(width, MAX_OBSERVATION_BYTES)) {
          fail2(E_INVALID_OBSERVATION_WIDTH, feed, width)
        }
        let end := add(base, mul(count, width))
        if gt(end, limit) {
          fail1(E_MALFORMED_REPORT, sub(base, off))
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
      // Checks the feed's freshness, writes its round and emits its events. `latestBits` holds
      // the report-wide fields of a latest slot (epoch-and-round, transmission and observations
      // timestamps, at their offsets); NewRound only for single-feed reports.
      function store(feed, answer, confidence, latestBits, single) {
        let latestSlot := add(s_latest.slot, feed)
        let latest := sload(latestSlot)
        {
          let er := shr(LATEST_ER_SHIFT, latestBits)
          let latestEr := and(shr(LATEST_ER_SHIFT, latest), EPOCH_AND_ROUND_MASK)
          if iszero(gt(er, latestEr)) {
            fail3(E_STALE_REPORT, feed, latestEr, er)
          }
          let observationsTimestamp := and(shr(32, latestBits), UINT32_MASK)
          let latestObservationsTimestamp := and(shr(32, latest), UINT32_MASK)
          if lt(observationsTimestamp, latestObservationsTimestamp) {
            fail3(E_OBSERVATIONS_TIMESTAMP_DECREASED, feed, latestObservationsTimestamp, observationsTimestamp)
          }
        }
        // A feed's round is uint32: 4.29e9 rounds, 136 years at one per second.
        let round := add(and(latest, UINT32_MASK), 1)
        let answerBits := shl(LATEST_ANSWER_SHIFT, answer)
        sstore(latestSlot, or(or(answerBits, latestBits), round))
        sstore(
          add(add(s_history.slot, mul(feed, HISTORY_SIZE)), mod(round, HISTORY_SIZE)),
          // History: observations timestamp (0..31) and transmission time (32..63), which sit
          // 32 bits higher in the latest slot.
          or(or(answerBits, shl(HISTORY_CONFIDENCE_SHIFT, confidence)), and(shr(32, latestBits), 0xffffffffffffffff))
        )
        let roundId := or(shl(ROUND_BITS, feed), round)
        mstore(0x00, timestamp())
        log3(0x00, 0x20, TOPIC_ANSWER_UPDATED, answer, roundId)
        if single {
          mstore(0x00, and(shr(32, latestBits), UINT32_MASK))
          log3(0x00, 0x20, TOPIC_NEW_ROUND, roundId, caller())
        }
      }

      let limit := add(report.offset, report.length)
      let feeds := byte(0, calldataload(add(report.offset, 41)))
      if iszero(feeds) {
        fail1(E_MALFORMED_REPORT, sub(REPORT_HEADER_BYTES, 1))
      }
      let at := add(report.offset, REPORT_HEADER_BYTES)
      let nextFeed := 0
      // Report-wide values, computed once: the committee's n and 2f+1, and the epoch-and-round
      // and timestamp bits every feed's latest slot gets.
      let n := and(ctx, 0xff)
      let minCount := add(shl(1, and(shr(8, ctx), 0xff)), 1)
      let latestBits := or(
        shl(LATEST_ER_SHIFT, and(shr(64, ctx), EPOCH_AND_ROUND_MASK)),
        or(shl(64, timestamp()), shl(32, and(shr(32, ctx), UINT32_MASK)))
      )
      for {
        let k := 0
      } lt(k, feeds) {
        k := add(k, 1)
      } {
        if gt(add(at, 2), limit) {
          fail1(E_MALFORMED_REPORT, sub(at, report.offset))
        }
        let feed := byte(0, calldataload(at))
        let count := byte(1, calldataload(at))
        if iszero(lt(feed, and(shr(16, ctx), 0xffff))) {
          fail1(E_UNKNOWN_FEED, feed)
        }
        if lt(feed, nextFeed) {
          fail2(E_FEEDS_NOT_ASCENDING, sub(nextFeed, 1), feed)
        }
        if or(lt(count, minCount), gt(count, n)) {
          fail4(E_WRONG_OBSERVATION_COUNT, feed, count, minCount, n)
        }
        let base, width := checkEntry(add(at, 2), limit, feed, count, n, report.offset)
        // Median (even counts: floor of the mean of the middle two) and half the nearest-rank
        // interquartile range, saturated at CONFIDENCE_MAX. count >= 3, so no index underflows.
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
        // Bounds of feed i sit in the (warm) config store, whose address is the low 160 bits of
        // the (warm) hot slot, at 69 + 40n + 32i: min ‖ max. Feeds without bounds skip the read.
        if and(shr(feed, boundedFeeds), 1) {
          extcodecopy(
            and(sload(s_hot.slot), ADDRESS_MASK),
            0x00,
            add(add(STORE_BOUNDS_OFFSET, mul(40, n)), shl(5, feed)),
            32
          )
          let bounds := mload(0x00)
          let minAnswer := sar(128, bounds)
          let maxAnswer := signextend(15, bounds)
          if or(slt(answer, minAnswer), sgt(answer, maxAnswer)) {
            fail4(E_ANSWER_OUT_OF_BOUNDS, feed, answer, minAnswer, maxAnswer)
          }
        }
        store(feed, answer, confidence, latestBits, eq(feeds, 1))
        nextFeed := add(feed, 1)
        at := add(base, mul(count, width))
      }
      if iszero(eq(at, limit)) {
        fail1(E_MALFORMED_REPORT, sub(at, report.offset))
      }
    }
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
    returns (uint80, int256, uint256, uint256, uint80)
  {
    uint256 feed;
    if (msg.data.length > 35) {
      assembly ("memory-safe") {
        feed := calldataload(4)
      }
      if (feed >= MAX_FEEDS) revert UnknownFeed(feed);
    }
    _returnLatestRoundData(feed);
  }

  /// @notice FeedProxy's read path: calldata of exactly one byte, a feed index, answers that
  /// feed's latestRoundData (the same five words). Solidity jumps to the fallback before any
  /// selector comparison when calldata is shorter than a selector, so every read through a proxy
  /// skips this contract's dispatcher. Any other calldata that matches no function reverts
  /// without data.
  fallback() external {
    // Like calldata that matches no selector in a contract without a fallback.
    if (msg.data.length != 1) revert();
    uint256 feed;
    assembly ("memory-safe") {
      feed := byte(0, calldataload(0))
    }
    _returnLatestRoundData(feed);
  }

  /// @dev Ends the call with feed `feed`'s latestRoundData words: one SLOAD, in assembly. It ends
  /// with return(), so writing the five words over scratch space and the free memory pointer is
  /// safe.
  function _returnLatestRoundData(uint256 feed) private view {
    assembly {
      let latest := sload(add(s_latest.slot, feed))
      let round := and(latest, UINT32_MASK)
      let roundId := 0
      if round {
        roundId := or(shl(ROUND_BITS, feed), round)
        mstore(0x20, sar(LATEST_ANSWER_SHIFT, latest))
        mstore(0x40, and(shr(32, latest), UINT32_MASK))
        mstore(0x60, and(shr(64, latest), UINT32_MASK))
      }
      if iszero(round) {
        mstore(0x20, 0)
        mstore(0x40, 0)
        mstore(0x60, 0)
      }
      mstore(0x00, roundId)
      mstore(0x80, roundId)
      return(0x00, 0xa0)
    }
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
    answer = int256(slot) >> HISTORY_ANSWER_SHIFT;
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
    confidence = (s_history[feedIndex][round % HISTORY_SIZE] >> HISTORY_CONFIDENCE_SHIFT) & CONFIDENCE_MAX;
  }

  /// @inheritdoc IQuorumAggregator
  function getConfidence(uint80 roundId) external view override returns (uint256 confidence) {
    (bool ok, uint256 feedIndex, uint256 slot) = _storedRound(roundId);
    if (!ok) revert RoundNotAvailable(feedIndex, roundId);
    return (slot >> HISTORY_CONFIDENCE_SHIFT) & CONFIDENCE_MAX;
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
    return int256(s_latest[_trailingFeed()]) >> LATEST_ANSWER_SHIFT;
  }

  /// @notice Latest transmission timestamp (0 before the first report).
  function latestTimestamp() external view override returns (uint256) {
    uint256 latest = s_latest[_trailingFeed()];
    // Before the first report the slot holds LATEST_PREFILL (round 0): no timestamp yet.
    return latest & UINT32_MASK == 0 ? 0 : (latest >> 64) & UINT32_MASK;
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
    return ok ? int256(slot) >> HISTORY_ANSWER_SHIFT : int256(0);
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
    // The newest epoch-and-round of any feed under the current config (setConfig zeroes them).
    uint256 feeds = s_feeds.length;
    for (uint256 i = 0; i < feeds; ++i) {
      uint40 er = uint40((s_latest[i] >> LATEST_ER_SHIFT) & EPOCH_AND_ROUND_MASK);
      if (er > epochAndRound) epochAndRound = er;
    }
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

  /// @dev keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chainid, this)),
  /// computed on every call (about 100 gas) so a chain fork can never reuse another chain's
  /// separator.
  function _domainSeparator() private view returns (bytes32 separator) {
    bytes32 typeHash = DOMAIN_TYPEHASH;
    bytes32 nameHash = NAME_HASH;
    bytes32 versionHash = VERSION_HASH;
    assembly ("memory-safe") {
      let ptr := mload(0x40)
      mstore(ptr, typeHash)
      mstore(add(ptr, 0x20), nameHash)
      mstore(add(ptr, 0x40), versionHash)
      mstore(add(ptr, 0x60), chainid())
      mstore(add(ptr, 0x80), address())
      separator := keccak256(ptr, 0xa0)
    }
  }
}
