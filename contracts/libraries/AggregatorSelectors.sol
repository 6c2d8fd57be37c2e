// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Error selectors and event topics that QuorumAggregator's assembly needs as number literals
// (inline assembly takes no `.selector` expression). Each is the keccak256 of a signature
// declared in IQuorumAggregator or Chainlink's AggregatorInterface; contracts/test/SelectorProbe.sol
// returns every one of them next to the Solidity-computed value, and
// test/contracts/QuorumAggregator.selectors.test.ts asserts that each pair is equal.

uint256 constant E_MALFORMED_REPORT = 0x1a189c02;
uint256 constant E_UNKNOWN_FEED = 0x7ba8f9f8;
uint256 constant E_FEEDS_NOT_ASCENDING = 0x216a2655;
uint256 constant E_WRONG_OBSERVATION_COUNT = 0x6338ecf3;
uint256 constant E_INVALID_OBSERVATION_WIDTH = 0xc19208a3;
uint256 constant E_OBSERVATIONS_NOT_SORTED = 0xd7b63637;
uint256 constant E_OBSERVATIONS_TIMESTAMP_DECREASED = 0x868c3594;
uint256 constant E_STALE_REPORT = 0x14370f2c;
uint256 constant E_REPORT_TOO_OLD = 0x3a364746;
uint256 constant E_SIGNER_OUT_OF_RANGE = 0x2d17323c;
uint256 constant E_DUPLICATE_SIGNER = 0x9f4f72e1;
uint256 constant E_INVALID_SIGNATURE = 0x35f8d429;

uint256 constant TOPIC_ANSWER_UPDATED = 0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f;
uint256 constant TOPIC_NEW_ROUND = 0x0109fc6f55cf40689f02fbaad7af7fe7bbac8a3d2186600afc7d3e10cac60271;
