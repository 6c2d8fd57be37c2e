// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ISlaAccounting} from "../interfaces/IOracleRewards.sol";

// Storage layout of QuorumAggregator's service counters (docs/protocol.md "Service accounting").
//
// pending slot (one per committee index j, the transmitter's): lane width w = min(192 / (n + 1), 32)
//   lanes(0 .. n*w-1): lane i at bit i*w counts the reports transmitted by j that included
//                      signer i's observation since j's last flush
//   count(n*w .. (n+1)*w-1): transmits by j since its last flush (every lane <= count)
//   wei(192..254): reimbursement accrued by j since its last flush
//   marker(255): always set once the slot is in use, so no transmit writes a zero slot
// observations slot (8 of them, per signer index i: slot i / 4, 63 bits at (i % 4) * 63), marker 255
// totals (per address, summed over every config): observations(0..63) transmissions(64..127)
//   reimbursementWei(128..254) marker(255)

/// @dev Bit 255 of every accounting slot: keeps a zeroed counter slot non-zero (an SSTORE of
/// zero -> non-zero costs 20,000 gas, non-zero -> non-zero 2,900).
uint256 constant SLA_MARKER = 1 << 255;
/// @dev Bits 0..191 of a pending slot hold the lanes and the count.
uint256 constant SLA_LANE_BITS = 192;
/// @dev The widest lane (and count): a flush period of at most 2^32 - 1 transmits.
uint256 constant SLA_MAX_LANE_BITS = 32;
uint256 constant SLA_WEI_SHIFT = 192;
uint256 constant SLA_WEI_MASK = (1 << 63) - 1;
uint256 constant SLA_OBS_BITS = 63;
uint256 constant SLA_OBS_MASK = (1 << 63) - 1;
uint256 constant SLA_UINT64_MASK = (1 << 64) - 1;
uint256 constant SLA_TOTAL_WEI_MASK = (1 << 127) - 1;
/// @dev The intrinsic gas of a transaction, added to the gas transmit measures.
uint256 constant SLA_TX_BASE_GAS = 21_000;
/// @dev Gas per calldata byte added to the measured gas: the non-zero byte price (EIP-2028), an
/// upper bound that spares a loop over the calldata.
uint256 constant SLA_CALLDATA_GAS_PER_BYTE = 16;
/// @dev The gas price cap is stored in units of 10^6 wei (32 bits: up to 4.29e15 wei).
uint256 constant SLA_GAS_PRICE_UNIT = 1e6;
/// @dev Words of the accounting storage as QuorumAggregator.slaWords returns them: pending
/// 0..30, observations 31..38, totals[account] 39.
uint256 constant SLA_WORDS = 40;
/// @dev Modes (QuorumAggregator s_hot bits 192..199).
uint256 constant SLA_MODE_OFF = 0;
uint256 constant SLA_MODE_REIMBURSE = 1;
uint256 constant SLA_MODE_FULL = 2;

/// @title SlaAccounting
/// @notice The per-oracle service counters counted inside transmit at bounded cost, their rare
/// flushes, and their sums (ISlaAccounting).
/// @dev Why this layout (the gas facts that decide it): every slot is cold at the start of a
/// transaction and any slot transmit did not already write costs >= 2,900 gas to write, so a
/// separate counter slot per transmit would alone exceed the 1,000-gas target at n = 7. The
/// reimbursement needs a per-transmitter slot written on every transmit anyway; the observation
/// counts ride in that slot as lanes, so counting costs only spreading the report's observer
/// bitmap to the lanes (`spread`, a few multiplications) and one add. A lane can never overflow:
/// every lane is <= the count, and the slot is flushed when the count reaches 2^w - 1 (63
/// transmits of that transmitter at n = 31, 2^24 - 1 at n = 7), when the wei would exceed 63 bits,
/// at setConfig and on flushSla. A flush adds the lanes into the per-index observation totals
/// (four per slot) and the count and wei into the transmitter's per-address totals.
/// Bounds (why no arithmetic here can overflow): a transmit adds at most 1 to a lane, a count, an
/// index total and an address total, and at most (gas used + 2^24 + 16 * calldata size + 21,000)
/// x 2^32 x 10^6 < 2^96 wei; 2^63 transmits would take 2^63 x 21,000 gas, far beyond any chain's
/// history, so the 63/64-bit totals and the 127-bit wei total (2^31 such maximal transmits) hold.
library SlaAccounting {
  struct Sla {
    uint256[31] pending;
    uint256[8] observations;
    mapping(address => uint256) totals;
  }

  /// @dev Lane width of a committee of n: n lanes plus the count in 192 bits, at most 32 bits, so
  /// that a flush adds less than 2^32 to a 64-bit total (n <= 4 would allow 38..96-bit lanes).
  function laneWidth(uint256 n) internal pure returns (uint256) {
    uint256 w = SLA_LANE_BITS / (n + 1);
    return w < SLA_MAX_LANE_BITS ? w : SLA_MAX_LANE_BITS;
  }

  /// @dev The observer bitmap (bit i: signer i, all bits below n) spread to lanes of width w: bit
  /// i becomes bit i * w. Chunks of m = min(w - 1, n) bits, each spread by one multiplication:
  /// x * sum_{k<m} 2^(k(w-1)) puts bit j of x at j + k(w-1) for every k; for m <= w - 1 no two
  /// products share a bit (so no carries) and the only product at a multiple of w is k = j, at
  /// j * w, which the mask sum_{k<m} 2^(kw) keeps. At most ceil(n / m) rounds (7 at n = 31, 1 at
  /// n <= 8). Plain twin: contracts/test/SlaReference.sol spreadReference.
  function spread(uint256 observers, uint256 n, uint256 w) internal pure returns (uint256 lanes) {
    assembly ("memory-safe") {
      let w1 := sub(w, 1)
      let m := w1
      if lt(n, m) {
        m := n
      }
      // m * w <= n * w < 192: no shift or subtraction below overflows.
      let multiplier := div(sub(shl(mul(m, w1), 1), 1), sub(shl(w1, 1), 1))
      let mask := div(sub(shl(mul(m, w), 1), 1), sub(shl(w, 1), 1))
      let chunk := sub(shl(m, 1), 1)
      let step := mul(m, w)
      for {
        let shift := 0
      } observers {
        shift := add(shift, step)
      } {
        lanes := or(lanes, shl(shift, and(mul(and(observers, chunk), multiplier), mask)))
        observers := shr(m, observers)
      }
    }
  }

  /// @dev transmit's accounting: the reimbursement of this transmit to transmitter j (and its
  /// event), its transmission, and (mode FULL) the observations of `observers`. One SLOAD and
  /// one SSTORE of j's pending slot; a flush when a lane or the wei could overflow next time.
  /// No external call, nothing that reverts. `hot` is QuorumAggregator's hot word; `transmitter`
  /// is msg.sender, the transmitter at committee index j. Returns this transmit's wei.
  function accrue(
    Sla storage sla,
    uint256 hot,
    uint256 j,
    uint256 n,
    uint256 observers,
    uint256 gasStart,
    address transmitter
  ) internal returns (uint256 accrued) {
    uint256 amount = _reimbursement(hot, gasStart, transmitter);
    accrued = amount;
    // Bounds in the library comment: no lane, count or wei here overflows its field.
    unchecked {
      uint256 w = laneWidth(n);
      uint256 countShift = n * w;
      uint256 p = sla.pending[j];
      uint256 count = ((p >> countShift) & ((1 << w) - 1)) + 1;
      uint256 lanes = p & ((1 << countShift) - 1);
      if ((hot >> 192) & 0xff == SLA_MODE_FULL) lanes += spread(observers, n, w);
      amount += (p >> SLA_WEI_SHIFT) & SLA_WEI_MASK;
      if (count == (1 << w) - 1 || amount > SLA_WEI_MASK) {
        _flush(sla, n, w, transmitter, lanes, count, amount);
        sla.pending[j] = SLA_MARKER;
      } else {
        sla.pending[j] = SLA_MARKER | (amount << SLA_WEI_SHIFT) | (count << countShift) | lanes;
      }
    }
  }

  /// @dev This transmit's reimbursement (wei) and its TransmissionAccounted event: (measured gas
  /// + 21,000 + 16 per calldata byte + gasOverhead) x min(tx.gasprice, gasPriceCap).
  function _reimbursement(uint256 hot, uint256 gasStart, address transmitter) private returns (uint256 amount) {
    // gasStart < 2^64, gasOverhead < 2^24, calldata < 2^32 bytes, cap < 2^52: amount < 2^120.
    unchecked {
      uint256 gasUsed = gasStart -
        gasleft() +
        SLA_TX_BASE_GAS +
        SLA_CALLDATA_GAS_PER_BYTE *
        msg.data.length +
        ((hot >> 232) & 0xffffff);
      uint256 cap = ((hot >> 200) & 0xffffffff) * SLA_GAS_PRICE_UNIT;
      uint256 price = tx.gasprice < cap ? tx.gasprice : cap;
      amount = gasUsed * price;
      emit ISlaAccounting.TransmissionAccounted(transmitter, gasUsed, price, amount);
    }
  }

  /// @dev Adds a pending slot's lanes to the per-index totals and its count and wei to the
  /// transmitter's totals; emits SlaFlushed. Rare path (see `accrue`).
  function _flush(
    Sla storage sla,
    uint256 n,
    uint256 w,
    address transmitter,
    uint256 lanes,
    uint256 count,
    uint256 amount
  ) private {
    uint256 laneMax = (1 << w) - 1;
    for (uint256 s = 0; s * 4 < n; ++s) {
      uint256 word = sla.observations[s];
      uint256 added = 0;
      for (uint256 k = 0; k < 4 && s * 4 + k < n; ++k) {
        added |= ((lanes >> ((s * 4 + k) * w)) & laneMax) << (k * SLA_OBS_BITS);
      }
      // Each 63-bit field stays below 2^63 (library comment): the fields add without carries.
      if (added != 0) sla.observations[s] = (word + added) | SLA_MARKER;
    }
    sla.totals[transmitter] = (sla.totals[transmitter] + ((count << 64) | (amount << 128))) | SLA_MARKER;
    emit ISlaAccounting.SlaFlushed(transmitter, count, amount, lanes, w);
  }

  /// @dev Flushes transmitter j's pending slot if anything is pending (flushSla, setConfig).
  function flushOne(Sla storage sla, uint256 j, uint256 n, address transmitter) internal {
    uint256 p = sla.pending[j];
    uint256 w = laneWidth(n);
    uint256 count = (p >> (n * w)) & ((1 << w) - 1);
    uint256 amount = (p >> SLA_WEI_SHIFT) & SLA_WEI_MASK;
    if (count == 0 && amount == 0) return;
    _flush(sla, n, w, transmitter, p & ((1 << (n * w)) - 1), count, amount);
    sla.pending[j] = SLA_MARKER;
  }

  /// @dev setConfig, before the committee changes: flushes every pending slot and moves the
  /// per-index observation totals into the signers' per-address totals.
  function rollover(Sla storage sla, address[] storage signers, address[] storage transmitters) internal {
    uint256 n = signers.length;
    for (uint256 j = 0; j < n; ++j) flushOne(sla, j, n, transmitters[j]);
    for (uint256 s = 0; s * 4 < n; ++s) {
      uint256 word = sla.observations[s];
      if (word & ~SLA_MARKER == 0) continue;
      for (uint256 k = 0; k < 4 && s * 4 + k < n; ++k) {
        uint256 v = (word >> (k * SLA_OBS_BITS)) & SLA_OBS_MASK;
        if (v != 0) sla.totals[signers[s * 4 + k]] = (sla.totals[signers[s * 4 + k]] + v) | SLA_MARKER;
      }
      sla.observations[s] = SLA_MARKER;
    }
  }

  /// @dev Sets the marker bit of every slot the committee's transmits and flushes write, so that
  /// none of them writes a zero slot (paid once, by setConfig or setSlaParams).
  function mark(Sla storage sla, address[] storage signers, address[] storage transmitters) internal {
    uint256 n = signers.length;
    for (uint256 j = 0; j < n; ++j) {
      sla.pending[j] |= SLA_MARKER;
      sla.totals[signers[j]] |= SLA_MARKER;
      sla.totals[transmitters[j]] |= SLA_MARKER;
    }
    for (uint256 s = 0; s * 4 < n; ++s) sla.observations[s] |= SLA_MARKER;
  }

  /// @dev An account's totals over every config, flushed and pending (IOracleRewards.oracleTotals),
  /// from the raw words and the current committee.
  function totalsFrom(
    uint256[SLA_WORDS] memory words,
    address account,
    address[] memory signers,
    address[] memory transmitters
  ) internal pure returns (uint256 obs, uint256 txs, uint256 amount) {
    uint256 t = words[39];
    obs = t & SLA_UINT64_MASK;
    txs = (t >> 64) & SLA_UINT64_MASK;
    amount = (t >> 128) & SLA_TOTAL_WEI_MASK;
    uint256 n = signers.length;
    uint256 w = laneWidth(n);
    for (uint256 i = 0; i < n; ++i) {
      if (signers[i] == account) {
        obs += (words[31 + i / 4] >> ((i % 4) * SLA_OBS_BITS)) & SLA_OBS_MASK;
        for (uint256 j = 0; j < n; ++j) obs += (words[j] >> (i * w)) & ((1 << w) - 1);
      }
      if (transmitters[i] == account) {
        txs += (words[i] >> (n * w)) & ((1 << w) - 1);
        amount += (words[i] >> SLA_WEI_SHIFT) & SLA_WEI_MASK;
      }
    }
  }
}
