// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IOracleRewards, ISlaAccounting} from "../interfaces/IOracleRewards.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {SlaAccounting, SLA_WORDS} from "../libraries/SlaAccounting.sol";

/// @title OracleRewards
/// @notice Pays what one QuorumAggregator's service counters earned (docs/economics-rewards.md):
/// reward tokens per included observation and per transmission, out of a budget anyone funds,
/// and the transmitters' gas reimbursement in the native coin, out of a pot anyone funds. Every
/// payout is pulled by its payee; nothing is ever pushed.
/// @dev Invariants: totalPaid() <= totalFunded() and reimbursement paid <= funded (each payout
/// is capped by what the budget still holds); claimed(a) <= owed(a) (a second claim of the same
/// counts pays 0). State is written before any transfer and every entry point that moves value
/// is nonReentrant, so a reentrant token or payee gets nothing twice. The rates are immutable:
/// counts are never repriced. transmit never calls this contract.
contract OracleRewards is IOracleRewards, ReentrancyGuard {
  using SafeERC20 for IERC20;

  ISlaAccounting private immutable i_aggregator;
  IERC20 private immutable i_token;
  uint256 private immutable i_rewardPerObservation;
  uint256 private immutable i_rewardPerTransmission;

  uint256 private s_totalFunded;
  uint256 private s_totalPaid;
  uint256 private s_reimbursementsFunded;
  uint256 private s_reimbursementsPaid;
  mapping(address => uint256) private s_claimed;
  mapping(address => uint256) private s_withdrawn;

  constructor(address aggregator_, address token_, uint256 rewardPerObservation_, uint256 rewardPerTransmission_) {
    i_aggregator = ISlaAccounting(aggregator_);
    i_token = IERC20(token_);
    i_rewardPerObservation = rewardPerObservation_;
    i_rewardPerTransmission = rewardPerTransmission_;
  }

  /// @notice Plain native transfers fund the reimbursement pot.
  receive() external payable {
    _fundReimbursements();
  }

  /// @inheritdoc IOracleRewards
  function fund(uint256 amount) external override nonReentrant {
    _fund(amount);
  }

  /// @inheritdoc IOracleRewards
  /// @dev A failing permit (for example one already used by a front-runner) is ignored: the
  /// transfer then needs the allowance the permit would have set.
  function fundWithPermit(
    uint256 amount,
    uint256 deadline,
    uint8 v,
    bytes32 r,
    bytes32 s
  ) external override nonReentrant {
    try IERC20Permit(address(i_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
    _fund(amount);
  }

  /// @inheritdoc IOracleRewards
  function fundReimbursements() external payable override {
    _fundReimbursements();
  }

  /// @inheritdoc IOracleRewards
  function claim() external override nonReentrant returns (uint256 paid) {
    uint256 due = _owed(msg.sender) - s_claimed[msg.sender];
    if (due == 0) revert NothingToClaim(msg.sender);
    uint256 available = s_totalFunded - s_totalPaid;
    paid = due < available ? due : available;
    if (paid < due) emit BudgetExhausted(msg.sender, due - paid);
    if (paid == 0) return 0;
    s_claimed[msg.sender] += paid;
    s_totalPaid += paid;
    emit RewardClaimed(msg.sender, paid, s_claimed[msg.sender]);
    i_token.safeTransfer(msg.sender, paid);
  }

  /// @inheritdoc IOracleRewards
  function withdrawReimbursement() external override nonReentrant returns (uint256 paid) {
    (, , uint256 accrued) = oracleTotals(msg.sender);
    uint256 due = accrued - s_withdrawn[msg.sender];
    if (due == 0) revert NothingToClaim(msg.sender);
    uint256 available = s_reimbursementsFunded - s_reimbursementsPaid;
    paid = due < available ? due : available;
    if (paid < due) emit ReimbursementsExhausted(msg.sender, due - paid);
    if (paid == 0) return 0;
    s_withdrawn[msg.sender] += paid;
    s_reimbursementsPaid += paid;
    emit ReimbursementWithdrawn(msg.sender, paid);
    (bool ok, ) = msg.sender.call{value: paid}("");
    if (!ok) revert TransferFailed(msg.sender, paid);
  }

  /// @inheritdoc IOracleRewards
  function oracleTotals(address account) public view override returns (uint256, uint256, uint256) {
    uint256[SLA_WORDS] memory words = i_aggregator.slaWords(account);
    (address[] memory signers, address[] memory transmitters, ) = IQuorumAggregator(address(i_aggregator))
      .getOracles();
    return SlaAccounting.totalsFrom(words, account, signers, transmitters);
  }

  /// @inheritdoc IOracleRewards
  /// @dev What the counts earned and is not yet claimed; a claim pays it up to the budget.
  function claimable(address account) external view override returns (uint256) {
    return _owed(account) - s_claimed[account];
  }

  /// @inheritdoc IOracleRewards
  function claimed(address account) external view override returns (uint256) {
    return s_claimed[account];
  }

  /// @inheritdoc IOracleRewards
  function reimbursementOwed(address account) external view override returns (uint256) {
    (, , uint256 accrued) = oracleTotals(account);
    return accrued - s_withdrawn[account];
  }

  /// @inheritdoc IOracleRewards
  function reimbursementWithdrawn(address account) external view override returns (uint256) {
    return s_withdrawn[account];
  }

  /// @inheritdoc IOracleRewards
  function totalFunded() external view override returns (uint256) {
    return s_totalFunded;
  }

  /// @inheritdoc IOracleRewards
  function totalPaid() external view override returns (uint256) {
    return s_totalPaid;
  }

  /// @inheritdoc IOracleRewards
  function reimbursementTotals() external view override returns (uint256 funded, uint256 paid) {
    return (s_reimbursementsFunded, s_reimbursementsPaid);
  }

  /// @inheritdoc IOracleRewards
  function rewardPerObservation() external view override returns (uint256) {
    return i_rewardPerObservation;
  }

  /// @inheritdoc IOracleRewards
  function rewardPerTransmission() external view override returns (uint256) {
    return i_rewardPerTransmission;
  }

  /// @inheritdoc IOracleRewards
  function aggregator() external view override returns (address) {
    return address(i_aggregator);
  }

  /// @inheritdoc IOracleRewards
  function token() external view override returns (address) {
    return address(i_token);
  }

  /// @dev Counts the tokens this contract received (a token may take a fee on transfer).
  function _fund(uint256 amount) private {
    if (amount == 0) revert ZeroAmount();
    uint256 before = i_token.balanceOf(address(this));
    i_token.safeTransferFrom(msg.sender, address(this), amount);
    uint256 received = i_token.balanceOf(address(this)) - before;
    s_totalFunded += received;
    emit RewardsFunded(msg.sender, received, s_totalFunded);
  }

  function _fundReimbursements() private {
    if (msg.value == 0) revert ZeroAmount();
    s_reimbursementsFunded += msg.value;
    emit ReimbursementsFunded(msg.sender, msg.value);
  }

  /// @dev Everything the account's counts earned since deployment.
  function _owed(address account) private view returns (uint256) {
    (uint256 observations, uint256 transmissions, ) = oracleTotals(account);
    return observations * i_rewardPerObservation + transmissions * i_rewardPerTransmission;
  }
}
