// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleRewards} from "../economics/OracleRewards.sol";
import {SlaHarness} from "./SlaHarness.sol";
import {RewardsReentrantPayee as ReentrantPayee} from "./RewardsReentrantPayee.sol";
import {RewardsReentrantToken as ReentrantToken} from "./RewardsReentrantToken.sol";

/// @title SlaInvariantDriver (test only)
/// @notice Runs random sequences of fund, fundReimbursements, transmit (random transmitter and
/// observer bitmap), claim, withdrawReimbursement, setConfig, flushSla, near-flush and parameter
/// changes against the real accounting library (SlaHarness) and a real OracleRewards, paying a
/// ReentrantToken to ReentrantPayee contracts that re-enter on every payment. The sequences run
/// back to back on one harness and one OracleRewards (so counts, claims and the budget carry
/// over and grow): each starts with a random committee of the payees (the previous committee
/// rolled over, as setConfig does; one sequence in three), random parameters and a random
/// hooked payee. Fresh state
/// per sequence (new contracts) cost 3.5x the gas, too slow for npm test.
/// A shadow model counts what the events carry (observers, transmitter, wei); any broken
/// invariant reverts with InvariantBroken(sequence, step, what):
/// transmit never reverts; every payout is exactly min(due, what is left); total paid <= total
/// funded (tokens and coin, checked against the balances); a second claim or withdrawal pays 0;
/// no reentry succeeds; at the end of each sequence the on-chain totals equal the shadow's.
contract SlaInvariantDriver {
  error InvariantBroken(uint256 sequence, uint256 step, string what);

  uint256 private constant POOL = 4;
  uint256 private constant MAX_CAP_UNITS = type(uint32).max;
  uint256 private constant MAX_OVERHEAD = type(uint24).max;

  ReentrantToken public immutable token = new ReentrantToken();
  SlaHarness private immutable s_harness = new SlaHarness();
  OracleRewards private immutable s_rewards = new OracleRewards(address(s_harness), address(token), 3, 5);
  // The rates above: 3 per observation, 5 per transmission.
  ReentrantPayee[POOL] public pool;

  address[] private s_signers;
  address[] private s_transmitters;
  uint256 private s_mode;
  uint256 private s_rand;
  uint256 private s_sequence;
  uint256 private s_step;
  mapping(address => uint256) private s_obs;
  mapping(address => uint256) private s_txs;
  mapping(address => uint256) private s_wei;

  /// @notice What the runs exercised (the test asserts each happened).
  uint256 public sequences;
  uint256 public steps;
  uint256 public transmits;
  uint256 public claimsPaid;
  uint256 public shortClaims;
  uint256 public withdrawalsPaid;
  uint256 public shortWithdrawals;
  uint256 public committeeChanges;
  uint256 public nearFlushes;

  constructor() payable {
    for (uint256 i = 0; i < POOL; ++i) {
      pool[i] = new ReentrantPayee();
      pool[i].setRewards(s_rewards);
    }
  }

  receive() external payable {}

  /// @notice Sequences first..first+count-1; the totals are checked against the shadow after
  /// every tenth sequence and after the last (the state carries over, so a divergence persists).
  function run(uint256 seed, uint256 first, uint256 count) external {
    for (uint256 s = first; s < first + count; ++s) {
      _sequence(seed, s);
      if (s % 10 == 9 || s == first + count - 1) _checkTotals();
    }
  }

  function _sequence(uint256 seed, uint256 s) private {
    s_sequence = s;
    s_rand = uint256(keccak256(abi.encode(seed, s)));
    token.setHooked(address(pool[_rnd(POOL)]));
    _params();
    if (s_signers.length == 0 || _rnd(3) == 0) _committee();
    uint256 length = 2 + _rnd(4);
    for (uint256 k = 0; k < length; ++k) {
      s_step = k;
      _stepOnce();
    }
    ++sequences;
    steps += length;
  }

  function _stepOnce() private {
    uint256 kind = _rnd(13);
    if (kind < 4) _transmit(_rnd(s_signers.length));
    else if (kind == 4) _fund();
    else if (kind == 5) _fundReimbursements();
    else if (kind < 8) _claim(pool[_rnd(POOL)]);
    else if (kind == 8) _withdraw(pool[_rnd(POOL)]);
    else if (kind == 9) _committee();
    else if (kind == 10) s_harness.flushSla();
    else if (kind == 11) _nearFlush();
    else _params();
  }

  function _transmit(uint256 j) private {
    uint256 n = s_signers.length;
    uint256 observers = _rnd(1 << n);
    try s_harness.transmit(j, observers) returns (uint256 amount) {
      if (s_mode == 0) return;
      ++transmits;
      s_txs[s_transmitters[j]] += 1;
      s_wei[s_transmitters[j]] += amount;
      if (s_mode == 2) {
        for (uint256 i = 0; i < n; ++i) if ((observers >> i) & 1 == 1) s_obs[s_signers[i]] += 1;
      }
    } catch {
      _fail("transmit reverted");
    }
  }

  function _nearFlush() private {
    uint256 j = _rnd(s_signers.length);
    // The added count is as if that many reports without observers had been sent (no wei); with
    // accounting off no transmit counts, so there is nothing to fast-forward.
    if (s_mode == 0) return;
    s_txs[s_transmitters[j]] += s_harness.nearFlush(j);
    ++nearFlushes;
    _transmit(j);
  }

  function _fund() private {
    uint256 amount = 1 + _rnd(100);
    token.mint(address(this), amount);
    token.approve(address(s_rewards), amount);
    s_rewards.fund(amount);
  }

  function _fundReimbursements() private {
    // Mostly less than a few transmits accrue (short withdrawals), sometimes more than any run.
    s_rewards.fundReimbursements{value: 1 + (_rnd(4) == 0 ? _rnd(3e19) : _rnd(1e14))}();
  }

  function _claim(ReentrantPayee payee) private {
    address a = address(payee);
    uint256 due = s_obs[a] * 3 + s_txs[a] * 5;
    uint256 claimedBefore = s_rewards.claimed(a);
    uint256 available = s_rewards.totalFunded() - s_rewards.totalPaid();
    uint256 expected = _min(due - claimedBefore, available);
    uint256 before = token.balanceOf(a);
    try payee.claim() {} catch {}
    uint256 paid = token.balanceOf(a) - before;
    if (paid != expected) _fail("claim paid other than min(due, left)");
    if (paid != 0) ++claimsPaid;
    if (expected < due - claimedBefore) ++shortClaims;
    try payee.claim() {} catch {}
    if (token.balanceOf(a) != before + paid) _fail("second claim paid");
    _checkBudgets(payee);
  }

  function _withdraw(ReentrantPayee payee) private {
    address a = address(payee);
    (uint256 funded, uint256 paidTotal) = s_rewards.reimbursementTotals();
    uint256 owedBefore = s_wei[a] - s_rewards.reimbursementWithdrawn(a);
    uint256 expected = _min(owedBefore, funded - paidTotal);
    uint256 before = a.balance;
    try payee.withdrawReimbursement() {} catch {}
    uint256 paid = a.balance - before;
    if (paid != expected) _fail("withdrawal paid other than min(owed, pot)");
    if (paid != 0) ++withdrawalsPaid;
    if (expected < owedBefore) ++shortWithdrawals;
    try payee.withdrawReimbursement() {} catch {}
    if (a.balance != before + paid) _fail("second withdrawal paid");
    _checkBudgets(payee);
  }

  function _checkBudgets(ReentrantPayee payee) private view {
    if (payee.reentriesSucceeded() != 0) _fail("a reentry succeeded");
    uint256 funded = s_rewards.totalFunded();
    uint256 paid = s_rewards.totalPaid();
    if (paid > funded || token.balanceOf(address(s_rewards)) != funded - paid) _fail("token paid > funded");
    (uint256 rf, uint256 rp) = s_rewards.reimbursementTotals();
    if (rp > rf || address(s_rewards).balance != rf - rp) _fail("coin paid > funded");
  }

  function _committee() private {
    uint256 n = 1 + _rnd(POOL);
    delete s_signers;
    delete s_transmitters;
    uint256 a = _rnd(POOL);
    uint256 b = _rnd(POOL);
    // Two rotations of the pool, stepped by 1 or 3 (coprime with 4): n distinct each.
    uint256 stepA = _rnd(2) == 0 ? 1 : 3;
    uint256 stepB = _rnd(2) == 0 ? 1 : 3;
    for (uint256 i = 0; i < n; ++i) {
      s_signers.push(address(pool[(a + i * stepA) % POOL]));
      s_transmitters.push(address(pool[(b + i * stepB) % POOL]));
    }
    s_harness.setCommittee(s_signers, s_transmitters);
    ++committeeChanges;
  }

  function _params() private {
    s_mode = _rnd(3);
    uint256 c = _rnd(3);
    uint256 capUnits = c == 0 ? 0 : c == 1 ? 2_000 : MAX_CAP_UNITS;
    uint256 overhead = _rnd(2) == 0 ? _rnd(100_000) : MAX_OVERHEAD;
    s_harness.setParams(s_mode, capUnits, overhead);
  }

  function _checkTotals() private view {
    for (uint256 i = 0; i < POOL; ++i) {
      address a = address(pool[i]);
      (uint256 o, uint256 t, uint256 w) = s_rewards.oracleTotals(a);
      if (o != s_obs[a] || t != s_txs[a] || w != s_wei[a]) _fail("totals differ from the shadow");
      if (s_rewards.claimed(a) > o * 3 + t * 5) _fail("claimed > owed");
    }
  }

  function _rnd(uint256 m) private returns (uint256) {
    s_rand = uint256(keccak256(abi.encode(s_rand)));
    return s_rand % m;
  }

  function _min(uint256 a, uint256 b) private pure returns (uint256) {
    return a < b ? a : b;
  }

  function _fail(string memory what) private view {
    revert InvariantBroken(s_sequence, s_step, what);
  }
}
