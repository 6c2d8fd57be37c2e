// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullVerifierFactory} from "../interfaces/IPullVerifier.sol";
import {PullVerifier, VERIFIER_TRAILER_BYTES} from "./PullVerifier.sol";

/// @title PullVerifierInit
/// @notice The one init code of every pull verifier (its keccak256 is
/// PullVerifierFactory.INIT_CODE_HASH): no constructor arguments, so the CREATE2 address depends
/// only on the factory and the version. The constructor asks its deployer (the factory, during
/// rotate) for the config store, the aggregator and its separator, and RETURNs PullVerifier's
/// runtime ‖ the store's code ‖ aggregator ‖ factory ‖ separator ‖ chain id ‖ the store's length.
contract PullVerifierInit {
  constructor() {
    (address store, address aggregator, bytes32 separator) = IPullVerifierFactory(msg.sender).rotation();
    bytes memory logic = type(PullVerifier).runtimeCode;
    uint256 len = store.code.length;
    // Writes past `logic` into unallocated memory and returns: nothing runs after this block.
    assembly {
      let out := add(logic, 0x20)
      let t := add(add(out, mload(logic)), len)
      extcodecopy(store, sub(t, len), 0, len)
      mstore(t, aggregator)
      mstore(add(t, 0x20), caller())
      mstore(add(t, 0x40), separator)
      mstore(add(t, 0x60), chainid())
      mstore(add(t, 0x80), len)
      return(out, sub(add(t, VERIFIER_TRAILER_BYTES), out))
    }
  }
}
