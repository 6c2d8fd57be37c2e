// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Test support: a proxy stand-in whose price and confidence belong to different rounds,
/// and whose answer and age are settable, to drive every rejection path of LendingConsumer.
contract MismatchedProxy {
  uint80 public s_priceRound = 2;
  uint80 public s_confidenceRound = 1;
  int256 public s_answer = 100e8;
  uint256 public s_updatedAt;
  uint256 public s_confidence;

  constructor() {
    s_updatedAt = block.timestamp;
  }

  function set(
    uint80 priceRound,
    uint80 confidenceRound,
    int256 answer,
    uint256 updatedAt,
    uint256 confidence
  ) external {
    (s_priceRound, s_confidenceRound, s_answer, s_updatedAt, s_confidence) = (
      priceRound,
      confidenceRound,
      answer,
      updatedAt,
      confidence
    );
  }

  function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
    return (s_priceRound, s_answer, s_updatedAt, s_updatedAt, s_priceRound);
  }

  function latestConfidence() external view returns (uint80, uint256) {
    return (s_confidenceRound, s_confidence);
  }

  function decimals() external pure returns (uint8) {
    return 8;
  }
}
