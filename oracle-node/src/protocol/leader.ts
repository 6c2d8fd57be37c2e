import { getBytes } from "ethers";

/**
 * Deterministic leader rotation: the leader of epoch e is oracle (e + seed) mod n, where the
 * seed comes from the config digest, so every node computes the same leader with no message and
 * a new config starts the rotation at a different oracle. A silent leader costs one epoch: the
 * pacemaker moves to e + 1 and so to the next oracle.
 */
export function leaderIndex(epoch: number, n: number, configDigest: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`committee size must be positive, got ${n}`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
  const b = getBytes(configDigest);
  const seed = ((b[b.length - 4] << 24) >>> 0) + (b[b.length - 3] << 16) + (b[b.length - 2] << 8) + b[b.length - 1];
  return Number((BigInt(epoch) + BigInt(seed)) % BigInt(n));
}

/**
 * Order in which transmitters try to send a report of epoch e: the leader first, then the next
 * oracles in rotation. Position k waits k * stagger before sending, and only if the report is
 * not on chain by then.
 */
export function transmitPosition(index: number, epoch: number, n: number, configDigest: string): number {
  const leader = leaderIndex(epoch, n, configDigest);
  return (index - leader + n) % n;
}
