import { describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { computeSla, deviationBps, percentile, type LandedTransmission, type SlaConfig } from "./sla";

const signers = Array.from({ length: 4 }, (_, i) => new Wallet("0x" + String(i + 1).padStart(64, "0")).address);
const transmitters = Array.from({ length: 4 }, (_, i) => new Wallet("0x" + String(i + 11).padStart(64, "0")).address);
const DIGEST = "0x" + "ab".repeat(32);
const config: SlaConfig = { configDigest: DIGEST, blockNumber: 1, signers, transmitters, f: 1 };

function landed(block: number, observers: number[], observations: bigint[], signerIndices: number[], transmitter = 0): LandedTransmission {
  return {
    blockNumber: block,
    txHash: "0x" + block.toString(16).padStart(64, "0"),
    transmitter: transmitters[transmitter],
    report: { configDigest: DIGEST, epoch: 1, round: block, observationsTimestamp: 0, feeds: [{ feedIndex: 0, observers, observations }] },
    signerIndices,
    gasUsed: 100_000n,
    gasPrice: 2n,
  };
}

describe("deviationBps and percentile", () => {
  it("measures |v - m| / |m| in bps to 0.01, for negative medians too, and caps an absurd distance", () => {
    expect(deviationBps(101n, 100n)).toBe(100);
    expect(deviationBps(99n, 100n)).toBe(100);
    expect(deviationBps(-101n, -100n)).toBe(100);
    expect(deviationBps(100_001n, 100_000n)).toBe(0.1);
    expect(deviationBps(0n, 0n)).toBe(0);
    expect(deviationBps(1n, 0n)).toBe(1e9);
    expect(deviationBps((1n << 119n) - 1n, 1n)).toBe(1e9);
  });

  it("takes nearest-rank percentiles and refuses an empty list", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.95)).toBe(95);
    expect(percentile([7], 0.95)).toBe(7);
    expect(() => percentile([], 0.5)).toThrow(RangeError);
  });
});

describe("computeSla", () => {
  it("counts inclusion, signatures, transmissions, gas and deviation per oracle; an absent oracle scores 0", () => {
    const input = {
      fromBlock: 1,
      toBlock: 10,
      configs: [config],
      landed: [landed(2, [0, 1, 2], [99n, 100n, 102n], [0, 1]), landed(3, [0, 1, 2], [100n, 100n, 110n], [1, 2], 1)],
      reverted: [{ blockNumber: 4, txHash: "0x01", from: transmitters[2], gasUsed: 30_000n, gasPrice: 2n }],
      economics: null,
    };
    const sla = computeSla(input);
    expect(sla.reports).toBe(2);
    const [o0, o1, o2, o3] = sla.oracles;
    expect([o0.included, o0.feedEntries, o0.inclusionRate]).toEqual([2, 2, 1]);
    expect(o3.included).toBe(0);
    expect(o3.inclusionRate).toBe(0);
    expect(o3.deviationBps).toBeNull();
    expect([o0.signatureShare, o1.signatureShare, o2.signatureShare, o3.signatureShare]).toEqual([0.5, 1, 0.5, 0]);
    expect([o0.transmissionsLanded, o1.transmissionsLanded, o2.transmissionsLanded]).toEqual([1, 1, 0]);
    expect(o2.transmissionsReverted).toBe(1);
    expect(o2.transmissionSuccess).toBe(0);
    expect(o0.transmissionSuccess).toBe(1);
    expect(o3.transmissionSuccess).toBeNull();
    expect(o0.gasSpentWei).toBe(200_000n);
    expect(o2.gasSpentWei).toBe(60_000n);
    // oracle 2 observed 102 vs 100 (200 bps) and 110 vs 100 (1000 bps)
    expect(o2.deviationBps).toEqual({ p50: 200, p95: 1000, max: 1000 });
    expect(o0.rewardsAccrued).toBeNull();
    expect(o0.gasReimbursedWei).toBeNull();
  });

  it("ignores reports under an unknown config digest and transmissions outside the range", () => {
    const foreign = landed(2, [0, 1, 2], [1n, 2n, 3n], [0, 1]);
    foreign.report.configDigest = "0x" + "cd".repeat(32);
    const sla = computeSla({
      fromBlock: 3,
      toBlock: 5,
      configs: [config],
      landed: [foreign, landed(2, [0, 1, 2], [1n, 2n, 3n], [0, 1]), landed(6, [0], [1n], [0])],
      reverted: null,
      economics: null,
    });
    expect(sla.reports).toBe(0);
    expect(sla.oracles.every((o) => o.inclusionRate === null && o.transmissionsReverted === null)).toBe(true);
  });

  it("adds the economics totals by signer and transmitter address", () => {
    const m = (entries: Array<[string, bigint]>) => new Map(entries);
    const sla = computeSla({
      fromBlock: 0,
      toBlock: 10,
      configs: [config],
      landed: [],
      reverted: [],
      economics: {
        rewardsAccrued: m([
          [signers[1], 5n],
          [transmitters[1], 2n],
        ]),
        rewardsClaimed: m([[signers[1], 4n]]),
        slashed: m([[signers[3], 100n]]),
        gasReimbursed: m([[transmitters[0], 9n]]),
      },
    });
    expect(sla.oracles[1].rewardsAccrued).toBe(7n);
    expect(sla.oracles[1].rewardsClaimed).toBe(4n);
    expect(sla.oracles[3].slashed).toBe(100n);
    expect(sla.oracles[0].gasReimbursedWei).toBe(9n);
    expect(sla.oracles[2].rewardsAccrued).toBe(0n);
  });

  it("counts a member only while it is in the config: a new config's newcomer is not blamed for older reports", () => {
    const newcomer = new Wallet("0x" + "77".repeat(32)).address;
    const digest2 = "0x" + "ef".repeat(32);
    const config2: SlaConfig = { configDigest: digest2, blockNumber: 5, signers: [signers[0], signers[1], signers[2], newcomer], transmitters, f: 1 };
    const later = landed(6, [1, 2, 3], [10n, 10n, 10n], [1, 3]);
    later.report.configDigest = digest2;
    const sla = computeSla({
      fromBlock: 0,
      toBlock: 10,
      configs: [config, config2],
      landed: [landed(2, [0, 1, 2], [1n, 1n, 1n], [0, 1]), later],
      reverted: [],
      economics: null,
    });
    const n = sla.oracles.find((o) => o.signer === newcomer)!;
    expect([n.index, n.reports, n.included, n.signed]).toEqual([3, 1, 1, 1]);
    const old = sla.oracles.find((o) => o.signer === signers[3])!;
    expect([old.reports, old.included]).toEqual([1, 0]);
  });
});
