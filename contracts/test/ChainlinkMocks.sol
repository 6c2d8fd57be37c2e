// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Test support: compiles Chainlink's own MockV3Aggregator (MIT, shipped in @chainlink/contracts)
// so tests can deploy it as a plain Chainlink-style phase aggregator.
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {SimpleReadAccessController} from "@chainlink/contracts/src/v0.8/shared/access/SimpleReadAccessController.sol";
