// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {OracleStaking} from "../economics/OracleStaking.sol";
import {IOracleStaking} from "../interfaces/IOracleStaking.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {ReentrantPayee, ReentrantToken} from "./ReentrantToken.sol";

/// @title OracleStakingHarness
/// @notice OracleStaking with a settable clock, so a sequence can span weeks inside one call.
contract OracleStakingHarness is OracleStaking {
  uint256 public s_time;

  constructor(
    address owner,
    IERC20 token_,
    IQuorumAggregator aggregator_,
    address treasury_,
    Params memory params
  ) OracleStaking(owner, token_, aggregator_, treasury_, params) {
    s_time = block.timestamp;
  }

  function setTime(uint256 t) external {
    s_time = t;
  }

  function _now() internal view override returns (uint256) {
    return s_time;
  }

  /// @notice active + unbonding of each signer, in one call (the driver checks after every step).
  function stakeTotals(address[4] calldata signers) external view returns (uint256[4] memory out) {
    for (uint256 i = 0; i < 4; ++i) out[i] = uint256(s_stakes[signers[i]].active) + s_stakes[signers[i]].unbonding;
  }

  /// @notice Sum of the accounts' unpaid payouts.
  function payoutSum(address[5] calldata accounts) external view returns (uint256 sum) {
    for (uint256 i = 0; i < 5; ++i) sum += s_payouts[accounts[i]];
  }
}

/// @title StakingFuzzDriver
/// @notice Runs short random sequences of stake / unbond / withdraw / warp / alert / prove /
/// reconfigure / withdrawPayout / feed update against an OracleStakingHarness whose aggregator
/// is this contract (it answers feedCount, getOracles and latestRoundData), checking the
/// invariants of docs/economics.md after every step. Each sequence runs in a self-call that
/// always reverts (SequenceDone), so every sequence starts from the same set-up state.
contract StakingFuzzDriver {
  error SequenceDone(uint256[10] okCounts);
  error InvariantBroken(uint256 code, uint256 step, uint256 a, uint256 b);

  struct Proof {
    bytes reportA;
    bytes sigA;
    bytes reportB;
    bytes sigB;
  }

  uint256 internal constant SIGNERS = 4;
  uint256 internal constant ACTORS = 4;
  uint256 internal constant STEPS = 6;
  bytes32 public constant DIGEST_1 = keccak256("fuzz config 1");
  bytes32 public constant DIGEST_2 = keccak256("fuzz config 2");

  address[SIGNERS] internal s_signers;
  OracleStakingHarness public staking;
  ReentrantToken public token;
  ReentrantPayee[ACTORS] internal s_actors;
  /// @dev Proof pairs by signer * 4 + round * 2 + (digest 2 ? 1 : 0).
  mapping(uint256 => Proof) internal s_proofs;
  /// @dev Every account a payout can be credited to: the actors and the treasury (this contract).
  address[ACTORS + 1] internal s_payees;
  uint256 internal s_updatedAt;
  uint256 internal s_minimum;
  /// @dev 1 + the signer config 2 left out, 0 before config 2 (reset with every sequence).
  uint256 internal s_left;

  constructor(address[SIGNERS] memory signers) {
    s_signers = signers;
  }

  // --- the aggregator views OracleStaking reads ---------------------------------------------

  function feedCount() external pure returns (uint256) {
    return 1;
  }

  function getOracles() external view returns (address[] memory signers, address[] memory transmitters, uint8 f) {
    signers = new address[](SIGNERS);
    transmitters = new address[](SIGNERS);
    for (uint256 i = 0; i < SIGNERS; ++i) {
      signers[i] = s_signers[i];
      transmitters[i] = address(uint160(0x7a11 + i));
    }
    f = 1;
  }

  /// @dev latestRoundData of the feed in the trailing word (only feed 0 exists).
  function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
    return (1, 1, s_updatedAt, s_updatedAt, 1);
  }

  // --- set-up ---------------------------------------------------------------------------------

  function addProof(
    uint256 index,
    bytes calldata reportA,
    bytes calldata sigA,
    bytes calldata reportB,
    bytes calldata sigB
  ) external {
    s_proofs[index] = Proof(reportA, sigA, reportB, sigB);
  }

  /// @notice Every signer staked by actor (i % 3) with 2 x minimum.
  function setUp(
    OracleStakingHarness staking_,
    ReentrantToken token_,
    ReentrantPayee[ACTORS] calldata actors
  ) external {
    staking = staking_;
    token = token_;
    s_actors = actors;
    s_minimum = staking_.minimumStake();
    s_payees[ACTORS] = address(this);
    // On every transfer the token calls the actor paying or paid back; each re-enters: actors
    // 0 and 2 with withdrawPayout, 1 and 3 with withdraw of a signer they operate.
    token_.setHook(token_.PARTY_HOOK(), abi.encodeCall(ReentrantPayee.reenter, ()));
    for (uint256 i = 0; i < ACTORS; ++i) {
      s_payees[i] = address(actors[i]);
      actors[i].setReentry(
        i % 2 == 0
          ? abi.encodeCall(IOracleStaking.withdrawPayout, ())
          : abi.encodeCall(IOracleStaking.withdraw, (s_signers[i]))
      );
      token_.mint(address(actors[i]), 1_000 * s_minimum);
      actors[i].act(address(token_), abi.encodeCall(IERC20.approve, (address(staking_), type(uint256).max)));
    }
    // Config 1 is signers 0..2; signer 3 stays outside with half its stake unbonding.
    address[] memory members = new address[](SIGNERS - 1);
    for (uint256 i = 0; i < SIGNERS; ++i) {
      actors[i % 3].act(address(staking_), abi.encodeCall(IOracleStaking.stake, (s_signers[i], 2 * s_minimum)));
      if (i < SIGNERS - 1) members[i] = s_signers[i];
    }
    actors[0].act(address(staking_), abi.encodeCall(IOracleStaking.requestUnbond, (s_signers[SIGNERS - 1], s_minimum)));
    staking_.admitConfig(DIGEST_1, members);
    staking_.setFeedHeartbeat(0, 3600);
    // Signer 3's unbonding ends an hour from the start of every sequence.
    staking_.setTime(staking_.s_time() + staking_.unbondingPeriod() - 1 hours);
    s_updatedAt = staking_.s_time();
  }

  // --- sequences ------------------------------------------------------------------------------

  /// @notice Runs `count` sequences from seeds seed, seed + 1, ...; returns how many steps of
  /// each kind succeeded (the rest were refused, as random inputs often are).
  function runMany(uint256 seed, uint256 count) external returns (uint256[10] memory ok) {
    for (uint256 i = 0; i < count; ++i) {
      try this.runSequence(seed + i) {
        revert InvariantBroken(0, 0, 0, 0);
      } catch (bytes memory ret) {
        if (bytes4(ret) != SequenceDone.selector) {
          assembly ("memory-safe") {
            revert(add(ret, 32), mload(ret))
          }
        }
        // SequenceDone's ten words follow the selector.
        for (uint256 k = 0; k < 10; ++k) {
          uint256 c;
          assembly ("memory-safe") {
            c := mload(add(add(ret, 36), mul(k, 32)))
          }
          ok[k] += c;
        }
      }
    }
  }

  /// @notice One sequence of STEPS random steps; always reverts (SequenceDone or InvariantBroken).
  function runSequence(uint256 seed) external {
    uint256[10] memory ok;
    for (uint256 step = 0; step < STEPS; ++step) {
      uint256 r = _rand(seed, step);
      uint256 op = r % 9;
      if (_step(op, r >> 8, step)) ++ok[op];
      _checkMoney(step);
    }
    // The token's hook calls reenter(), which never reverts; the payee counts its re-entries.
    for (uint256 i = 0; i < ACTORS; ++i) {
      if (s_actors[i].reentrySuccesses() != 0) revert InvariantBroken(9, STEPS, i, s_actors[i].reentrySuccesses());
    }
    ok[9] = token.reentryAttempts();
    revert SequenceDone(ok);
  }

  function _rand(uint256 seed, uint256 salt) private pure returns (uint256) {
    return uint256(keccak256(abi.encode(seed, salt)));
  }

  /// @dev One step; true if the staking contract accepted it.
  function _step(uint256 op, uint256 r, uint256 step) private returns (bool) {
    uint256 signerIndex = (r >> 8) % SIGNERS;
    address signer = s_signers[signerIndex];
    // Half the steps come from the signer's own operator (actor signerIndex % 3), so that
    // unbonding and withdrawals are accepted often; the other half from a random actor.
    ReentrantPayee actor = s_actors[(r >> 40) % 2 == 0 ? signerIndex % 3 : r % ACTORS];
    uint256 amount = ((r >> 16) % (3 * s_minimum)) + 1;
    if (op == 0) return _call(actor, abi.encodeCall(IOracleStaking.stake, (signer, amount)));
    if (op == 1) {
      // Only a signer outside the active config may unbond: the one config 2 left out, if any.
      if ((r >> 56) % 2 == 0) {
        uint256 outside = s_left == 0 ? SIGNERS - 1 : s_left - 1;
        signer = s_signers[outside];
        actor = s_actors[outside % 3];
        amount = (amount % s_minimum) + 1;
      }
      return _call(actor, abi.encodeCall(IOracleStaking.requestUnbond, (signer, amount)));
    }
    if (op == 2) {
      if ((r >> 56) % 2 == 0) {
        // The signer outside the active config is the one that can have unbonding stake.
        uint256 outside = s_left == 0 ? SIGNERS - 1 : s_left - 1;
        (signer, actor) = (s_signers[outside], s_actors[outside % 3]);
      }
      return _withdraw(actor, signer, step);
    }
    if (op == 3) {
      // Short warps cross alert windows, long ones unbonding periods and proof windows.
      staking.setTime(staking.s_time() + ((r >> 16) % ((r >> 64) % 2 == 0 ? 3 hours : 20 days)));
      return true;
    }
    if (op == 4) return _slashing(actor, abi.encodeCall(IOracleStaking.raiseAlert, (0)), step);
    if (op == 5) {
      Proof storage p = s_proofs[(r >> 32) % 16];
      return
        _slashing(
          actor,
          abi.encodeCall(IOracleStaking.proveEquivocation, (p.reportA, p.sigA, p.reportB, p.sigB)),
          step
        );
    }
    if (op == 6) return _reconfigure((r >> 8) % SIGNERS);
    if (op == 7) {
      // The treasury (this contract) is credited by every slash.
      if ((r >> 48) % 3 == 0) {
        try staking.withdrawPayout() {
          return true;
        } catch {
          return false;
        }
      }
      return
        _call(
          s_actors[(r >> 48) % 3 == 1 ? _richest() : r % ACTORS],
          abi.encodeCall(IOracleStaking.withdrawPayout, ())
        );
    }
    s_updatedAt = staking.s_time();
    return true;
  }

  /// @dev The actor with the largest unpaid payout.
  function _richest() private view returns (uint256 best) {
    uint256 most;
    for (uint256 i = 0; i < ACTORS; ++i) {
      uint256 p = staking.payoutOf(address(s_actors[i]));
      if (p > most) (most, best) = (p, i);
    }
  }

  function _call(ReentrantPayee actor, bytes memory data) private returns (bool) {
    try actor.act(address(staking), data) {
      return true;
    } catch {
      return false;
    }
  }

  /// @dev Config 2: every signer but `left` (the active config of the rest of the sequence).
  function _reconfigure(uint256 left) private returns (bool) {
    address[] memory members = new address[](SIGNERS - 1);
    uint256 k;
    for (uint256 i = 0; i < SIGNERS; ++i) {
      if (i != left) members[k++] = s_signers[i];
    }
    try staking.admitConfig(DIGEST_2, members) {
      s_left = left + 1;
      return true;
    } catch {
      return false;
    }
  }

  /// @dev Invariant: no withdrawal before the unbonding period ends, never more than unbonding.
  function _withdraw(ReentrantPayee actor, address signer, uint256 step) private returns (bool) {
    IOracleStaking.SignerStake memory before = staking.stakeOf(signer);
    uint256 balance = token.balanceOf(address(actor));
    bool ok = _call(actor, abi.encodeCall(IOracleStaking.withdraw, (signer)));
    if (ok) {
      if (staking.s_time() < before.unbondingEndsAt)
        revert InvariantBroken(1, step, staking.s_time(), before.unbondingEndsAt);
      if (token.balanceOf(address(actor)) - balance != before.unbonding)
        revert InvariantBroken(2, step, before.unbonding, 0);
    } else if (
      before.operator == address(actor) && before.unbonding != 0 && staking.s_time() >= before.unbondingEndsAt
    ) {
      revert InvariantBroken(3, step, before.unbonding, 0);
    }
    return ok;
  }

  /// @dev Invariant: a slash takes from each signer at most its active + unbonding stake, and
  /// the stake that disappeared is exactly what the call reports slashed.
  function _slashing(ReentrantPayee actor, bytes memory data, uint256 step) private returns (bool) {
    uint256[SIGNERS] memory before = staking.stakeTotals(s_signers);
    uint256 total = before[0] + before[1] + before[2] + before[3];
    bytes memory ret;
    try actor.act(address(staking), data) returns (bytes memory r) {
      ret = r;
    } catch {
      return false;
    }
    (uint256 slashed, uint256 reward) = abi.decode(ret, (uint256, uint256));
    uint256 taken;
    uint256[SIGNERS] memory afterwards = staking.stakeTotals(s_signers);
    for (uint256 i = 0; i < SIGNERS; ++i) {
      if (afterwards[i] > before[i]) revert InvariantBroken(4, step, i, afterwards[i]);
      taken += before[i] - afterwards[i];
    }
    if (taken != slashed || slashed > total) revert InvariantBroken(5, step, taken, slashed);
    if (reward > slashed) revert InvariantBroken(6, step, reward, slashed);
    return true;
  }

  /// @dev Invariant: the contract's token balance is the stake plus the credited, unpaid payouts.
  function _checkMoney(uint256 step) private view {
    uint256[SIGNERS] memory st = staking.stakeTotals(s_signers);
    uint256 stakes = st[0] + st[1] + st[2] + st[3];
    uint256 payouts = staking.payoutSum(s_payees);
    uint256 balance = token.balanceOf(address(staking));
    if (balance != stakes + payouts) revert InvariantBroken(7, step, balance, stakes + payouts);
    (uint256 staked, uint256 withdrawn, uint256 slashed, uint256 credited, uint256 paid) = staking.totals();
    if (staked - withdrawn - slashed != stakes || credited - paid != payouts || credited != slashed) {
      revert InvariantBroken(8, step, staked - withdrawn - slashed, stakes);
    }
  }
}
