import { Rng } from "../../oracle-node/src/simulator/rng";
import type { CryptoVenueId } from "../../oracle-node/src/simulator/vocabulary";
import { applyAttacks, drawAttacks, type Attack, type AttackFamily } from "./attacks";
import { isSlowKind, shapeVenues, slowAttacks, slowRegime, TRAIN_SLOW_PROFILE, type SlowKind, type SlowProfile } from "./families";

/**
 * The training-data market simulator. A fair price (GBM with jumps, or a mean-reverting stablecoin)
 * is seen by N venues, each with its own slowly mean-reverting basis, microstructure noise,
 * reporting lag (a lagging venue may repeat its last quote: honest), tick size, spread, drifting
 * 24 h volume and missing rows. On top: genuine market moves every venue shows (crashes, rallies,
 * one-round jumps, high-volatility regimes: labelled honest) and labelled attack families (attacks.ts).
 *
 * Magnitudes come from a Profile so the held-out evaluation can draw from different ranges than
 * training. Prices are emitted as decimal text at the venue's tick, like a real API.
 */

export { ATTACK_FAMILIES, type AttackFamily } from "./attacks";

export type Range = readonly [number, number];

export interface Profile {
  /** Relative offset of a single-venue spike (log-uniform), e.g. 0.003 = 0.3 %. */
  spikeMag: Range;
  spikeRounds: Range;
  /** Fraction lost in a single-venue flash crash. */
  flashDrop: Range;
  flashRounds: Range;
  /** Final offset of a slow drift and the rounds it takes. */
  driftMag: Range;
  driftRounds: Range;
  freezeRounds: Range;
  /** Relative offset of a coordinated pump and its hold time. */
  pumpMag: Range;
  pumpRounds: Range;
  /** Probability that a pump takes most (more than half) of the venues. */
  pumpMajority: number;
  /** Total move of a genuine crash or rally and the rounds it takes. */
  crashMove: Range;
  crashRounds: Range;
  /** A genuine one-round jump every venue shows. */
  jumpMove: Range;
  /** Attacks per scenario. */
  attacks: Range;
}

export const TRAIN_PROFILE: Profile = {
  spikeMag: [0.0015, 4],
  spikeRounds: [1, 90],
  flashDrop: [0.03, 0.97],
  flashRounds: [2, 40],
  driftMag: [0.002, 0.3],
  driftRounds: [20, 400],
  freezeRounds: [20, 400],
  pumpMag: [0.005, 4],
  pumpRounds: [5, 150],
  pumpMajority: 0.45,
  crashMove: [0.03, 0.75],
  crashRounds: [8, 300],
  jumpMove: [0.01, 0.25],
  attacks: [0, 4],
};

/**
 * The held-out evaluation's ranges: shifted away from training (bigger and smaller attacks, longer
 * drifts and freezes, pumps that take most venues more often, different genuine moves).
 */
export const HELDOUT_PROFILE: Profile = {
  spikeMag: [0.003, 9],
  spikeRounds: [3, 150],
  flashDrop: [0.1, 0.99],
  flashRounds: [5, 60],
  driftMag: [0.01, 0.5],
  driftRounds: [60, 500],
  freezeRounds: [60, 500],
  pumpMag: [0.02, 6],
  pumpRounds: [20, 250],
  pumpMajority: 0.6,
  crashMove: [0.2, 0.65],
  crashRounds: [30, 250],
  jumpMove: [0.03, 0.2],
  attacks: [1, 4],
};

export interface SimRow {
  source: string;
  price: string;
  bid?: string;
  ask?: string;
  volume?: string;
  label: 0 | 1;
  /** Training weight: 0 for ambiguous rows (an attack too small yet to tell from noise). */
  weight: number;
  family: AttackFamily | "honest";
}

export interface SimRound {
  ts: number;
  truth: number;
  rows: SimRow[];
}

export interface Scenario {
  name: string;
  intervalSec: number;
  rounds: SimRound[];
  /** Attack families and genuine events that occur, for reports. */
  events: string[];
}

/** A family of scenario: "thin-pump" = a thin token pumped on most venues; the slow kinds are in families.ts. */
export type ScenarioKind = "random" | "thin-pump" | "genuine-crash" | "calm" | SlowKind;

export interface ScenarioOptions {
  rounds?: number;
  /** Force a family of scenario. */
  kind?: ScenarioKind;
  profile?: Profile;
  /** Magnitudes of the slow kinds (families.ts); TRAIN_SLOW_PROFILE by default. */
  slowProfile?: SlowProfile;
}

/** One simulated venue's fixed traits and running state. */
export interface Venue {
  name: CryptoVenueId;
  basis: number;
  basisSd: number;
  noise: number;
  lag: number;
  repeatProb: number;
  missingProb: number;
  spread: number;
  logVol: number;
  logVol0: number;
  hasBook: boolean;
  hasVolume: boolean;
  thin: boolean;
  last?: RowCore;
  history: RowCore[];
}

/** A quote as numbers, before it is written as decimal text. */
export interface RowCore {
  price: number;
  bid?: number;
  ask?: number;
  volume?: number;
}

/** The venues a scenario draws from: simulated venue ids (the order is part of the seeded stream). */
const VENUE_NAMES: readonly CryptoVenueId[] = [
  "binance",
  "coinbase",
  "kraken",
  "okx",
  "bybit",
  "bitstamp",
  "gemini",
  "kucoin",
  "gateio",
  "htx",
  "bitfinex",
  "cryptocom",
  "coingecko",
  "cryptocompare",
];

/** An honest quote this far from fair is a hard negative (lag in a fast move, a thin venue's basis). */
const HARD_NEGATIVE_MIN = 20e-4;
const HARD_NEGATIVE_WEIGHT = 3;

function decimalsFor(price: number, relTick: number): number {
  return Math.min(Math.max(Math.ceil(-Math.log10(price * relTick)), 0), 12);
}

function fmt(x: number, dec: number): string {
  if (!Number.isFinite(x)) return "0";
  const d = Math.abs(x) >= 1e15 ? 0 : Math.min(dec + Math.max(0, -Math.floor(Math.log10(Math.abs(x) || 1))), 18);
  return x.toFixed(Math.min(d, 100));
}

/**
 * One labelled scenario, reproducible from its seed. The draws happen in a fixed order (setting,
 * venues, market regime, fair path, attacks, rounds): reordering them changes every dataset and
 * so the trained model.
 */
export function simulateScenario(seed: number, opts: ScenarioOptions = {}): Scenario {
  const rng = new Rng(seed);
  const s = drawSetting(rng, opts);
  const venues = drawVenues(rng, s);
  const regime = drawRegime(rng, s);
  const fair = fairPath(rng, s, regime);
  const attacks = isSlowKind(s.kind)
    ? slowAttacks(rng, s.kind, s.SP, s.T, s.n, s.intervalSec)
    : drawAttacks(rng, { P: s.P, kind: s.kind, T: s.T, n: s.n, venues }, regime.events);
  if (isSlowKind(s.kind)) regime.events.push(...attacks.map((a) => a.family));
  const rounds = emitRounds(rng, s, venues, regime, fair, attacks);
  return { name: `sim-${seed}-${s.kind}`, intervalSec: s.intervalSec, rounds, events: regime.events };
}

/** The draws that shape a whole scenario: asset, tick, volatility, venue count. */
interface Setting {
  P: Profile;
  SP: SlowProfile;
  kind: ScenarioKind;
  /** Rounds. */
  T: number;
  intervalSec: number;
  /** A stablecoin (mean-reverting around 1). */
  stable: boolean;
  thinToken: boolean;
  price0: number;
  relTick: number;
  sigma0: number;
  /** Venues. */
  n: number;
}

function drawSetting(rng: Rng, opts: ScenarioOptions): Setting {
  const P = opts.profile ?? TRAIN_PROFILE;
  const SP = opts.slowProfile ?? TRAIN_SLOW_PROFILE;
  const kind = opts.kind ?? "random";
  const T = opts.rounds ?? rng.int(300, 600);
  if (isSlowKind(kind)) return slowSetting(rng, P, SP, kind, T);
  const intervalSec = rng.pick([1, 5, 10, 10, 15, 30, 60]);
  const stable = kind === "random" && rng.chance(0.15);
  const thinToken = kind === "thin-pump" || (kind === "random" && rng.chance(0.2));
  const price0 = stable ? 1 : rng.logUniform(1e-3, 1e5);
  const relTick = stable ? rng.logUniform(1e-5, 1e-4) : rng.logUniform(1e-6, 2e-4);
  const sigma0 = stable ? rng.logUniform(2e-6, 2e-5) : rng.logUniform(2e-5, thinToken ? 4e-3 : 1.5e-3) * Math.sqrt(intervalSec / 10);
  const n = rng.int(thinToken ? 4 : 5, 12);
  return { P, SP, kind, T, intervalSec, stable, thinToken, price0, relTick, sigma0, n };
}

/** A slow family's setting: 7-11 venues (two liquid), a stablecoin for a depeg. */
function slowSetting(rng: Rng, P: Profile, SP: SlowProfile, kind: SlowKind, T: number): Setting {
  const intervalSec = rng.pick(SP.intervals);
  const stable = kind === "depeg";
  const price0 = stable ? 1 : rng.logUniform(1e-2, 1e5);
  const relTick = stable ? rng.logUniform(1e-5, 1e-4) : rng.logUniform(1e-6, 1e-4);
  const sigma0 = stable ? rng.logUniform(2e-6, 2e-5) : rng.logUniform(2e-5, 1e-3) * Math.sqrt(intervalSec / 10);
  return { P, SP, kind, T, intervalSec, stable, thinToken: false, price0, relTick, sigma0, n: rng.int(7, 11) };
}

function drawVenues(rng: Rng, s: Setting): Venue[] {
  const names = rng.shuffle([...VENUE_NAMES]).slice(0, s.n);
  const volScale = s.thinToken ? rng.logUniform(1e2, 1e5) : rng.logUniform(1e4, 1e9);
  const venues = names.map((name): Venue => {
    const thin = s.thinToken || rng.chance(0.3);
    const size = rng.logUniform(0.01, 1) * (thin ? 0.2 : 1);
    return {
      name,
      basis: 0,
      basisSd: rng.logUniform(0.5e-4, thin ? 30e-4 : 8e-4) * (s.stable ? 0.3 : 1),
      noise: rng.logUniform(0.2e-4, thin ? 15e-4 : 4e-4) * (s.stable ? 0.3 : 1),
      lag: rng.pick([0, 0, 0, 1, 1, 2, 3]),
      repeatProb: rng.chance(0.4) ? rng.uniform(0, 0.25) : 0,
      missingProb: rng.logUniform(0.003, 0.08),
      spread: rng.logUniform(0.3e-4, thin ? 80e-4 : 10e-4),
      logVol: Math.log((volScale * size) / s.price0 + 1),
      logVol0: Math.log((volScale * size) / s.price0 + 1),
      hasBook: rng.chance(0.88),
      hasVolume: rng.chance(0.92),
      thin,
      history: [],
    };
  });
  if (isSlowKind(s.kind)) shapeVenues(rng, s.kind, s.SP, s.price0, venues);
  return venues;
}

/** Market-wide multipliers and moves per round (genuine events every venue shows). */
interface Regime {
  volMult: Float64Array;
  spreadMult: Float64Array;
  volumeMult: Float64Array;
  missingMult: Float64Array;
  extraLag: Int32Array;
  drift: Float64Array;
  jump: Float64Array;
  /** log level a stablecoin is pulled to at round t (a genuine depeg); par elsewhere. */
  target?: Float64Array;
  /** Genuine events and attack families, in the order they were drawn. */
  events: string[];
}

function drawRegime(rng: Rng, s: Setting): Regime {
  const T = s.T;
  const r: Regime = {
    volMult: new Float64Array(T).fill(1),
    spreadMult: new Float64Array(T).fill(1),
    volumeMult: new Float64Array(T).fill(1),
    missingMult: new Float64Array(T).fill(1),
    extraLag: new Int32Array(T),
    drift: new Float64Array(T),
    jump: new Float64Array(T),
    events: [],
  };
  if (isSlowKind(s.kind)) {
    slowRegime(rng, s.kind, s.SP, T, s.intervalSec, r);
    return r;
  }
  if (s.kind === "genuine-crash" || (s.kind === "random" && rng.chance(0.35))) addGenuineMove(rng, s, r);
  if (s.kind === "random" && rng.chance(0.3)) addJumps(rng, s, r);
  if (s.kind === "random" && rng.chance(0.3)) addHighVol(rng, s, r);
  return r;
}

/** A genuine crash (or rally) every venue shows, with higher volatility, spreads, volume, lag and gaps. */
function addGenuineMove(rng: Rng, s: Setting, r: Regime): void {
  const { P, T } = s;
  const move = rng.logUniform(P.crashMove[0], P.crashMove[1]) * (s.stable ? 0.2 : 1);
  const rally = s.kind !== "genuine-crash" && rng.chance(0.35);
  const D = Math.min(rng.int(P.crashRounds[0], P.crashRounds[1]), Math.floor(T / 2));
  const start = rng.int(Math.floor(T * 0.15), T - D - 1);
  const total = rally ? Math.log(1 + move) : Math.log(1 - Math.min(move, 0.95));
  const vm = rng.uniform(1.5, 5);
  const sm = rng.uniform(1.3, 5);
  const wm = rng.uniform(1.2, 6);
  const lagUp = rng.int(0, 3);
  for (let t = start; t < T; t++) {
    const inMove = t < start + D;
    const fade = inMove ? 1 : Math.exp(-(t - start - D) / 60);
    if (inMove) r.drift[t] = total / D;
    r.volMult[t] *= 1 + (vm - 1) * fade;
    r.spreadMult[t] *= 1 + (sm - 1) * fade;
    r.volumeMult[t] *= 1 + (wm - 1) * Math.min(1, (t - start + 1) / 20) * fade;
    r.missingMult[t] *= 1 + 1.5 * fade;
    if (inMove) r.extraLag[t] = lagUp;
  }
  r.events.push(rally ? "genuine-rally" : "genuine-crash");
}

/** One to three genuine one-round jumps, each followed by 40 rounds of higher volatility. */
function addJumps(rng: Rng, s: Setting, r: Regime): void {
  const k = rng.int(1, 3);
  for (let j = 0; j < k; j++) {
    const t = rng.int(20, s.T - 2);
    r.jump[t] += (rng.chance(0.5) ? 1 : -1) * Math.log(1 + rng.logUniform(s.P.jumpMove[0], s.P.jumpMove[1])) * (s.stable ? 0.1 : 1);
    for (let u = t; u < Math.min(s.T, t + 40); u++) {
      r.volMult[u] *= 2;
      r.spreadMult[u] *= 1.5;
    }
  }
  r.events.push("genuine-jump");
}

/** A high-volatility stretch of 50-300 rounds. */
function addHighVol(rng: Rng, s: Setting, r: Regime): void {
  const start = rng.int(0, s.T - 50);
  const end = Math.min(s.T, start + rng.int(50, 300));
  const m = rng.uniform(2, 8);
  for (let t = start; t < end; t++) {
    r.volMult[t] *= m;
    r.spreadMult[t] *= Math.sqrt(m);
  }
  r.events.push("high-vol");
}

/** The fair price per round: GBM with rare big steps, pulled back to 1 for a stablecoin. */
function fairPath(rng: Rng, s: Setting, r: Regime): Float64Array {
  const fair = new Float64Array(s.T);
  let lf = Math.log(s.price0);
  for (let t = 0; t < s.T; t++) {
    let step = s.sigma0 * r.volMult[t] * rng.normal() + r.drift[t] + r.jump[t];
    if (rng.chance(0.002)) step += rng.normal() * s.sigma0 * 20;
    // A depeg's target pulls hard (the market follows it within a few rounds); par pulls gently.
    if (s.stable) step -= r.target ? 0.3 * (lf - r.target[t]) : 0.02 * (lf - 0);
    lf += step;
    fair[t] = Math.exp(lf);
  }
  return fair;
}

function emitRounds(rng: Rng, s: Setting, venues: Venue[], r: Regime, fair: Float64Array, attacks: readonly Attack[]): SimRound[] {
  const startTs = 1_700_000_000 + rng.int(0, 10_000_000);
  const rounds: SimRound[] = [];
  for (let t = 0; t < s.T; t++) {
    const rows: SimRow[] = [];
    for (let vi = 0; vi < s.n; vi++) {
      const row = venueRow(rng, s, venues[vi], vi, t, r, fair, attacks);
      if (row) rows.push(row);
    }
    rng.shuffle(rows);
    rounds.push({ ts: startTs + t * s.intervalSec, truth: fair[t], rows });
  }
  return rounds;
}

/** What venue `vi` serves at round `t` (null: its row is missing), labelled. */
function venueRow(rng: Rng, s: Setting, v: Venue, vi: number, t: number, r: Regime, fair: Float64Array, attacks: readonly Attack[]): SimRow | null {
  const fairT = fair[t];
  const honest = honestQuote(rng, v, t, r, fair);
  v.history.push(honest);
  if (v.history.length > 80) v.history.shift();
  const missing = rng.chance(Math.min(0.5, v.missingProb * r.missingMult[t]));
  const { row, label, weight, family, missing: gone } = applyAttacks(rng, attacks, { t, vi, venue: v, honest, fair: fairT, missing });
  if (gone) return null;
  // Honest repeats replay the venue's last honest quote, never an attacked one.
  if (family === "honest") v.last = row;
  const d = decimalsFor(honest.price, s.relTick);
  // Honest quotes far from fair (lag through a fast move) are the hard negatives: weigh them up.
  const hard = label === 0 && Math.abs(row.price / fairT - 1) > HARD_NEGATIVE_MIN;
  return {
    source: v.name,
    price: fmt(row.price, d),
    bid: row.bid !== undefined ? fmt(Math.min(row.bid, row.price), d) : undefined,
    ask: row.ask !== undefined ? fmt(Math.max(row.ask, row.price), d) : undefined,
    volume: row.volume !== undefined ? row.volume.toFixed(3) : undefined,
    label,
    weight: hard ? weight * HARD_NEGATIVE_WEIGHT : weight,
    family,
  };
}

/** The venue's honest quote: fair (lagged) x basis x noise, its book and volume; or a repeat of its last. */
function honestQuote(rng: Rng, v: Venue, t: number, r: Regime, fair: Float64Array): RowCore {
  v.basis = 0.99 * v.basis + Math.sqrt(1 - 0.99 * 0.99) * v.basisSd * rng.normal();
  v.logVol += 0.002 * rng.normal() - 0.002 * (v.logVol - v.logVol0);
  const lag = Math.min(t, v.lag + r.extraLag[t]);
  if (v.last && rng.chance(v.repeatProb + (r.extraLag[t] > 0 ? 0.1 : 0))) return v.last;
  const p = fair[t - lag] * Math.exp(v.basis + v.noise * r.volMult[t] ** 0.5 * rng.normal());
  const sp = v.spread * r.spreadMult[t] * Math.exp(0.25 * rng.normal());
  const skew = rng.uniform(0.2, 0.8);
  return {
    price: p,
    bid: v.hasBook ? p * (1 - sp * skew) : undefined,
    ask: v.hasBook ? p * (1 + sp * (1 - skew)) : undefined,
    volume: v.hasVolume ? Math.exp(v.logVol) * r.volumeMult[t] * Math.exp(0.01 * rng.normal()) : undefined,
  };
}
