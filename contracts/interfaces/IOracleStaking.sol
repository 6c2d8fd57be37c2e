// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IOracleStaking
/// @notice Operator stake, unbonding and slashing of a QuorumAggregator's committee
/// (docs/economics.md). Implemented by contracts/economics/OracleStaking.sol.
/// Exact names the node uses: stake, requestUnbond, withdraw, stakeOf, operatorStake,
/// raiseAlert, alertState, proveEquivocation, withdrawPayout, payoutOf; events Staked,
/// UnbondingRequested, Withdrawn, Slashed, AlertRaised, EquivocationProven, PayoutCredited,
/// PayoutWithdrawn, ConfigAdmitted, FeedHeartbeatSet (and stakeWithPermit, treasury).
/// @dev Stake is keyed by committee signer address; each signer has one operator (the first
/// account that staked for it), who alone adds, unbonds and withdraws its stake. Unbonding stake
/// stays slashable until withdrawn. Every payout (alerter, prover, withdrawal) is pulled.
interface IOracleStaking {
  /// @notice Stake of one signer.
  struct SignerStake {
    address operator;
    uint96 active;
    uint96 unbonding;
    uint64 unbondingEndsAt;
  }

  error ZeroAmount();
  /// @notice The caller is not the signer's operator.
  error NotOperator(address signer, address caller, address operator);
  /// @notice The signer is in the aggregator's active config: it cannot start unbonding.
  error SignerInActiveConfig(address signer);
  /// @notice More unbonding requested than the signer's active stake.
  error InsufficientStake(address signer, uint256 requested, uint256 active);
  /// @notice Nothing to withdraw, or its unbonding period has not ended.
  error UnbondingNotEnded(address signer, uint256 endsAt, uint256 nowTimestamp);
  error NothingToWithdraw(address account);
  /// @notice setConfig named a signer whose stake is below the minimum.
  error StakeBelowMinimum(address signer, uint256 stake, uint256 minimum);
  error NotAggregator(address caller);
  /// @notice No alert possible: the feed is fresh until `deadline`.
  error FeedNotStale(uint256 feedIndex, uint256 updatedAt, uint256 deadline);
  /// @notice The feed has no heartbeat set in this contract (alerts are off for it).
  error HeartbeatNotSet(uint256 feedIndex);
  /// @notice An alert was already raised for this feed in this heartbeat-sized window.
  error AlertWindowUsed(uint256 feedIndex, uint256 window);
  /// @notice The outage already had the maximum number of alerts.
  error AlertCapReached(uint256 feedIndex, uint256 cap);
  /// @notice A proof report is shorter than its header.
  error MalformedProofReport(uint256 length);
  /// @notice The two reports are the same bytes.
  error SameReport();
  /// @notice The reports differ in config digest or epoch-and-round.
  error DifferentRound(bytes32 digestA, bytes32 digestB, uint40 epochAndRoundA, uint40 epochAndRoundB);
  /// @notice The digest was never an admitted config, or its proof window has closed.
  error ProofWindowClosed(bytes32 configDigest);
  /// @notice A signature is malformed, high-s, or does not recover to the member it names.
  error InvalidProofSignature(uint256 which);
  /// @notice The recovered signer is not the member at the signature's index in that config.
  error NotMember(bytes32 configDigest, address signer);
  /// @notice This signer's equivocation in this round was already proven.
  error AlreadyProven(bytes32 configDigest, uint40 epochAndRound, address signer);
  error InvalidParameter(string name);
  error TransferFailed();
  /// @notice The two signatures are by different members (not an equivocation).
  error SignerMismatch(uint256 signerIndexA, uint256 signerIndexB);
  /// @notice No config was admitted yet: nobody to slash.
  error NoActiveConfig();

  event Staked(address indexed signer, address indexed operator, uint256 amount, uint256 active);
  event UnbondingRequested(address indexed signer, address indexed operator, uint256 amount, uint256 endsAt);
  event Withdrawn(address indexed signer, address indexed operator, uint256 amount);
  /// @notice reason: 1 = staleness alert, 2 = equivocation.
  event Slashed(address indexed signer, uint8 indexed reason, uint256 amount);
  event AlertRaised(
    uint256 indexed feedIndex,
    address indexed alerter,
    uint256 window,
    uint256 slashed,
    uint256 alerterReward
  );
  event EquivocationProven(
    address indexed signer,
    bytes32 indexed configDigest,
    uint40 epochAndRound,
    address indexed prover,
    uint256 slashed,
    uint256 proverReward
  );
  event PayoutCredited(address indexed account, uint256 amount);
  event PayoutWithdrawn(address indexed account, uint256 amount);
  event ConfigAdmitted(bytes32 indexed configDigest, address[] signers);
  event FeedHeartbeatSet(uint256 indexed feedIndex, uint32 heartbeatSeconds);

  /// @notice Adds `amount` tokens (transferFrom the caller) to `signer`'s active stake; the first
  /// staker of a signer becomes its operator. Use the token's permit first to skip approve.
  function stake(address signer, uint256 amount) external;

  /// @notice stake() after the token's EIP-2612 permit(msg.sender, this, amount, deadline, v, r, s)
  /// in the same transaction. A permit already used (front-run) is ignored: the stake then needs
  /// the allowance it set.
  function stakeWithPermit(address signer, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

  /// @notice Moves `amount` of `signer`'s active stake to unbonding; the whole unbonding amount
  /// becomes withdrawable unbondingPeriod() after this call. Operator only; refused while the
  /// signer is in the active config.
  function requestUnbond(address signer, uint256 amount) external;

  /// @notice Pays the signer's unbonded stake to its operator once its unbonding period ended.
  function withdraw(address signer) external returns (uint256 amount);

  /// @notice The signer's operator, active and unbonding stake, end of unbonding.
  function stakeOf(address signer) external view returns (SignerStake memory);

  /// @notice Sum of the active stake of every signer the operator staked for.
  function operatorStake(address operator) external view returns (uint256 active, uint256 unbonding);

  /// @notice Called by the aggregator's setConfig: reverts unless every signer holds
  /// minimumStake() of active stake; records the config's members (for proofs) and makes it
  /// the active config (the previous one keeps proofWindow() for equivocation proofs).
  function admitConfig(bytes32 configDigest, address[] calldata signers) external;

  /// @notice Anyone, once block.timestamp > updatedAt + heartbeat + grace of feed `feedIndex`:
  /// slashes every signer of the active config alertSlashAmount() (at most its stake) and
  /// credits the alerter min(slashed x alertRewardBps / 10000, alertRewardCap) unless it is a
  /// committee signer or operator. One alert per heartbeat-sized window of an outage, at most
  /// maxAlertsPerOutage() per outage.
  function raiseAlert(uint256 feedIndex) external returns (uint256 slashed, uint256 reward);

  /// @notice Alerts raised in the feed's current outage and its staleness deadline.
  function alertState(uint256 feedIndex) external view returns (uint256 alerts, uint256 deadline, bool alertable);

  /// @notice Anyone: two different reports with the same config digest and epoch-and-round,
  /// each with one signature entry signerIndex(1) ‖ r(32) ‖ yParityAndS(32) (the aggregator's
  /// format; the bare 64-byte r ‖ yParityAndS is accepted too) by the same member of that config. Slashes equivocationSlashBps() of the signer's
  /// active plus unbonding stake; credits the prover min(slashed x proverRewardBps() / 10000,
  /// proverRewardCap()), nothing if the prover is the signer's operator.
  function proveEquivocation(
    bytes calldata reportA,
    bytes calldata signatureA,
    bytes calldata reportB,
    bytes calldata signatureB
  ) external returns (uint256 slashed, uint256 reward);

  /// @notice Pays the caller's credited alerter/prover rewards.
  function withdrawPayout() external returns (uint256 amount);

  function payoutOf(address account) external view returns (uint256);

  /// @notice Owner: the feed's heartbeat for alerts (0 turns alerts off for the feed).
  function setFeedHeartbeat(uint256 feedIndex, uint32 heartbeatSeconds) external;

  function feedHeartbeat(uint256 feedIndex) external view returns (uint32);

  /// @notice The config's members: index + 1 of `signer` in that config, 0 if none.
  function memberIndex(bytes32 configDigest, address signer) external view returns (uint256);

  function activeConfigDigest() external view returns (bytes32);

  function aggregator() external view returns (address);

  function token() external view returns (address);

  /// @notice Credited (pull) with what a slash does not pay to the alerter or prover.
  function treasury() external view returns (address);

  function minimumStake() external view returns (uint256);

  function unbondingPeriod() external view returns (uint256);

  function proofWindow() external view returns (uint256);

  function alertGracePeriod() external view returns (uint256);

  function alertSlashAmount() external view returns (uint256);

  function alertRewardBps() external view returns (uint256);

  function alertRewardCap() external view returns (uint256);

  function maxAlertsPerOutage() external view returns (uint256);

  function equivocationSlashBps() external view returns (uint256);

  function proverRewardBps() external view returns (uint256);

  function proverRewardCap() external view returns (uint256);

  /// @notice Totals: staked ever, withdrawn, slashed, credited to alerters/provers, paid out.
  function totals()
    external
    view
    returns (uint256 staked, uint256 withdrawn, uint256 slashed, uint256 credited, uint256 paid);
}
