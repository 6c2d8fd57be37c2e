// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Revert strings kept as in Chainlink's contracts this ports.

// solhint-disable gas-custom-errors

/// @notice Test support: a Chainlink-style aggregator with one settable round whose
/// answeredInRound may lag its roundId (as FluxAggregator's did when a round timed out), to check
/// that a proxy combines answeredInRound with its phase instead of overwriting it.
contract LaggingFeed {
  uint80 private s_roundId;
  uint80 private s_answeredInRound;
  int256 private s_answer;
  uint256 private s_updatedAt;

  function set(uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound) external {
    (s_roundId, s_answer, s_updatedAt, s_answeredInRound) = (roundId, answer, updatedAt, answeredInRound);
  }

  function latestRoundData() public view returns (uint80, int256, uint256, uint256, uint80) {
    return (s_roundId, s_answer, s_updatedAt, s_updatedAt, s_answeredInRound);
  }

  function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
    require(roundId == s_roundId, "No data present");
    return latestRoundData();
  }
}
