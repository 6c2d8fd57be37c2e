// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV2V3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV2V3Interface.sol";
import {IOutOfBoundsReader} from "./IOutOfBoundsReader.sol";

/// @title IQuorumAggregator
/// @notice A committee of n <= 31 oracles (3f < n) posts signed, batched multi-feed reports; every
/// feed keeps its median answer, a confidence (half the interquartile range of the observations)
/// and a ring of past rounds. Chainlink's AggregatorV2V3Interface reads serve feed 0 when called
/// plainly and feed k when the calldata carries k as one extra trailing 32-byte word (what
/// FeedProxy does). Report layout: docs/protocol.md, "## Report format". A median outside a feed's
/// bounds is refused without reverting; IOutOfBoundsReader.outOfBounds reads the refusal.
interface IQuorumAggregator is AggregatorV2V3Interface, IOutOfBoundsReader {
  // ----------------------------------------------------------------------------------------------
  // Configuration errors
  // ----------------------------------------------------------------------------------------------

  /// @notice n must be in [1, 31] and equal for signers and transmitters.
  error InvalidOracleCount(uint256 signers, uint256 transmitters);
  /// @notice f must satisfy 1 <= f and 3f < n.
  error InvalidFaultTolerance(uint256 f, uint256 n);
  /// @notice A signer or transmitter is the zero address.
  error ZeroAddress(uint256 index);
  /// @notice The same signer appears twice.
  error DuplicateSignerAddress(address signer);
  /// @notice The same transmitter appears twice.
  error DuplicateTransmitterAddress(address transmitter);
  /// @notice minAnswer must be strictly below maxAnswer.
  error InvalidBounds(int256 minAnswer, int256 maxAnswer);
  /// @notice No more feeds fit (feed indices are one byte).
  error TooManyFeeds(uint256 max);
  /// @notice Deploying the config blob failed.
  error ConfigStoreFailed();
  /// @notice A feed's maximum report age must be at least one second.
  error InvalidMaxReportAge(uint256 maxAgeSeconds);

  // ----------------------------------------------------------------------------------------------
  // Transmission errors
  // ----------------------------------------------------------------------------------------------

  /// @notice transmit called before any setConfig.
  error ConfigNotSet();
  /// @notice msg.sender is not a configured transmitter.
  error UnauthorizedTransmitter(address sender);
  /// @notice The report is shorter than its header or its feeds, or has trailing bytes.
  error MalformedReport(uint256 offset);
  /// @notice The report was made under another config (or for another contract or chain).
  error ConfigDigestMismatch(bytes32 expected, bytes32 actual);
  /// @notice The report's epoch-and-round is not strictly above the feed's latest accepted one.
  error StaleReport(uint256 feedIndex, uint40 latestEpochAndRound, uint40 reportEpochAndRound);
  /// @notice The observations timestamp lies further in the future than the tolerated clock skew.
  error FutureReport(uint32 observationsTimestamp, uint256 blockTimestamp);
  /// @notice The observations timestamp is older than the feed's latest one.
  error ObservationsTimestampDecreased(uint256 feedIndex, uint32 latest, uint32 reported);
  /// @notice block.timestamp - observationsTimestamp exceeds the feed's maximum report age.
  error ReportTooOld(uint256 feedIndex, uint32 observationsTimestamp, uint256 blockTimestamp, uint256 maxAgeSeconds);
  /// @notice The report names a feed that does not exist.
  error UnknownFeed(uint256 feedIndex);
  /// @notice Feeds in a report must have strictly increasing indices.
  error FeedsNotAscending(uint256 previous, uint256 feedIndex);
  /// @notice A feed carries fewer than 2f+1 or more than n observations.
  error WrongObservationCount(uint256 feedIndex, uint256 count, uint256 min, uint256 max);
  /// @notice An observer index is >= n.
  error ObserverOutOfRange(uint256 feedIndex, uint256 observer);
  /// @notice The same observer appears twice in one feed.
  error DuplicateObserver(uint256 feedIndex, uint256 observer);
  /// @notice The observation byte width is outside 1..15.
  error InvalidObservationWidth(uint256 feedIndex, uint256 width);
  /// @notice Observations must be sorted ascending.
  error ObservationsNotSorted(uint256 feedIndex, uint256 position);
  /// @notice The signatures argument is not a whole number of 65-byte entries.
  error MalformedSignatures(uint256 length);
  /// @notice Fewer than f+1 or more than n signatures.
  error WrongSignatureCount(uint256 count, uint256 min, uint256 max);
  /// @notice A signer index is >= n.
  error SignerOutOfRange(uint256 signerIndex);
  /// @notice Two signatures claim the same signer.
  error DuplicateSigner(uint256 signerIndex);
  /// @notice A signature does not recover to the configured signer at its index.
  error InvalidSignature(uint256 signerIndex, address recovered);

  // ----------------------------------------------------------------------------------------------
  // Read errors
  // ----------------------------------------------------------------------------------------------

  /// @notice getRoundData asked for a round that does not exist or left the history ring.
  error RoundNotAvailable(uint256 feedIndex, uint256 roundId);

  // ----------------------------------------------------------------------------------------------
  // Events
  // ----------------------------------------------------------------------------------------------

  /// @notice A new committee config is active; the epoch-and-round restarts from 0.
  event ConfigSet(
    uint32 previousConfigBlockNumber,
    bytes32 configDigest,
    uint64 configCount,
    address[] signers,
    address[] transmitters,
    uint8 f,
    bytes offchainConfig
  );

  /// @notice A feed was added at `feedIndex`.
  event FeedAdded(uint256 indexed feedIndex, uint8 decimals, string description, int128 minAnswer, int128 maxAnswer);

  /// @notice A report was accepted. `report` is the packed report as transmitted: its header
  /// carries the epoch-and-round and observations timestamp, and every feed's observers and
  /// observations follow (decode with the codec); per-feed answers are in AnswerUpdated.
  event NewTransmission(address transmitter, bytes report);

  /// @notice A report's median for `feedIndex` lay outside the feed's bounds: the feed kept its
  /// answer, round and updatedAt (so staleness checks fire); outOfBounds(feedIndex) reads it.
  event MedianOutOfBounds(
    uint256 indexed feedIndex,
    int256 median,
    int256 minAnswer,
    int256 maxAnswer,
    uint40 epochAndRound
  );

  /// @notice A feed's maximum report age changed.
  event MaxReportAgeSet(uint256 indexed feedIndex, uint32 maxAgeSeconds);

  // ----------------------------------------------------------------------------------------------
  // Functions
  // ----------------------------------------------------------------------------------------------

  /// @notice Sets the committee. Resets the epoch-and-round to 0; the digest changes.
  /// @param signers Addresses whose keys sign reports, by committee index.
  /// @param transmitters Addresses allowed to call transmit, by committee index.
  /// @param f Faulty oracles tolerated: reports need 2f+1 observations and f+1 signatures.
  /// @param offchainConfig Opaque blob the nodes read (bound into the digest).
  function setConfig(
    address[] calldata signers,
    address[] calldata transmitters,
    uint8 f,
    bytes calldata offchainConfig
  ) external;

  /// @notice Adds a feed; returns its index. Bounds are inclusive and immutable for the feed;
  /// answers are int120, so bounds beyond that range never bind.
  function addFeed(
    uint8 decimals,
    string calldata description,
    int128 minAnswer,
    int128 maxAnswer
  ) external returns (uint256 feedIndex);

  /// @notice Sets the maximum age (block.timestamp - observationsTimestamp, seconds) of a report
  /// the feed accepts; DEFAULT_MAX_REPORT_AGE_SECONDS (300) until set.
  function setMaxReportAge(uint256 feedIndex, uint32 maxAgeSeconds) external;

  /// @notice A feed's maximum report age in seconds.
  function maxReportAge(uint256 feedIndex) external view returns (uint32);

  /// @notice Accepts a packed report signed by at least f+1 distinct configured signers. A feed
  /// whose median lies outside its bounds keeps its answer and emits MedianOutOfBounds; the
  /// report's other feeds update.
  /// @param report Packed report bytes (docs/protocol.md).
  /// @param signatures Concatenated 65-byte entries signerIndex(1) ‖ r(32) ‖ yParityAndS(32).
  function transmit(bytes calldata report, bytes calldata signatures) external;

  /// @notice Current config count, block of the last setConfig and digest.
  function latestConfigDetails() external view returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest);

  /// @notice Current config digest and the newest epoch-and-round accepted for any feed under it
  /// (0 right after setConfig). Freshness is enforced per feed.
  function latestTransmissionDetails()
    external
    view
    returns (bytes32 configDigest, uint32 epoch, uint8 round, uint40 epochAndRound);

  /// @notice The current committee.
  function getOracles() external view returns (address[] memory signers, address[] memory transmitters, uint8 f);

  /// @notice Number of feeds.
  function feedCount() external view returns (uint256);

  /// @notice A feed's metadata.
  function feedInfo(
    uint256 feedIndex
  ) external view returns (uint8 decimals, string memory description, int128 minAnswer, int128 maxAnswer);

  /// @notice Confidence (half the IQR of the observations, feed units) of the latest round of
  /// feed 0, or of feed k given as a trailing word.
  function latestConfidence() external view returns (uint80 roundId, uint256 confidence);

  /// @notice Confidence of a stored round (same feed selection as latestConfidence).
  function getConfidence(uint80 roundId) external view returns (uint256 confidence);

  /// @notice Rounds kept per feed by getRoundData.
  function historySize() external pure returns (uint256);

  /// @notice The EIP-712 domain separator reports are signed in.
  function domainSeparator() external view returns (bytes32);

  /// @notice "QuorumAggregator 1.0.0".
  function typeAndVersion() external pure returns (string memory);
}
