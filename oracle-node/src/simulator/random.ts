/**
 * Seeded, splittable randomness for the simulator. Every random stream (an asset's walk, a
 * venue's basis, one step's noise) is derived from the seed and a label, so the same seed gives
 * the same market whatever order requests arrive in.
 */

/** 32-bit FNV-1a of a label, mixed with the seed: the seed of one named stream. */
export function streamSeed(seed: number, ...labels: Array<string | number>): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (const label of labels) {
    const text = `${label}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for a market simulation (not for keys). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u <= Number.MIN_VALUE) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A one-off normal draw for (seed, labels): stateless per-step noise. */
export function normalAt(seed: number, ...labels: Array<string | number>): number {
  return new Rng(streamSeed(seed, ...labels)).normal();
}
