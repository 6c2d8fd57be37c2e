// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorInterface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorInterface.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import "../libraries/AggregatorSelectors.sol" as S;

/// @title SelectorProbe (test only)
/// @notice Every hand-typed error selector and event topic of libraries/AggregatorSelectors.sol
/// next to the value Solidity computes from the declaration (`.selector`), for
/// test/contracts/QuorumAggregator.selectors.test.ts.
contract SelectorProbe {
  struct Pair {
    string constantName;
    string declaration;
    uint256 typed;
    uint256 computed;
  }

  function pairs() external pure returns (Pair[] memory p) {
    p = new Pair[](14);
    p[0] = Pair(
      "E_MALFORMED_REPORT",
      "MalformedReport",
      S.E_MALFORMED_REPORT,
      uint32(IQuorumAggregator.MalformedReport.selector)
    );
    p[1] = Pair("E_UNKNOWN_FEED", "UnknownFeed", S.E_UNKNOWN_FEED, uint32(IQuorumAggregator.UnknownFeed.selector));
    p[2] = Pair(
      "E_FEEDS_NOT_ASCENDING",
      "FeedsNotAscending",
      S.E_FEEDS_NOT_ASCENDING,
      uint32(IQuorumAggregator.FeedsNotAscending.selector)
    );
    p[3] = Pair(
      "E_WRONG_OBSERVATION_COUNT",
      "WrongObservationCount",
      S.E_WRONG_OBSERVATION_COUNT,
      uint32(IQuorumAggregator.WrongObservationCount.selector)
    );
    p[4] = Pair(
      "E_INVALID_OBSERVATION_WIDTH",
      "InvalidObservationWidth",
      S.E_INVALID_OBSERVATION_WIDTH,
      uint32(IQuorumAggregator.InvalidObservationWidth.selector)
    );
    p[5] = Pair(
      "E_OBSERVATIONS_NOT_SORTED",
      "ObservationsNotSorted",
      S.E_OBSERVATIONS_NOT_SORTED,
      uint32(IQuorumAggregator.ObservationsNotSorted.selector)
    );
    p[6] = Pair(
      "E_OBSERVATIONS_TIMESTAMP_DECREASED",
      "ObservationsTimestampDecreased",
      S.E_OBSERVATIONS_TIMESTAMP_DECREASED,
      uint32(IQuorumAggregator.ObservationsTimestampDecreased.selector)
    );
    p[7] = Pair("E_STALE_REPORT", "StaleReport", S.E_STALE_REPORT, uint32(IQuorumAggregator.StaleReport.selector));
    p[8] = Pair(
      "E_REPORT_TOO_OLD",
      "ReportTooOld",
      S.E_REPORT_TOO_OLD,
      uint32(IQuorumAggregator.ReportTooOld.selector)
    );
    p[9] = Pair(
      "E_SIGNER_OUT_OF_RANGE",
      "SignerOutOfRange",
      S.E_SIGNER_OUT_OF_RANGE,
      uint32(IQuorumAggregator.SignerOutOfRange.selector)
    );
    p[10] = Pair(
      "E_DUPLICATE_SIGNER",
      "DuplicateSigner",
      S.E_DUPLICATE_SIGNER,
      uint32(IQuorumAggregator.DuplicateSigner.selector)
    );
    p[11] = Pair(
      "E_INVALID_SIGNATURE",
      "InvalidSignature",
      S.E_INVALID_SIGNATURE,
      uint32(IQuorumAggregator.InvalidSignature.selector)
    );
    p[12] = Pair(
      "TOPIC_ANSWER_UPDATED",
      "AnswerUpdated",
      S.TOPIC_ANSWER_UPDATED,
      uint256(AggregatorInterface.AnswerUpdated.selector)
    );
    p[13] = Pair("TOPIC_NEW_ROUND", "NewRound", S.TOPIC_NEW_ROUND, uint256(AggregatorInterface.NewRound.selector));
  }
}
