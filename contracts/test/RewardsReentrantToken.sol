// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

interface ITokenHook {
  function onTokenTransfer() external;
}

/// @title RewardsReentrantToken (test only)
/// @notice An ERC20 that calls back into the recipient (when it is the hooked address) on every
/// transfer, and into a chosen target on transferFrom: the hostile reward token of the
/// reentrancy tests.
contract RewardsReentrantToken is ERC20 {
  address public hooked;
  address public fromHookTarget;
  bytes public fromHookCall;
  uint256 public fromHookFailures;

  constructor() ERC20("Reentrant", "RE") {}

  function mint(address to, uint256 amount) external {
    _mint(to, amount);
  }

  function setHooked(address account) external {
    hooked = account;
  }

  /// @notice On every transferFrom, calls `target` with `data` (failures are counted, not raised).
  function setFromHook(address target, bytes calldata data) external {
    fromHookTarget = target;
    fromHookCall = data;
  }

  function transfer(address to, uint256 value) public override returns (bool) {
    bool ok = super.transfer(to, value);
    if (to == hooked && hooked != address(0)) ITokenHook(to).onTokenTransfer();
    return ok;
  }

  function transferFrom(address from, address to, uint256 value) public override returns (bool) {
    bool ok = super.transferFrom(from, to, value);
    if (fromHookTarget != address(0)) {
      (bool success, ) = fromHookTarget.call(fromHookCall);
      if (!success) ++fromHookFailures;
    }
    return ok;
  }
}
