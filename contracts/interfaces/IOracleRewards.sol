// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Names (issue 14, contract half; the node half codes against these):
//   ISlaAccounting (implemented by QuorumAggregator, counted inside transmit):
//     oracleTotals(account) -> (observations, transmissions, reimbursementWei)
//     pendingCounters() flushSla() setSlaParams(gasPriceCap, gasOverhead) slaParams()
//     events: SlaFlushed(round, signers, observations) TransmissionAccounted(transmitter,
//             gasUsed, gasPrice, reimbursementWei) SlaParamsSet
//   IOracleRewards (OracleRewards, holds the token budget and the native reimbursement pot):
//     fund(amount) fundWithPermit(...) fundReimbursements() payable claim() withdrawReimbursement()
//     views: claimable(account) claimed(account) reimbursementOwed(account) totalFunded()
//            totalPaid() rewardPerObservation() rewardPerTransmission()
//     events: RewardsFunded RewardClaimed BudgetExhausted ReimbursementsFunded
//             ReimbursementWithdrawn
// Deployment from TypeScript: oracle-node/src/chain/deploy-economics.ts (deployEconomics).

/// @title ISlaAccounting
/// @notice The per-oracle service counters QuorumAggregator keeps inside transmit: one
/// observation per signer per report that includes its observation in at least one feed, one
/// transmission and the gas reimbursement per transmitter. Observations are counted in a packed
/// word (8 bits per committee index) and flushed into per-signer totals every FLUSH_ROUNDS
/// reports (and at setConfig); transmissions and reimbursement are accrued at once.
interface ISlaAccounting {
  event SlaFlushed(uint256 rounds, address[] signers, uint256[] observations);
  event TransmissionAccounted(address indexed transmitter, uint256 gasUsed, uint256 gasPrice, uint256 reimbursementWei);
  event SlaParamsSet(uint256 gasPriceCap, uint256 gasOverhead);

  /// @notice Per account totals since deployment (flushed part only, for observations).
  /// @return observations reports that included this signer's observation
  /// @return transmissions accepted transmits sent by this transmitter
  /// @return reimbursementWei gas reimbursement accrued by this transmitter
  function oracleTotals(
    address account
  ) external view returns (uint64 observations, uint64 transmissions, uint128 reimbursementWei);

  /// @notice The unflushed counter word: 8 bits per committee index (0..30), rounds at 248..255.
  function pendingCounters() external view returns (uint256);

  /// @notice Flushes the pending counters now (anyone; a no-op when nothing is pending).
  function flushSla() external;

  /// @notice Owner: the gas price cap (wei) and the calibrated constant added to measured gas.
  function setSlaParams(uint256 gasPriceCap, uint256 gasOverhead) external;

  function slaParams() external view returns (uint256 gasPriceCap, uint256 gasOverhead, uint256 flushRounds);
}

/// @title IOracleRewards
/// @notice The reward budget (OracleToken, funded by anyone) and the native-coin reimbursement
/// pot. Claims are pulled by the payee and convert the aggregator's totals:
/// owed = observations x rewardPerObservation + transmissions x rewardPerTransmission - claimed,
/// paid up to what the budget still holds (BudgetExhausted when it runs out).
interface IOracleRewards {
  error ZeroAmount();
  error NothingToClaim(address account);
  error TransferFailed(address to, uint256 amount);

  event RewardsFunded(address indexed funder, uint256 amount, uint256 totalFunded);
  event RewardClaimed(address indexed account, uint256 amount, uint256 claimedTotal);
  /// @notice A claim found the budget short: `unpaid` stays owed until the budget is refilled.
  event BudgetExhausted(address indexed account, uint256 unpaid);
  event ReimbursementsFunded(address indexed funder, uint256 amount);
  event ReimbursementWithdrawn(address indexed transmitter, uint256 amount);

  function fund(uint256 amount) external;
  function fundWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
  function fundReimbursements() external payable;
  /// @notice Pays the caller's claimable rewards (tokens).
  function claim() external returns (uint256 paid);
  /// @notice Pays the caller's owed native reimbursement, up to the pot.
  function withdrawReimbursement() external returns (uint256 paid);

  function claimable(address account) external view returns (uint256);
  function claimed(address account) external view returns (uint256);
  function reimbursementOwed(address account) external view returns (uint256);
  function totalFunded() external view returns (uint256);
  function totalPaid() external view returns (uint256);
  function rewardPerObservation() external view returns (uint256);
  function rewardPerTransmission() external view returns (uint256);
}
