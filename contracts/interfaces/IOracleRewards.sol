// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Names (issue 14, contract half; the node half codes against these):
//   ISlaAccounting (implemented by QuorumAggregator, counted inside transmit):
//     slaWords(account) (raw counter words) flushSla() setSlaParams(mode, gasPriceCap, gasOverhead)
//     slaParams() setStaking(staking) staking()
//     events: SlaFlushed(transmitter, transmissions, reimbursementWei, lanes, laneWidth)
//             TransmissionAccounted(transmitter, gasUsed, gasPrice, reimbursementWei)
//             SlaParamsSet StakingSet
//   IOracleRewards (contracts/economics/OracleRewards.sol, holds the token budget and the native
//   reimbursement pot):
//     fund(amount) fundWithPermit(...) fundReimbursements() payable claim() withdrawReimbursement()
//     views: oracleTotals(account) -> (observations, transmissions, reimbursementWei)
//            claimable(account) claimed(account) reimbursementOwed(account) totalFunded()
//            totalPaid() rewardPerObservation() rewardPerTransmission() aggregator() token()
//            reimbursementTotals()
//     events: RewardsFunded RewardClaimed BudgetExhausted ReimbursementsFunded
//             ReimbursementWithdrawn
// Deployment from TypeScript: oracle-node/src/chain/deploy-economics.ts (deployEconomics; the
// OracleRewards deployment is to be added there when the branches merge).

/// @title ISlaAccounting
/// @notice The per-oracle service counters QuorumAggregator keeps inside transmit
/// (docs/protocol.md "Service accounting"): per report, one observation for every signer whose
/// observation the report includes in at least one feed (the union of the feeds' observers),
/// one transmission and the gas reimbursement for its transmitter. The counters live in one
/// pending slot per transmitter (lanes of 192 / (n + 1) bits) and are flushed into per-index and
/// per-address totals when a lane could overflow, at setConfig and on flushSla. Modes: 0 off
/// (no accounting: the deployment default), 1 reimbursement and transmissions, 2 everything.
interface ISlaAccounting {
  /// @notice mode > 2, gasPriceCap not a multiple of 10^6 wei or above 2^32 x 10^6 wei, or
  /// gasOverhead >= 2^24.
  error InvalidSlaParams(uint256 mode, uint256 gasPriceCap, uint256 gasOverhead);

  /// @notice A transmitter's pending counters moved into the totals: its transmissions and wei,
  /// and the observations it counted per committee index i (of the config active at this block):
  /// (lanes >> (i * laneWidth)) & (2^laneWidth - 1).
  event SlaFlushed(
    address indexed transmitter,
    uint256 transmissions,
    uint256 reimbursementWei,
    uint256 lanes,
    uint256 laneWidth
  );
  /// @notice One transmit's reimbursement: (gasUsed) x gasPrice = reimbursementWei, where gasUsed
  /// is the measured gas + 21,000 + 16 per calldata byte + gasOverhead and gasPrice is
  /// min(tx.gasprice, gasPriceCap).
  event TransmissionAccounted(address indexed transmitter, uint256 gasUsed, uint256 gasPrice, uint256 reimbursementWei);
  event SlaParamsSet(uint8 mode, uint256 gasPriceCap, uint256 gasOverhead);
  /// @notice setConfig calls staking.admitConfig from now on (address(0): no staking).
  event StakingSet(address staking);

  /// @notice The raw words of the accounting storage (libraries/SlaAccounting.sol layout): the
  /// pending slot of committee index 0..30, the per-index observation totals 31..38 and
  /// totals[account] at 39; words beyond the current committee read as 0. IOracleRewards.oracleTotals
  /// decodes them (SlaAccounting.totalsFrom).
  function slaWords(address account) external view returns (uint256[40] memory words);

  /// @notice Flushes every transmitter's pending counters now (anyone; no-op when none pending).
  function flushSla() external;

  /// @notice Owner: the accounting mode, the gas price cap (wei) and the calibrated constant
  /// added to measured gas. Turning accounting on marks the committee's slots.
  function setSlaParams(uint8 mode, uint256 gasPriceCap, uint256 gasOverhead) external;

  function slaParams() external view returns (uint8 mode, uint256 gasPriceCap, uint256 gasOverhead);

  /// @notice Owner: the staking contract setConfig admits each config with (address(0): none,
  /// a documented mode for deployments without stake).
  function setStaking(address staking) external;

  function staking() external view returns (address);
}

/// @title IOracleRewards
/// @notice The reward budget (OracleToken, funded by anyone) and the native-coin reimbursement
/// pot. Claims are pulled by the payee and convert the aggregator's totals:
/// owed = observations x rewardPerObservation + transmissions x rewardPerTransmission - claimed,
/// paid up to what the budget still holds (BudgetExhausted when it runs out). The rates are
/// fixed at deployment: counts never get repriced. Reimbursement owed = the aggregator's
/// reimbursementWei - withdrawn, paid up to the pot.
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
  /// @notice A withdrawal found the native pot short: `unpaid` stays owed until it is refilled.
  event ReimbursementsExhausted(address indexed transmitter, uint256 unpaid);

  function fund(uint256 amount) external;
  function fundWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
  function fundReimbursements() external payable;
  /// @notice Pays the caller's claimable rewards (tokens).
  function claim() external returns (uint256 paid);
  /// @notice Pays the caller's owed native reimbursement, up to the pot.
  function withdrawReimbursement() external returns (uint256 paid);

  /// @notice Per account totals over every config since deployment, flushed and pending: the
  /// reports that included this signer's observation, the transmits sent by this transmitter and
  /// the gas reimbursement accrued by it (the aggregator's slaWords, decoded).
  function oracleTotals(
    address account
  ) external view returns (uint256 observations, uint256 transmissions, uint256 reimbursementWei);

  function claimable(address account) external view returns (uint256);
  function claimed(address account) external view returns (uint256);
  function reimbursementOwed(address account) external view returns (uint256);
  function totalFunded() external view returns (uint256);
  function totalPaid() external view returns (uint256);
  function rewardPerObservation() external view returns (uint256);
  function rewardPerTransmission() external view returns (uint256);
  /// @notice Native coin paid into and out of the reimbursement pot.
  function reimbursementTotals() external view returns (uint256 funded, uint256 paid);
  function reimbursementWithdrawn(address account) external view returns (uint256);
  function aggregator() external view returns (address);
  function token() external view returns (address);
}
