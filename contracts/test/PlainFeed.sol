// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Test support: an aggregator that answers the standard latestRoundData selector, like
/// Chainlink's own aggregators, and whose answer to one-byte calldata is settable: none (a revert,
/// as a contract without a fallback), different words, or the same words. It shows which read
/// path FeedProxy takes.
contract PlainFeed {
  enum ByteRead {
    Reverts,
    Differs,
    Matches
  }

  int256 internal constant ANSWER = 42e8;
  int256 internal constant OTHER_ANSWER = 666e8;

  ByteRead public s_byteRead;

  function setByteRead(ByteRead byteRead) external {
    s_byteRead = byteRead;
  }

  function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
    return (3, ANSWER, 100, 200, 3);
  }

  fallback(bytes calldata) external returns (bytes memory) {
    // A revert with no data is the case under test.
    // solhint-disable-next-line gas-custom-errors
    if (s_byteRead == ByteRead.Reverts) revert();
    return abi.encode(uint80(3), s_byteRead == ByteRead.Matches ? ANSWER : OTHER_ANSWER, 100, 200, uint80(3));
  }
}
