// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPullReports} from "../interfaces/IPullReports.sol";
import {IPullReportsSingle} from "../interfaces/IPullReportsSingle.sol";
import {PullReportsCall} from "../libraries/PullReportsCall.sol";

/// @title PullGasProbe
/// @notice scripts/bench-pull.ts: the gas a consumer spends on one verifyReport/updateAndRead
/// call (gasleft() before and after the external call, the ABI encoding of the arguments and
/// the decoding of the answers included; the consumer's own calldata and transaction base not).
contract PullGasProbe {
  event Measured(uint256 gasUsed, int256 firstAnswer);

  function measureVerify(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) external returns (uint256 used) {
    uint256 before = gasleft();
    IPullReports.PulledAnswer[] memory a = IPullReports(aggregator).verifyReport(report, signatures);
    used = before - gasleft();
    emit Measured(used, a[0].answer);
  }

  /// @notice verifyReportSingle, the one-feed entry point: four words back, no array.
  function measureVerifySingle(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) external returns (uint256 used) {
    uint256 before = gasleft();
    (, int256 answer, , ) = IPullReportsSingle(aggregator).verifyReportSingle(report, signatures);
    used = before - gasleft();
    emit Measured(used, answer);
  }

  /// @notice verifyReportSingle through PullReportsCall (no ABI encoder or decoder in the
  /// consumer): what examples/PerpConsumer.sol pays.
  function measureVerifySingleCall(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) external returns (uint256 used) {
    uint256 before = gasleft();
    (, int256 answer, , ) = PullReportsCall.verifySingle(aggregator, report, signatures);
    used = before - gasleft();
    emit Measured(used, answer);
  }

  /// @notice verifyReportSingle at the pull verifier of configuration `version`
  /// (PullReportsCall.verifySingleAt: the CREATE2 address derived in the consumer, the verifier
  /// called directly): what examples/PerpConsumer.sol's openAt/closeAt pay.
  function measureVerifySingleAt(
    address factory,
    bytes32 initCodeHash,
    uint256 version,
    bytes calldata report,
    bytes calldata signatures
  ) external returns (uint256 used) {
    uint256 before = gasleft();
    (, int256 answer, , ) = PullReportsCall.verifySingleAt(factory, initCodeHash, version, report, signatures);
    used = before - gasleft();
    emit Measured(used, answer);
  }

  /// @notice The second of two verifyReport calls in one call: the aggregator, its config slot
  /// and its config store already warm, so what remains is the verification itself.
  function measureVerifyWarm(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) external returns (uint256 used) {
    IPullReports(aggregator).verifyReport(report, signatures);
    uint256 before = gasleft();
    IPullReports.PulledAnswer[] memory a = IPullReports(aggregator).verifyReport(report, signatures);
    used = before - gasleft();
    emit Measured(used, a[0].answer);
  }

  function measureUpdate(
    address aggregator,
    bytes calldata report,
    bytes calldata signatures
  ) external returns (uint256 used) {
    uint256 before = gasleft();
    IPullReports.PulledAnswer[] memory a = IPullReports(aggregator).updateAndRead(report, signatures);
    used = before - gasleft();
    emit Measured(used, a[0].answer);
  }
}
