// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IFeedProxy} from "../interfaces/IFeedProxy.sol";

/// @title LendingConsumer
/// @notice A minimal lending-style consumer: values collateral through feed proxies and lets
/// users borrow against it, refusing prices that are stale (per-feed heartbeat), non-positive or
/// too uncertain (confidence wider than a per-feed share of the price, or saturated). A collateral
/// whose price is refused adds no borrowing power, so one bad feed does not lock a user's other
/// collateral. docs/consumers.md walks through it, including what confidence guarantees when up
/// to f observers are faulty.
contract LendingConsumer is Ownable2Step {
  /// @notice The asset has no configured feed.
  error UnknownAsset(bytes32 asset);
  /// @notice Heartbeat must be positive and the confidence limit at most 100 %.
  error InvalidAssetConfig(uint32 heartbeat, uint16 maxConfidenceBps, uint16 collateralFactorBps);
  /// @notice The feed has no answer yet or its last update is older than the heartbeat.
  error StalePrice(bytes32 asset, uint256 updatedAt, uint256 heartbeat);
  /// @notice The answer is zero or negative.
  error NonPositivePrice(bytes32 asset, int256 answer);
  /// @notice confidence / answer exceeds the asset's limit.
  error LowConfidence(bytes32 asset, uint256 confidence, int256 answer, uint256 maxConfidenceBps);
  /// @notice The confidence belongs to another round than the price (should not happen in one call).
  error RoundMismatch(uint80 priceRound, uint80 confidenceRound);
  /// @notice The confidence is saturated (2^72-1): the observations' spread exceeds what the
  /// aggregator stores, or faulty observers pushed it there. Treated as the lowest confidence.
  error ConfidenceSaturated(bytes32 asset);
  /// @notice A deposit of zero (it would record the asset without adding collateral).
  error ZeroDeposit(bytes32 asset);
  /// @notice The borrow would exceed the collateral's borrowing power.
  error InsufficientCollateral(uint256 requested, uint256 available);

  event AssetConfigured(
    bytes32 indexed asset,
    address proxy,
    uint32 heartbeat,
    uint16 maxConfidenceBps,
    uint16 collateralFactorBps
  );
  event CollateralDeposited(address indexed user, bytes32 indexed asset, uint256 amount);
  event Borrowed(address indexed user, uint256 amount, uint256 debt);

  /// @dev Basis points in 100 %.
  uint256 private constant BPS = 10_000;
  /// @notice Debt is denominated in 18-decimal USD units.
  uint256 public constant DEBT_DECIMALS = 18;
  /// @notice QuorumAggregator stores confidence in 72 bits and saturates there.
  uint256 public constant CONFIDENCE_SATURATED = (1 << 72) - 1;

  struct AssetConfig {
    IFeedProxy proxy;
    uint32 heartbeat;
    uint16 maxConfidenceBps;
    uint16 collateralFactorBps;
  }

  mapping(bytes32 asset => AssetConfig) public s_assets;
  mapping(address user => mapping(bytes32 asset => uint256 amount)) public s_collateral;
  mapping(address user => bytes32[] assets) private s_userAssets;
  mapping(address user => uint256 debt) public s_debt;

  constructor(address owner) Ownable(owner) {}

  /// @notice Configures an asset's feed and risk limits. Owner only.
  function configureAsset(
    bytes32 asset,
    IFeedProxy proxy,
    uint32 heartbeat,
    uint16 maxConfidenceBps,
    uint16 collateralFactorBps
  ) external onlyOwner {
    if (heartbeat == 0 || maxConfidenceBps > BPS || collateralFactorBps > BPS) {
      revert InvalidAssetConfig(heartbeat, maxConfidenceBps, collateralFactorBps);
    }
    s_assets[asset] = AssetConfig(proxy, heartbeat, maxConfidenceBps, collateralFactorBps);
    emit AssetConfigured(asset, address(proxy), heartbeat, maxConfidenceBps, collateralFactorBps);
  }

  /// @notice A price the consumer is willing to use, and the feed's decimals.
  function price(bytes32 asset) public view returns (uint256 answer, uint8 decimals) {
    AssetConfig memory cfg = s_assets[asset];
    if (address(cfg.proxy) == address(0)) revert UnknownAsset(asset);
    (uint80 roundId, int256 raw, , uint256 updatedAt, ) = cfg.proxy.latestRoundData();
    if (updatedAt == 0 || block.timestamp - updatedAt > cfg.heartbeat)
      revert StalePrice(asset, updatedAt, cfg.heartbeat);
    if (raw <= 0) revert NonPositivePrice(asset, raw);
    (uint80 confidenceRound, uint256 confidence) = cfg.proxy.latestConfidence();
    if (confidenceRound != roundId) revert RoundMismatch(roundId, confidenceRound);
    if (confidence >= CONFIDENCE_SATURATED) revert ConfidenceSaturated(asset);
    if (confidence * BPS > uint256(raw) * cfg.maxConfidenceBps) {
      revert LowConfidence(asset, confidence, raw, cfg.maxConfidenceBps);
    }
    return (uint256(raw), cfg.proxy.decimals());
  }

  /// @notice Value of `amount` (18-decimal units) of `asset` in 18-decimal USD.
  function collateralValue(bytes32 asset, uint256 amount) public view returns (uint256) {
    (uint256 p, uint8 d) = price(asset);
    return (amount * p) / (10 ** d);
  }

  /// @notice Records a collateral deposit (bookkeeping only: this example moves no tokens).
  function depositCollateral(bytes32 asset, uint256 amount) external {
    if (address(s_assets[asset].proxy) == address(0)) revert UnknownAsset(asset);
    if (amount == 0) revert ZeroDeposit(asset);
    if (s_collateral[msg.sender][asset] == 0) s_userAssets[msg.sender].push(asset);
    s_collateral[msg.sender][asset] += amount;
    emit CollateralDeposited(msg.sender, asset, amount);
  }

  /// @notice What the user may still borrow, valuing every collateral at a checked price. A
  /// collateral whose price() reverts (stale, non-positive, low or saturated confidence) counts
  /// as zero: it lends nothing against that asset, and the others still count.
  function borrowingPower(address user) public view returns (uint256 power) {
    bytes32[] memory assets = s_userAssets[user];
    for (uint256 i = 0; i < assets.length; ++i) {
      try this.collateralValue(assets[i], s_collateral[user][assets[i]]) returns (uint256 value) {
        power += (value * s_assets[assets[i]].collateralFactorBps) / BPS;
      } catch {
        continue;
      }
    }
    uint256 debt = s_debt[user];
    return power > debt ? power - debt : 0;
  }

  /// @notice Borrows `amount` 18-decimal USD against deposited collateral.
  function borrow(uint256 amount) external {
    uint256 available = borrowingPower(msg.sender);
    if (amount > available) revert InsufficientCollateral(amount, available);
    s_debt[msg.sender] += amount;
    emit Borrowed(msg.sender, amount, s_debt[msg.sender]);
  }
}
