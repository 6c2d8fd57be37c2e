// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Revert strings kept as in Chainlink's contracts this ports.

// solhint-disable gas-custom-errors

// A minimal port to Solidity 0.8 of Chainlink's AggregatorProxy and EACAggregatorProxy
// (smartcontractkit/chainlink, contracts/src/v0.6/AggregatorProxy.sol and EACAggregatorProxy.sol,
// MIT licence, Copyright (c) 2018 SmartContract ChainLink, Ltd.). Test support only: the control
// that the compatibility suite runs every assertion against beside FeedProxy. Behaviour is kept
// as in the original (round ids, phase handling, revert strings, access check); comments and
// layout are ours.

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {AccessControllerInterface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AccessControllerInterface.sol";
import {AggregatorV2V3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV2V3Interface.sol";

contract EACAggregatorProxyPort is AggregatorV2V3Interface, ConfirmedOwner {
  struct Phase {
    uint16 id;
    AggregatorV2V3Interface aggregator;
  }

  uint256 private constant PHASE_OFFSET = 64;
  uint256 private constant PHASE_SIZE = 16;
  uint256 private constant MAX_ID = 2 ** (PHASE_OFFSET + PHASE_SIZE) - 1;

  Phase private currentPhase;
  AggregatorV2V3Interface public proposedAggregator;
  mapping(uint16 => AggregatorV2V3Interface) public phaseAggregators;
  AccessControllerInterface public accessController;

  event AggregatorProposed(address indexed current, address indexed proposed);
  event AggregatorConfirmed(address indexed previous, address indexed latest);

  constructor(address aggregator_, address accessController_) ConfirmedOwner(msg.sender) {
    setAggregator(aggregator_);
    setController(accessController_);
  }

  modifier checkAccess() {
    AccessControllerInterface ac = accessController;
    require(address(ac) == address(0) || ac.hasAccess(msg.sender, msg.data), "No access");
    _;
  }

  modifier hasProposal() {
    require(address(proposedAggregator) != address(0), "No proposed aggregator present");
    _;
  }

  function setController(address accessController_) public onlyOwner {
    accessController = AccessControllerInterface(accessController_);
  }

  function latestAnswer() external view override checkAccess returns (int256) {
    return currentPhase.aggregator.latestAnswer();
  }

  function latestTimestamp() external view override checkAccess returns (uint256) {
    return currentPhase.aggregator.latestTimestamp();
  }

  function getAnswer(uint256 roundId_) external view override checkAccess returns (int256) {
    if (roundId_ > MAX_ID) return 0;
    (uint16 phaseId_, uint64 aggregatorRoundId) = parseIds(roundId_);
    AggregatorV2V3Interface aggregator_ = phaseAggregators[phaseId_];
    if (address(aggregator_) == address(0)) return 0;
    return aggregator_.getAnswer(aggregatorRoundId);
  }

  function getTimestamp(uint256 roundId_) external view override checkAccess returns (uint256) {
    if (roundId_ > MAX_ID) return 0;
    (uint16 phaseId_, uint64 aggregatorRoundId) = parseIds(roundId_);
    AggregatorV2V3Interface aggregator_ = phaseAggregators[phaseId_];
    if (address(aggregator_) == address(0)) return 0;
    return aggregator_.getTimestamp(aggregatorRoundId);
  }

  function latestRound() external view override checkAccess returns (uint256) {
    Phase memory phase = currentPhase;
    return addPhase(phase.id, uint64(phase.aggregator.latestRound()));
  }

  function getRoundData(
    uint80 roundId_
  )
    external
    view
    override
    checkAccess
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    (uint16 phaseId_, uint64 aggregatorRoundId) = parseIds(roundId_);
    (roundId, answer, startedAt, updatedAt, answeredInRound) = phaseAggregators[phaseId_].getRoundData(
      aggregatorRoundId
    );
    return addPhaseIds(roundId, answer, startedAt, updatedAt, answeredInRound, phaseId_);
  }

  function latestRoundData()
    external
    view
    override
    checkAccess
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    Phase memory current = currentPhase;
    (roundId, answer, startedAt, updatedAt, answeredInRound) = current.aggregator.latestRoundData();
    return addPhaseIds(roundId, answer, startedAt, updatedAt, answeredInRound, current.id);
  }

  function proposedGetRoundData(
    uint80 roundId_
  )
    external
    view
    checkAccess
    hasProposal
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    return proposedAggregator.getRoundData(roundId_);
  }

  function proposedLatestRoundData()
    external
    view
    checkAccess
    hasProposal
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    return proposedAggregator.latestRoundData();
  }

  function aggregator() external view returns (address) {
    return address(currentPhase.aggregator);
  }

  function phaseId() external view returns (uint16) {
    return currentPhase.id;
  }

  function decimals() external view override returns (uint8) {
    return currentPhase.aggregator.decimals();
  }

  function version() external view override returns (uint256) {
    return currentPhase.aggregator.version();
  }

  function description() external view override returns (string memory) {
    return currentPhase.aggregator.description();
  }

  function proposeAggregator(address aggregator_) external onlyOwner {
    proposedAggregator = AggregatorV2V3Interface(aggregator_);
    emit AggregatorProposed(address(currentPhase.aggregator), aggregator_);
  }

  function confirmAggregator(address aggregator_) external onlyOwner {
    require(aggregator_ == address(proposedAggregator), "Invalid proposed aggregator");
    address previous = address(currentPhase.aggregator);
    delete proposedAggregator;
    setAggregator(aggregator_);
    emit AggregatorConfirmed(previous, aggregator_);
  }

  function setAggregator(address aggregator_) internal {
    uint16 id = currentPhase.id + 1;
    currentPhase = Phase(id, AggregatorV2V3Interface(aggregator_));
    phaseAggregators[id] = AggregatorV2V3Interface(aggregator_);
  }

  function addPhase(uint16 phase, uint64 originalId) internal pure returns (uint80) {
    return uint80((uint256(phase) << PHASE_OFFSET) | originalId);
  }

  function parseIds(uint256 roundId_) internal pure returns (uint16, uint64) {
    return (uint16(roundId_ >> PHASE_OFFSET), uint64(roundId_));
  }

  function addPhaseIds(
    uint80 roundId,
    int256 answer,
    uint256 startedAt,
    uint256 updatedAt,
    uint80 answeredInRound,
    uint16 phaseId_
  ) internal pure returns (uint80, int256, uint256, uint256, uint80) {
    return (
      addPhase(phaseId_, uint64(roundId)),
      answer,
      startedAt,
      updatedAt,
      addPhase(phaseId_, uint64(answeredInRound))
    );
  }
}
