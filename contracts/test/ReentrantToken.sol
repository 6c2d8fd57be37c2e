// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20, ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title ReentrantToken
/// @notice Test token: after every transfer between two accounts it calls `hookTarget` with
/// `hookData` (a hostile token, or an ERC777-style receiver hook) and records whether that call
/// succeeded; optionally burns a fee on transfers (fee-on-transfer).
contract ReentrantToken is ERC20Permit {
  /// @notice hookTarget value meaning "the other party": the account paid by or paying the caller.
  address public constant PARTY_HOOK = address(1);
  address public hookTarget;
  bytes public hookData;
  uint256 public feeBps;
  uint256 public reentryAttempts;
  uint256 public reentrySuccesses;
  bytes public lastReentryError;
  bool private s_inHook;

  constructor() ERC20("Reentrant", "RE") ERC20Permit("Reentrant") {}

  function mint(address to, uint256 amount) external {
    _mint(to, amount);
  }

  function setHook(address target, bytes calldata data) external {
    hookTarget = target;
    hookData = data;
  }

  function setFeeBps(uint256 bps) external {
    feeBps = bps;
  }

  function _update(address from, address to, uint256 value) internal override {
    bool isTransfer = from != address(0) && to != address(0);
    uint256 fee = isTransfer ? (value * feeBps) / 10_000 : 0;
    if (fee != 0) super._update(from, address(0), fee);
    super._update(from, to, value - fee);
    if (isTransfer && hookTarget != address(0) && !s_inHook) {
      s_inHook = true;
      ++reentryAttempts;
      address target = hookTarget == PARTY_HOOK ? (to == msg.sender ? from : to) : hookTarget;
      (bool ok, bytes memory ret) = target.call(hookData);
      if (ok) ++reentrySuccesses;
      else lastReentryError = ret;
      s_inHook = false;
    }
  }
}

/// @title ReentrantPayee
/// @notice Test account (operator, alerter or prover) that forwards calls and, when
/// ReentrantToken's hook calls `reenter`, calls `staking` again with `reentryData`.
contract ReentrantPayee {
  address public immutable staking;
  bytes public reentryData;
  uint256 public reentrySuccesses;
  bytes public lastReentryError;

  constructor(address target_) {
    staking = target_;
  }

  function setReentry(bytes calldata data) external {
    reentryData = data;
  }

  /// @notice Calls `to` with `data` as this contract, bubbling a revert.
  function act(address to, bytes calldata data) external returns (bytes memory) {
    (bool ok, bytes memory ret) = to.call(data);
    if (!ok) {
      assembly ("memory-safe") {
        revert(add(ret, 32), mload(ret))
      }
    }
    return ret;
  }

  function reenter() external {
    (bool ok, bytes memory ret) = staking.call(reentryData);
    if (ok) ++reentrySuccesses;
    else lastReentryError = ret;
  }
}
