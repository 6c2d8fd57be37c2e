// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IOracleStaking} from "../interfaces/IOracleStaking.sol";
import {IQuorumAggregator} from "../interfaces/IQuorumAggregator.sol";
import {ReportSignatures, SIGNATURE_BYTES} from "../libraries/ReportSignatures.sol";
import {REPORT_HEADER_BYTES} from "../libraries/ReportCodec.sol";

/// @title OracleStaking
/// @notice Stake per committee signer of one QuorumAggregator, unbonding, permissionless
/// staleness alerts and equivocation proofs; every payout pulled (docs/economics.md).
/// @dev Money conservation (docs/economics.md "Invariants"): the token balance of this contract
/// is the sum over signers of active + unbonding stake plus the credited, unpaid payouts; every
/// slashed token is credited to the alerter/prover or the treasury.
contract OracleStaking is IOracleStaking, Ownable2Step, ReentrancyGuard {
  using SafeERC20 for IERC20;
  using SafeCast for uint256;

  /// @notice Slash reasons of the Slashed event.
  uint8 public constant REASON_ALERT = 1;
  uint8 public constant REASON_EQUIVOCATION = 2;
  uint256 private constant BPS = 10_000;
  /// @dev A bare EIP-2098 signature r(32) ‖ yParityAndS(32), the entry without its index.
  uint256 private constant COMPACT_SIGNATURE_BYTES = 64;

  /// @notice Parameters, fixed at deployment (defaults: oracle-node/src/chain/deploy-economics.ts).
  struct Params {
    uint96 minimumStake;
    uint32 unbondingPeriod;
    uint32 proofWindow;
    uint32 alertGracePeriod;
    uint96 alertSlashAmount;
    uint16 alertRewardBps;
    uint96 alertRewardCap;
    uint32 maxAlertsPerOutage;
    uint16 equivocationSlashBps;
    uint16 proverRewardBps;
    uint96 proverRewardCap;
  }

  /// @dev Alert bookkeeping of one feed, one slot. outageBase is the staleness base of the outage
  /// the alerts belong to (a new base is a new outage).
  struct FeedAlert {
    uint32 heartbeat;
    uint64 heartbeatSetAt;
    uint64 outageBase;
    uint32 alerts;
    uint64 lastWindow;
  }

  struct OperatorTotals {
    uint128 active;
    uint128 unbonding;
  }

  struct Totals {
    uint128 staked;
    uint128 withdrawn;
    uint128 slashed;
    uint128 credited;
    uint128 paid;
  }

  IERC20 private immutable i_token;
  IQuorumAggregator private immutable i_aggregator;
  address private immutable i_treasury;

  Params internal s_params;
  mapping(address signer => SignerStake) internal s_stakes;
  mapping(address operator => OperatorTotals) internal s_operators;
  mapping(address account => uint256) internal s_payouts;
  mapping(bytes32 digest => address[]) internal s_members;
  mapping(bytes32 digest => mapping(address signer => uint256)) internal s_memberIndex;
  /// @dev When a config stopped being the active one (0 while active or never admitted).
  mapping(bytes32 digest => uint256) internal s_supersededAt;
  bytes32 internal s_activeDigest;
  uint256 internal s_activeSince;
  mapping(bytes32 key => bool) internal s_proven;
  mapping(uint256 feedIndex => FeedAlert) internal s_alerts;
  Totals internal s_totals;

  constructor(
    address owner,
    IERC20 token_,
    IQuorumAggregator aggregator_,
    address treasury_,
    Params memory params
  ) Ownable(owner) {
    if (address(token_) == address(0)) revert InvalidParameter("token");
    if (address(aggregator_) == address(0)) revert InvalidParameter("aggregator");
    if (treasury_ == address(0)) revert InvalidParameter("treasury");
    _checkParams(params);
    i_token = token_;
    i_aggregator = aggregator_;
    i_treasury = treasury_;
    s_params = params;
  }

  /// @dev The rules docs/economics.md "Parameters" states, checked once.
  function _checkParams(Params memory p) private pure {
    if (p.minimumStake == 0) revert InvalidParameter("minimumStake");
    if (p.proofWindow == 0) revert InvalidParameter("proofWindow");
    // Stake leaving a config stays slashable for as long as that config's reports are provable.
    if (p.unbondingPeriod <= p.proofWindow) revert InvalidParameter("unbondingPeriod");
    if (p.alertSlashAmount == 0) revert InvalidParameter("alertSlashAmount");
    if (p.alertRewardBps > BPS) revert InvalidParameter("alertRewardBps");
    // A member alerting from a fresh account is paid at most what it is slashed itself.
    if (p.alertRewardCap > p.alertSlashAmount) revert InvalidParameter("alertRewardCap");
    if (p.maxAlertsPerOutage == 0) revert InvalidParameter("maxAlertsPerOutage");
    if (p.equivocationSlashBps == 0 || p.equivocationSlashBps > BPS) revert InvalidParameter("equivocationSlashBps");
    // Proving one's own equivocation from a fresh account never pays.
    if (p.proverRewardBps >= BPS) revert InvalidParameter("proverRewardBps");
  }

  /// @dev The time every rule reads; the randomized test's harness replaces it.
  function _now() internal view virtual returns (uint256) {
    return block.timestamp;
  }

  // ----------------------------------------------------------------------------------------------
  // Stake
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IOracleStaking
  function stake(address signer, uint256 amount) external override nonReentrant {
    _stake(signer, amount);
  }

  /// @inheritdoc IOracleStaking
  function stakeWithPermit(
    address signer,
    uint256 amount,
    uint256 deadline,
    uint8 v,
    bytes32 r,
    bytes32 s
  ) external override nonReentrant {
    // A permit copied from the mempool and used first must not block the stake.
    try IERC20Permit(address(i_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
    _stake(signer, amount);
  }

  function _stake(address signer, uint256 amount) private {
    if (amount == 0) revert ZeroAmount();
    if (signer == address(0)) revert InvalidParameter("signer");
    SignerStake storage st = s_stakes[signer];
    address operator = st.operator;
    if (operator == address(0)) {
      // Claiming a signer costs the minimum stake, locked for an unbonding period.
      uint256 minimum = s_params.minimumStake;
      if (amount < minimum) revert StakeBelowMinimum(signer, amount, minimum);
      st.operator = msg.sender;
    } else if (operator != msg.sender) {
      revert NotOperator(signer, msg.sender, operator);
    }
    uint256 before = i_token.balanceOf(address(this));
    i_token.safeTransferFrom(msg.sender, address(this), amount);
    // Credits what arrived: a fee-on-transfer token cannot inflate stake.
    uint256 received = i_token.balanceOf(address(this)) - before;
    uint256 active = uint256(st.active) + received;
    // active + unbonding fits 96 bits, so requestUnbond's moves cannot overflow.
    (active + st.unbonding).toUint96();
    st.active = uint96(active);
    s_operators[msg.sender].active += received.toUint128();
    s_totals.staked += received.toUint128();
    emit Staked(signer, msg.sender, received, active);
  }

  /// @inheritdoc IOracleStaking
  function requestUnbond(address signer, uint256 amount) external override nonReentrant {
    SignerStake storage st = s_stakes[signer];
    if (st.operator != msg.sender) revert NotOperator(signer, msg.sender, st.operator);
    if (amount == 0) revert ZeroAmount();
    if (amount > st.active) revert InsufficientStake(signer, amount, st.active);
    bytes32 active = s_activeDigest;
    if (active != bytes32(0) && s_memberIndex[active][signer] != 0) revert SignerInActiveConfig(signer);
    // Cannot underflow or overflow: amount <= active (checked) and active + unbonding <= 2^96.
    unchecked {
      st.active -= uint96(amount);
      st.unbonding += uint96(amount);
      s_operators[msg.sender].active -= uint128(amount);
      s_operators[msg.sender].unbonding += uint128(amount);
    }
    uint256 endsAt = _now() + s_params.unbondingPeriod;
    st.unbondingEndsAt = uint64(endsAt);
    emit UnbondingRequested(signer, msg.sender, amount, endsAt);
  }

  /// @inheritdoc IOracleStaking
  function withdraw(address signer) external override nonReentrant returns (uint256 amount) {
    SignerStake storage st = s_stakes[signer];
    if (st.operator != msg.sender) revert NotOperator(signer, msg.sender, st.operator);
    amount = st.unbonding;
    if (amount == 0) revert NothingToWithdraw(signer);
    uint256 nowTs = _now();
    if (nowTs < st.unbondingEndsAt) revert UnbondingNotEnded(signer, st.unbondingEndsAt, nowTs);
    st.unbonding = 0;
    st.unbondingEndsAt = 0;
    s_operators[msg.sender].unbonding -= uint128(amount);
    s_totals.withdrawn += uint128(amount);
    emit Withdrawn(signer, msg.sender, amount);
    i_token.safeTransfer(msg.sender, amount);
  }

  /// @inheritdoc IOracleStaking
  function admitConfig(bytes32 configDigest, address[] calldata signers) external override {
    if (msg.sender != address(i_aggregator)) revert NotAggregator(msg.sender);
    if (configDigest == bytes32(0) || s_members[configDigest].length != 0) revert InvalidParameter("configDigest");
    if (signers.length == 0) revert InvalidParameter("signers");
    uint256 minimum = s_params.minimumStake;
    mapping(address => uint256) storage index = s_memberIndex[configDigest];
    for (uint256 i = 0; i < signers.length; ++i) {
      address signer = signers[i];
      uint256 active = s_stakes[signer].active;
      if (active < minimum) revert StakeBelowMinimum(signer, active, minimum);
      if (index[signer] != 0) revert InvalidParameter("signers");
      index[signer] = i + 1;
    }
    s_members[configDigest] = signers;
    bytes32 previous = s_activeDigest;
    uint256 nowTs = _now();
    if (previous != bytes32(0)) s_supersededAt[previous] = nowTs;
    s_activeDigest = configDigest;
    s_activeSince = nowTs;
    emit ConfigAdmitted(configDigest, signers);
  }

  // ----------------------------------------------------------------------------------------------
  // Staleness alerts
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IOracleStaking
  function setFeedHeartbeat(uint256 feedIndex, uint32 heartbeatSeconds) external override onlyOwner {
    if (feedIndex >= i_aggregator.feedCount()) revert InvalidParameter("feedIndex");
    FeedAlert storage a = s_alerts[feedIndex];
    a.heartbeat = heartbeatSeconds;
    a.heartbeatSetAt = uint64(_now());
    emit FeedHeartbeatSet(feedIndex, heartbeatSeconds);
  }

  /// @inheritdoc IOracleStaking
  function raiseAlert(uint256 feedIndex) external override nonReentrant returns (uint256 slashed, uint256 reward) {
    FeedAlert memory a = s_alerts[feedIndex];
    if (a.heartbeat == 0) revert HeartbeatNotSet(feedIndex);
    bytes32 digest = s_activeDigest;
    if (digest == bytes32(0)) revert NoActiveConfig();
    (uint256 updatedAt, uint256 base) = _stalenessBase(feedIndex, a.heartbeatSetAt);
    uint256 deadline = base + a.heartbeat + s_params.alertGracePeriod;
    uint256 nowTs = _now();
    if (nowTs <= deadline) revert FeedNotStale(feedIndex, updatedAt, deadline);
    // Window k of the outage is (deadline + k x heartbeat, deadline + (k + 1) x heartbeat].
    uint256 window = (nowTs - deadline - 1) / a.heartbeat;
    if (a.outageBase != base) {
      a.outageBase = uint64(base);
      a.alerts = 0;
    } else if (a.alerts != 0 && a.lastWindow == window) {
      revert AlertWindowUsed(feedIndex, window);
    }
    uint256 cap = s_params.maxAlertsPerOutage;
    if (a.alerts >= cap) revert AlertCapReached(feedIndex, cap);
    ++a.alerts;
    a.lastWindow = uint64(window);
    s_alerts[feedIndex] = a;
    bool insider;
    (slashed, insider) = _slashCommittee(digest);
    if (!insider && !_isTransmitter(msg.sender)) reward = _share(slashed, s_params.alertRewardBps, s_params.alertRewardCap);
    _distribute(msg.sender, slashed, reward);
    emit AlertRaised(feedIndex, msg.sender, window, slashed, reward);
  }

  /// @dev The feed's updatedAt, and the time its staleness counts from: the latest of updatedAt,
  /// when its heartbeat was set and when the active config was admitted (a feed that never
  /// reported, or a new committee, is not blamed for time before the rule applied to it).
  function _stalenessBase(uint256 feedIndex, uint256 heartbeatSetAt) private view returns (uint256 updatedAt, uint256 base) {
    // latestRoundData of feed `feedIndex`: the aggregator reads the feed from a trailing word.
    (bool ok, bytes memory data) = address(i_aggregator).staticcall(
      abi.encodePacked(AggregatorV3Interface.latestRoundData.selector, feedIndex)
    );
    if (!ok || data.length != 160) revert InvalidParameter("latestRoundData");
    (, , , updatedAt, ) = abi.decode(data, (uint80, int256, uint256, uint256, uint80));
    base = updatedAt;
    if (heartbeatSetAt > base) base = heartbeatSetAt;
    if (s_activeSince > base) base = s_activeSince;
  }

  /// @dev Slashes every member of `digest` alertSlashAmount (at most its stake); `insider` tells
  /// whether the caller is one of them or one of their operators.
  function _slashCommittee(bytes32 digest) private returns (uint256 slashed, bool insider) {
    address[] storage committee = s_members[digest];
    uint256 amount = s_params.alertSlashAmount;
    uint256 n = committee.length;
    for (uint256 i = 0; i < n; ++i) {
      address signer = committee[i];
      if (msg.sender == signer || msg.sender == s_stakes[signer].operator) insider = true;
      slashed += _slash(signer, amount, REASON_ALERT);
    }
  }

  /// @dev Whether `account` is a transmitter of the aggregator's current config.
  function _isTransmitter(address account) private view returns (bool) {
    (, address[] memory transmitters, ) = i_aggregator.getOracles();
    for (uint256 i = 0; i < transmitters.length; ++i) {
      if (transmitters[i] == account) return true;
    }
    return false;
  }

  /// @inheritdoc IOracleStaking
  function alertState(uint256 feedIndex) external view override returns (uint256 alerts, uint256 deadline, bool alertable) {
    FeedAlert memory a = s_alerts[feedIndex];
    if (a.heartbeat == 0 || s_activeDigest == bytes32(0)) return (0, 0, false);
    (, uint256 base) = _stalenessBase(feedIndex, a.heartbeatSetAt);
    deadline = base + a.heartbeat + s_params.alertGracePeriod;
    if (a.outageBase == base) alerts = a.alerts;
    uint256 nowTs = _now();
    if (nowTs > deadline && alerts < s_params.maxAlertsPerOutage) {
      alertable = alerts == 0 || a.lastWindow != (nowTs - deadline - 1) / a.heartbeat;
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Equivocation proofs
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IOracleStaking
  function proveEquivocation(
    bytes calldata reportA,
    bytes calldata signatureA,
    bytes calldata reportB,
    bytes calldata signatureB
  ) external override nonReentrant returns (uint256 slashed, uint256 reward) {
    if (reportA.length < REPORT_HEADER_BYTES) revert MalformedProofReport(reportA.length);
    if (reportB.length < REPORT_HEADER_BYTES) revert MalformedProofReport(reportB.length);
    if (keccak256(reportA) == keccak256(reportB)) revert SameReport();
    bytes32 digest = bytes32(reportA[0:32]);
    uint40 epochAndRound = uint40(bytes5(reportA[32:37]));
    {
      bytes32 digestB = bytes32(reportB[0:32]);
      uint40 epochAndRoundB = uint40(bytes5(reportB[32:37]));
      if (digest != digestB || epochAndRound != epochAndRoundB) {
        revert DifferentRound(digest, digestB, epochAndRound, epochAndRoundB);
      }
    }
    if (!_provable(digest)) revert ProofWindowClosed(digest);
    (address signer, uint256 indexA) = _recoverMember(digest, reportA, signatureA, 0);
    (, uint256 indexB) = _recoverMember(digest, reportB, signatureB, 1);
    // Same index in one config: the same signer.
    if (indexA != indexB) revert SignerMismatch(indexA, indexB);
    bytes32 key = keccak256(abi.encode(signer, digest, epochAndRound));
    if (s_proven[key]) revert AlreadyProven(digest, epochAndRound, signer);
    s_proven[key] = true;
    SignerStake storage st = s_stakes[signer];
    // Cannot overflow: active + unbonding < 2^96 (_stake), bps <= 10^4.
    unchecked {
      uint256 amount = ((uint256(st.active) + st.unbonding) * s_params.equivocationSlashBps) / BPS;
      slashed = _slash(signer, amount, REASON_EQUIVOCATION);
    }
    if (msg.sender != signer && msg.sender != st.operator) {
      reward = _share(slashed, s_params.proverRewardBps, s_params.proverRewardCap);
    }
    _distribute(msg.sender, slashed, reward);
    emit EquivocationProven(signer, digest, epochAndRound, msg.sender, slashed, reward);
  }

  /// @dev The active config, or one replaced at most proofWindow ago.
  function _provable(bytes32 digest) private view returns (bool) {
    if (s_members[digest].length == 0) return false;
    if (digest == s_activeDigest) return true;
    return _now() <= s_supersededAt[digest] + s_params.proofWindow;
  }

  /// @dev Recovers a signature of `report` in the aggregator's EIP-712 domain (the digest
  /// ReportSignatures.digest computes for transmit) and returns its signer's index in config
  /// `digest`. Two forms: the aggregator's entry signerIndex(1) ‖ r(32) ‖ yParityAndS(32), whose
  /// index must be the signer's, or the bare EIP-2098 compact r(32) ‖ yParityAndS(32). High-s is
  /// refused (ECDSA).
  function _recoverMember(
    bytes32 digest,
    bytes calldata report,
    bytes calldata signature,
    uint256 which
  ) private view returns (address signer, uint256 signerIndex) {
    uint256 at;
    if (signature.length == SIGNATURE_BYTES) at = 1;
    else if (signature.length != COMPACT_SIGNATURE_BYTES) revert InvalidProofSignature(which);
    // Computed per proof (a few hundred gas): always the current chain's, so a fork's copy of a
    // signature never proves here.
    bytes32 hash = MessageHashUtils.toTypedDataHash(
      _separator(address(i_aggregator)),
      keccak256(abi.encode(ReportSignatures.REPORT_TYPEHASH, keccak256(report)))
    );
    ECDSA.RecoverError err;
    (signer, err, ) = ECDSA.tryRecover(hash, bytes32(signature[at:at + 32]), bytes32(signature[at + 32:at + 64]));
    if (err != ECDSA.RecoverError.NoError) revert InvalidProofSignature(which);
    uint256 index = s_memberIndex[digest][signer];
    if (index == 0 || (at == 1 && index != uint256(uint8(signature[0])) + 1)) revert NotMember(digest, signer);
    // Cannot underflow: index >= 1.
    unchecked {
      signerIndex = index - 1;
    }
  }

  /// @dev The aggregator's EIP-712 domain separator (ReportSignatures.domainSeparator).
  function _separator(address verifyingContract) private view returns (bytes32) {
    return
      keccak256(
        abi.encode(
          ReportSignatures.DOMAIN_TYPEHASH,
          ReportSignatures.NAME_HASH,
          ReportSignatures.VERSION_HASH,
          block.chainid,
          verifyingContract
        )
      );
  }

  // ----------------------------------------------------------------------------------------------
  // Slashing and payouts
  // ----------------------------------------------------------------------------------------------

  /// @dev Takes up to `amount` from the signer's active stake, then from its unbonding stake;
  /// returns what it took (never more than active + unbonding).
  function _slash(address signer, uint256 amount, uint8 reason) private returns (uint256 taken) {
    SignerStake storage st = s_stakes[signer];
    uint256 active = st.active;
    uint256 unbonding = st.unbonding;
    uint256 fromActive = amount < active ? amount : active;
    uint256 fromUnbonding = amount - fromActive < unbonding ? amount - fromActive : unbonding;
    taken = fromActive + fromUnbonding;
    if (taken == 0) return 0;
    // Cannot underflow: each part is at most the balance it comes from (the operator's totals
    // include this signer's balances).
    unchecked {
      st.active = uint96(active - fromActive);
      st.unbonding = uint96(unbonding - fromUnbonding);
      OperatorTotals storage o = s_operators[st.operator];
      o.active -= uint128(fromActive);
      o.unbonding -= uint128(fromUnbonding);
    }
    s_totals.slashed += uint128(taken);
    emit Slashed(signer, reason, taken);
  }

  function _share(uint256 amount, uint256 bps, uint256 cap) private pure returns (uint256 share) {
    share = (amount * bps) / BPS;
    if (share > cap) share = cap;
  }

  /// @dev Credits `reward` of `slashed` to `to` and the rest to the treasury.
  function _distribute(address to, uint256 slashed, uint256 reward) private {
    _credit(to, reward);
    _credit(i_treasury, slashed - reward);
  }

  function _credit(address account, uint256 amount) private {
    if (amount == 0) return;
    s_payouts[account] += amount;
    s_totals.credited += uint128(amount);
    emit PayoutCredited(account, amount);
  }

  /// @inheritdoc IOracleStaking
  function withdrawPayout() external override nonReentrant returns (uint256 amount) {
    amount = s_payouts[msg.sender];
    if (amount == 0) revert NothingToWithdraw(msg.sender);
    s_payouts[msg.sender] = 0;
    s_totals.paid += uint128(amount);
    emit PayoutWithdrawn(msg.sender, amount);
    i_token.safeTransfer(msg.sender, amount);
  }

  // ----------------------------------------------------------------------------------------------
  // Views
  // ----------------------------------------------------------------------------------------------

  /// @inheritdoc IOracleStaking
  function stakeOf(address signer) external view override returns (SignerStake memory) {
    return s_stakes[signer];
  }

  /// @inheritdoc IOracleStaking
  function operatorStake(address operator) external view override returns (uint256 active, uint256 unbonding) {
    OperatorTotals memory o = s_operators[operator];
    return (o.active, o.unbonding);
  }

  /// @inheritdoc IOracleStaking
  function payoutOf(address account) external view override returns (uint256) {
    return s_payouts[account];
  }

  /// @inheritdoc IOracleStaking
  function feedHeartbeat(uint256 feedIndex) external view override returns (uint32) {
    return s_alerts[feedIndex].heartbeat;
  }

  /// @inheritdoc IOracleStaking
  function memberIndex(bytes32 configDigest, address signer) external view override returns (uint256) {
    return s_memberIndex[configDigest][signer];
  }

  /// @notice The members of an admitted config, by committee index.
  function members(bytes32 configDigest) external view returns (address[] memory) {
    return s_members[configDigest];
  }

  /// @inheritdoc IOracleStaking
  function activeConfigDigest() external view override returns (bytes32) {
    return s_activeDigest;
  }

  /// @inheritdoc IOracleStaking
  function aggregator() external view override returns (address) {
    return address(i_aggregator);
  }

  /// @inheritdoc IOracleStaking
  function token() external view override returns (address) {
    return address(i_token);
  }

  /// @inheritdoc IOracleStaking
  function treasury() external view override returns (address) {
    return i_treasury;
  }

  /// @inheritdoc IOracleStaking
  function minimumStake() external view override returns (uint256) {
    return s_params.minimumStake;
  }

  /// @inheritdoc IOracleStaking
  function unbondingPeriod() external view override returns (uint256) {
    return s_params.unbondingPeriod;
  }

  /// @inheritdoc IOracleStaking
  function proofWindow() external view override returns (uint256) {
    return s_params.proofWindow;
  }

  /// @inheritdoc IOracleStaking
  function alertGracePeriod() external view override returns (uint256) {
    return s_params.alertGracePeriod;
  }

  /// @inheritdoc IOracleStaking
  function alertSlashAmount() external view override returns (uint256) {
    return s_params.alertSlashAmount;
  }

  /// @inheritdoc IOracleStaking
  function alertRewardBps() external view override returns (uint256) {
    return s_params.alertRewardBps;
  }

  /// @inheritdoc IOracleStaking
  function alertRewardCap() external view override returns (uint256) {
    return s_params.alertRewardCap;
  }

  /// @inheritdoc IOracleStaking
  function maxAlertsPerOutage() external view override returns (uint256) {
    return s_params.maxAlertsPerOutage;
  }

  /// @inheritdoc IOracleStaking
  function equivocationSlashBps() external view override returns (uint256) {
    return s_params.equivocationSlashBps;
  }

  /// @inheritdoc IOracleStaking
  function proverRewardBps() external view override returns (uint256) {
    return s_params.proverRewardBps;
  }

  /// @inheritdoc IOracleStaking
  function proverRewardCap() external view override returns (uint256) {
    return s_params.proverRewardCap;
  }

  /// @inheritdoc IOracleStaking
  function totals()
    external
    view
    override
    returns (uint256 staked, uint256 withdrawn, uint256 slashed, uint256 credited, uint256 paid)
  {
    Totals memory t = s_totals;
    return (t.staked, t.withdrawn, t.slashed, t.credited, t.paid);
  }

  /// @notice Contract type and version.
  function typeAndVersion() external pure returns (string memory) {
    return "OracleStaking 1.0.0";
  }
}
