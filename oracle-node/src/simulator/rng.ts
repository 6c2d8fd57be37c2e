/**
 * The project's one seeded random number generator, shared by the venue simulator, the training
 * generator (models/generator), the trainer and the randomized tests. mulberry32: small, fast,
 * good enough for a market simulation (never for keys). Every dataset, market and randomized test
 * case is reproducible from its seed; rng.test.ts pins the first outputs of a seed so the trained
 * model's data cannot drift silently.
 */

/** The state a zero seed is replaced with (mulberry32 would start from 0). */
const ZERO_SEED_STATE = 0x9e3779b9;

export class Rng {
  private state: number;
  /** The second value of the last Box-Muller pair, served by the next normal(). */
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0 || ZERO_SEED_STATE;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Log-uniform in [lo, hi] (both > 0): magnitudes spread evenly over orders of magnitude. */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  /** An integer in [lo, hiInclusive]. */
  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Box-Muller): one pair of uniforms gives two normals, served in turn. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates, in place; returns `items`. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/**
 * 32-bit FNV-1a of labels, mixed with the seed: the seed of one named stream. The simulator
 * derives every stream (an asset's walk, a venue's basis, one step's noise) from the seed and a
 * label, so the same seed gives the same market whatever order requests arrive in.
 */
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

/** A one-off normal draw for (seed, labels): stateless per-step noise. */
export function normalAt(seed: number, ...labels: Array<string | number>): number {
  return new Rng(streamSeed(seed, ...labels)).normal();
}
