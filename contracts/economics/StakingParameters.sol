// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOracleStaking} from "../interfaces/IOracleStaking.sol";

/// @title StakingParameters
/// @notice OracleStaking's parameters: fixed at deployment, checked once, read through the
/// IOracleStaking views (docs/economics.md "Parameters and defaults").
abstract contract StakingParameters is IOracleStaking {
  uint256 internal constant BPS = 10_000;

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

  Params internal s_params;

  constructor(Params memory params) {
    _checkParams(params);
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
}
