// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20, ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title OracleToken
/// @notice The one ERC20 (with EIP-2612 permit) used for operator stake and oracle rewards.
/// The owner mints (a test and demo token; a production deployment fixes its supply).
contract OracleToken is ERC20Permit, Ownable {
  constructor(address owner) ERC20("Oracle Stake", "ORS") ERC20Permit("Oracle Stake") Ownable(owner) {}

  /// @notice Owner: mints `amount` to `to`.
  function mint(address to, uint256 amount) external onlyOwner {
    _mint(to, amount);
  }
}
