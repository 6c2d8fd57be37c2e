// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IFeedProxy} from "./interfaces/IFeedProxy.sol";
import {IQuorumAggregator} from "./interfaces/IQuorumAggregator.sol";
import {IOutOfBoundsReader} from "./interfaces/IOutOfBoundsReader.sol";

/// @title FeedProxy
/// @notice One feed's stable address. Forwards Chainlink reads to feed `feedIndex` of the current
/// phase's QuorumAggregator by appending the feed index as a trailing calldata word (which plain
/// Chainlink aggregators ignore, so they can be phases too, with feed index 0). latestRoundData,
/// the read consumers pay for, uses the aggregator's one-byte read instead when the aggregator
/// answers it exactly as latestRoundData at the start of the phase.
/// @dev Proxy round id = phaseId << 64 | aggregatorRoundId, as EACAggregatorProxy: the phase
/// aggregator's whole uint64 round id is kept (a QuorumAggregator's is feedIndex << 32 | round),
/// and answeredInRound is combined with the phase the same way. Round 0 of a phase is forwarded to
/// its aggregator like any other round. One difference: behind a multi-feed aggregator (one that
/// answers feedCount()), ids naming another feed than this proxy's are not forwarded, so a proxy
/// never returns another feed's rounds.
contract FeedProxy is IFeedProxy, Ownable2Step {
  /// @dev Bits of the aggregator round inside a proxy round id.
  uint256 private constant PHASE_OFFSET = 64;
  /// @dev Bits of a feed's own round inside a QuorumAggregator round id.
  uint256 private constant ROUND_BITS = 32;
  uint256 private constant AGGREGATOR_ROUND_MASK = 0xffffffffffffffff;
  /// @dev The largest proxy round id (16-bit phase, 64-bit aggregator round), as EAC's MAX_ID.
  uint256 private constant MAX_ID = (1 << 80) - 1;
  uint256 private constant ADDRESS_MASK = 0x00ffffffffffffffffffffffffffffffffffffffff;

  /// @dev The current phase: read by every latestRoundData, so one slot. byteRead: the
  /// aggregator answers latestRoundData to one calldata byte, the feed index (QuorumAggregator's
  /// fallback), which skips its selector dispatch; other aggregators get the selector and the feed
  /// index as a trailing word.
  struct Phase {
    uint16 id;
    address aggregator;
    uint8 feedIndex;
    bool byteRead;
  }

  /// @dev multiFeed: the aggregator answers feedCount() (a QuorumAggregator), so its round ids
  /// carry the feed index in bits 32..63.
  struct PhaseAggregator {
    address aggregator;
    uint8 feedIndex;
    bool multiFeed;
  }

  Phase private s_currentPhase;
  PhaseAggregator private s_proposed;
  mapping(uint16 phaseId => PhaseAggregator) private s_phaseAggregators;

  constructor(address owner, address aggregator_, uint8 feedIndex_) Ownable(owner) {
    _setAggregator(aggregator_, feedIndex_);
  }

  // ----------------------------------------------------------------------------------------------
  // Phases
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IFeedProxy
  function proposeAggregator(address aggregator_, uint8 feedIndex_) external override onlyOwner {
    if (aggregator_ == address(0)) revert ZeroAggregator();
    s_proposed = PhaseAggregator({aggregator: aggregator_, feedIndex: feedIndex_, multiFeed: false});
    emit AggregatorProposed(s_currentPhase.aggregator, aggregator_, feedIndex_);
  }

  /// @inheritdoc IFeedProxy
  function confirmAggregator(address aggregator_) external override onlyOwner {
    PhaseAggregator memory proposed = s_proposed;
    if (proposed.aggregator == address(0)) revert NoProposedAggregator();
    if (aggregator_ != proposed.aggregator) revert InvalidProposedAggregator(proposed.aggregator, aggregator_);
    delete s_proposed;
    _setAggregator(proposed.aggregator, proposed.feedIndex);
  }

  function _setAggregator(address aggregator_, uint8 feedIndex_) private {
    if (aggregator_ == address(0)) revert ZeroAggregator();
    Phase memory current = s_currentPhase;
    if (current.id == type(uint16).max) revert TooManyPhases();
    uint16 id = current.id + 1;
    s_currentPhase = Phase({
      id: id,
      aggregator: aggregator_,
      feedIndex: feedIndex_,
      byteRead: _answersByteRead(aggregator_, feedIndex_)
    });
    s_phaseAggregators[id] = PhaseAggregator({
      aggregator: aggregator_,
      feedIndex: feedIndex_,
      multiFeed: _isMultiFeed(aggregator_)
    });
    emit AggregatorConfirmed(current.aggregator, aggregator_, id);
  }

  /// @dev Whether `aggregator_` answers the one-byte read of feed `feedIndex_` exactly as it
  /// answers latestRoundData (checked once, when the phase starts).
  function _answersByteRead(address aggregator_, uint8 feedIndex_) private view returns (bool) {
    (bool ok, bytes memory byteRead) = aggregator_.staticcall(abi.encodePacked(feedIndex_));
    if (!ok || byteRead.length != 160) return false;
    bytes memory full;
    (ok, full) = aggregator_.staticcall(abi.encodeWithSelector(this.latestRoundData.selector, uint256(feedIndex_)));
    return ok && keccak256(byteRead) == keccak256(full);
  }

  /// @dev Whether `aggregator_` answers feedCount() with one word (checked once, at the phase start).
  function _isMultiFeed(address aggregator_) private view returns (bool) {
    (bool ok, bytes memory ret) = aggregator_.staticcall(abi.encodeWithSelector(IQuorumAggregator.feedCount.selector));
    return ok && ret.length == 32;
  }

  // ----------------------------------------------------------------------------------------------
  // Forwarding helpers
  // ----------------------------------------------------------------------------------------------

  /// @dev Static-calls `aggregator` with `selector` and the feed index as trailing word.
  function _call(address aggregator_, bytes4 selector, uint8 feedIndex_) private view returns (bytes memory) {
    (bool ok, bytes memory ret) = aggregator_.staticcall(abi.encodeWithSelector(selector, uint256(feedIndex_)));
    if (!ok) _bubble(ret);
    return ret;
  }

  function _bubble(bytes memory ret) private pure {
    assembly ("memory-safe") {
      revert(add(ret, 32), mload(ret))
    }
  }

  /// @dev Splits a proxy round id into its phase's aggregator and aggregator round id (the low 64
  /// bits, round 0 included). Not ok: an id above MAX_ID, a phase that does not exist, or behind a
  /// multi-feed aggregator an id of another feed.
  function _phaseRound(
    uint256 roundId
  ) private view returns (bool ok, PhaseAggregator memory phase, uint256 aggregatorRoundId) {
    if (roundId > MAX_ID) return (false, phase, 0);
    phase = s_phaseAggregators[uint16(roundId >> PHASE_OFFSET)];
    aggregatorRoundId = roundId & AGGREGATOR_ROUND_MASK;
    if (phase.aggregator == address(0)) return (false, phase, 0);
    if (phase.multiFeed && aggregatorRoundId != 0 && aggregatorRoundId >> ROUND_BITS != phase.feedIndex) {
      return (false, phase, 0);
    }
    return (true, phase, aggregatorRoundId);
  }

  /// @dev phaseId << 64 | the low 64 bits of an aggregator round id (EAC's addPhase).
  function _proxyRoundId(uint256 phaseId_, uint256 aggregatorRoundId) private pure returns (uint80) {
    return uint80((phaseId_ << PHASE_OFFSET) | (aggregatorRoundId & AGGREGATOR_ROUND_MASK));
  }

  // ----------------------------------------------------------------------------------------------
  // AggregatorV3Interface
  // ----------------------------------------------------------------------------------------------

  /// @notice Latest round of the current phase. roundId and answeredInRound are the aggregator's
  /// combined with the phase (phaseId << 64 | uint64 id), so before the aggregator's first report
  /// roundId is phaseId << 64 and ids never go backwards across a phase change.
  /// @dev The read every consumer pays for: one SLOAD and one STATICCALL, in assembly. The
  /// aggregator's five words are written over scratch space and the free memory pointer and
  /// returned at once, so nothing reads that memory afterwards.
  function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
    assembly {
      // s_currentPhase: id (bits 0..15) | aggregator (16..175) | feedIndex (176..183) |
      // byteRead (184..191).
      let current := sload(s_currentPhase.slot)
      // latestRoundData() selector, then the feed index as a trailing word; an aggregator with
      // the one-byte read gets only the last byte of that word (0x23), the feed index.
      mstore(0x00, 0xfeaf968c00000000000000000000000000000000000000000000000000000000)
      mstore(0x04, and(shr(176, current), 0xff))
      let size := sub(0x24, mul(0x23, and(shr(184, current), 1)))
      let ok := staticcall(gas(), and(shr(16, current), ADDRESS_MASK), sub(0x24, size), size, 0x00, 0xa0)
      if iszero(ok) {
        returndatacopy(0x00, 0x00, returndatasize())
        revert(0x00, returndatasize())
      }
      // Fewer than five words (e.g. no code at the address): not an aggregator.
      if lt(returndatasize(), 0xa0) {
        revert(0x00, 0x00)
      }
      let phaseBits := shl(PHASE_OFFSET, and(current, 0xffff))
      mstore(0x00, or(phaseBits, and(mload(0x00), AGGREGATOR_ROUND_MASK)))
      mstore(0x80, or(phaseBits, and(mload(0x80), AGGREGATOR_ROUND_MASK)))
      return(0x00, 0xa0)
    }
  }

  /// @notice A round of any phase, by proxy round id: forwarded to the phase's aggregator with the
  /// low 64 bits, its roundId and answeredInRound combined with the phase.
  function getRoundData(
    uint80 roundId_
  )
    external
    view
    override
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    (bool ok, PhaseAggregator memory phase, uint256 aggregatorRoundId) = _phaseRound(roundId_);
    if (!ok) revert RoundNotAvailable(roundId_);
    uint256 phaseId_ = roundId_ >> PHASE_OFFSET;
    (roundId, answer, startedAt, updatedAt, answeredInRound) = IQuorumAggregator(phase.aggregator).getRoundData(
      uint80(aggregatorRoundId)
    );
    return (_proxyRoundId(phaseId_, roundId), answer, startedAt, updatedAt, _proxyRoundId(phaseId_, answeredInRound));
  }

  /// @notice The current aggregator's decimals for this feed.
  function decimals() external view override returns (uint8) {
    Phase memory current = s_currentPhase;
    return abi.decode(_call(current.aggregator, this.decimals.selector, current.feedIndex), (uint8));
  }

  /// @notice The current aggregator's description of this feed.
  function description() external view override returns (string memory) {
    Phase memory current = s_currentPhase;
    return abi.decode(_call(current.aggregator, this.description.selector, current.feedIndex), (string));
  }

  /// @notice The current aggregator's version.
  function version() external view override returns (uint256) {
    return IQuorumAggregator(s_currentPhase.aggregator).version();
  }

  // ----------------------------------------------------------------------------------------------
  // AggregatorInterface (v2)
  // ----------------------------------------------------------------------------------------------

  /// @notice Latest answer of the current phase.
  function latestAnswer() external view override returns (int256) {
    Phase memory current = s_currentPhase;
    return abi.decode(_call(current.aggregator, this.latestAnswer.selector, current.feedIndex), (int256));
  }

  /// @notice Latest transmission timestamp of the current phase.
  function latestTimestamp() external view override returns (uint256) {
    Phase memory current = s_currentPhase;
    return abi.decode(_call(current.aggregator, this.latestTimestamp.selector, current.feedIndex), (uint256));
  }

  /// @notice Latest proxy round id (phaseId << 64 before the first report of the current phase).
  function latestRound() external view override returns (uint256) {
    Phase memory current = s_currentPhase;
    uint256 aggregatorRoundId = abi.decode(
      _call(current.aggregator, this.latestRound.selector, current.feedIndex),
      (uint256)
    );
    return _proxyRoundId(current.id, aggregatorRoundId);
  }

  /// @notice Answer of a proxy round, 0 if not held.
  function getAnswer(uint256 roundId) external view override returns (int256) {
    (bool ok, PhaseAggregator memory phase, uint256 aggregatorRoundId) = _phaseRound(roundId);
    return ok ? IQuorumAggregator(phase.aggregator).getAnswer(aggregatorRoundId) : int256(0);
  }

  /// @notice Transmission timestamp of a proxy round, 0 if not held.
  function getTimestamp(uint256 roundId) external view override returns (uint256) {
    (bool ok, PhaseAggregator memory phase, uint256 aggregatorRoundId) = _phaseRound(roundId);
    return ok ? IQuorumAggregator(phase.aggregator).getTimestamp(aggregatorRoundId) : 0;
  }

  // ----------------------------------------------------------------------------------------------
  // Confidence and phases
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IFeedProxy
  function latestConfidence() external view override returns (uint80 roundId, uint256 confidence) {
    Phase memory current = s_currentPhase;
    uint256 aggregatorRoundId;
    (aggregatorRoundId, confidence) = abi.decode(
      _call(current.aggregator, this.latestConfidence.selector, current.feedIndex),
      (uint80, uint256)
    );
    roundId = _proxyRoundId(current.id, aggregatorRoundId);
  }

  /// @inheritdoc IFeedProxy
  function getConfidence(uint80 roundId) external view override returns (uint256) {
    (bool ok, PhaseAggregator memory phase, uint256 aggregatorRoundId) = _phaseRound(roundId);
    if (!ok) revert RoundNotAvailable(roundId);
    return IQuorumAggregator(phase.aggregator).getConfidence(uint80(aggregatorRoundId));
  }

  /// @inheritdoc IFeedProxy
  function proposedLatestRoundData()
    external
    view
    override
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    PhaseAggregator memory proposed = s_proposed;
    if (proposed.aggregator == address(0)) revert NoProposedAggregator();
    return
      abi.decode(
        _call(proposed.aggregator, this.latestRoundData.selector, proposed.feedIndex),
        (uint80, int256, uint256, uint256, uint80)
      );
  }

  /// @inheritdoc IFeedProxy
  function proposedGetRoundData(
    uint80 roundId
  )
    external
    view
    override
    returns (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    address proposed = s_proposed.aggregator;
    if (proposed == address(0)) revert NoProposedAggregator();
    return IQuorumAggregator(proposed).getRoundData(roundId);
  }

  /// @inheritdoc IFeedProxy
  function outOfBounds() external view override returns (bool active, int256 refusedMedian, uint256 since) {
    Phase memory current = s_currentPhase;
    (bool ok, bytes memory ret) = current.aggregator.staticcall(
      abi.encodeCall(IOutOfBoundsReader.outOfBounds, (uint256(current.feedIndex)))
    );
    // No data back: no such function (or no code); with data: the aggregator's own error.
    if (!ok && ret.length != 0) _bubble(ret);
    if (!ok || ret.length < 96) revert OutOfBoundsUnsupported(current.aggregator);
    return abi.decode(ret, (bool, int256, uint256));
  }

  /// @inheritdoc IFeedProxy
  function aggregator() external view override returns (address) {
    return s_currentPhase.aggregator;
  }

  /// @inheritdoc IFeedProxy
  function feedIndex() external view override returns (uint8) {
    return s_currentPhase.feedIndex;
  }

  /// @inheritdoc IFeedProxy
  function phaseId() external view override returns (uint16) {
    return s_currentPhase.id;
  }

  /// @inheritdoc IFeedProxy
  function phaseAggregators(uint16 phaseId_) external view override returns (address, uint8) {
    PhaseAggregator memory phase = s_phaseAggregators[phaseId_];
    return (phase.aggregator, phase.feedIndex);
  }

  /// @inheritdoc IFeedProxy
  function proposedAggregator() external view override returns (address, uint8) {
    return (s_proposed.aggregator, s_proposed.feedIndex);
  }

  /// @inheritdoc IFeedProxy
  function typeAndVersion() external pure override returns (string memory) {
    return "FeedProxy 1.1.0";
  }
}
