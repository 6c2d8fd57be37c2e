import { Rng } from "../../oracle-node/src/simulator/rng";
import type { AttackKind, CryptoVenueId, OutageKind } from "../../oracle-node/src/simulator/vocabulary";

/**
 * The training-data market simulator. A fair price (GBM with jumps, or a mean-reverting stablecoin)
 * is seen by N venues, each with its own slowly mean-reverting basis, microstructure noise,
 * reporting lag (a lagging venue may repeat its last quote: honest), tick size, spread, drifting
 * 24 h volume and missing rows. On top: genuine market moves every venue shows (crashes, rallies,
 * one-round jumps, high-volatility regimes: labelled honest) and labelled attack families.
 *
 * Magnitudes come from a Profile so the held-out evaluation can draw from different ranges than
 * training. Prices are emitted as decimal text at the venue's tick, like a real API.
 */

/**
 * What the generator labels: every simulator attack kind plus "flaky" (a venue that drops rows
 * and serves stale quotes), named as in the shared vocabulary (oracle-node/src/simulator/vocabulary.ts).
 */
export type AttackFamily = AttackKind | Extract<OutageKind, "flaky">;

/** Drawn with rng.pick: the order is part of the seeded stream (and so of the trained model). */
export const ATTACK_FAMILIES: readonly AttackFamily[] = [
  "spike", "flash-crash", "unit-error", "freeze", "drift", "pump", "garbage", "flaky",
];

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

export interface ScenarioOptions {
  rounds?: number;
  /** Force a family of scenario: "thin-pump" = a thin token pumped on most venues. */
  kind?: "random" | "thin-pump" | "genuine-crash" | "calm";
  profile?: Profile;
}

interface Venue {
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

interface RowCore {
  price: number;
  bid?: number;
  ask?: number;
  volume?: number;
}

interface Attack {
  family: AttackFamily;
  venues: number[];
  start: number;
  end: number;
  /** log offset at round t (offset families). */
  offset?: (t: number) => number;
  spreadMult?: number;
  volMult?: number;
  factor?: number;
  frozen?: Map<number, RowCore>;
  staleLag?: number;
  missing?: number;
}

/** The venues a scenario draws from: simulated venue ids (the order is part of the seeded stream). */
const VENUE_NAMES: readonly CryptoVenueId[] = [
  "binance", "coinbase", "kraken", "okx", "bybit", "bitstamp", "gemini", "kucoin", "gateio", "htx",
  "bitfinex", "cryptocom", "coingecko", "cryptocompare",
];

/** Label threshold of an offset attack: smaller manipulation is indistinguishable from basis. */
const ATTACK_LABEL_MIN = 10e-4;
/** Below this an offset attack is plainly honest-looking; in between it is ambiguous (weight 0). */
const ATTACK_AMBIGUOUS_MIN = 3e-4;
/** A frozen or stale quote counts as broken once this far from fair (the scenarios' rule). */
const FROZEN_LABEL_MIN = 20e-4;
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

export function simulateScenario(seed: number, opts: ScenarioOptions = {}): Scenario {
  const rng = new Rng(seed);
  const P = opts.profile ?? TRAIN_PROFILE;
  const kind = opts.kind ?? "random";
  const T = opts.rounds ?? rng.int(300, 600);
  const intervalSec = rng.pick([1, 5, 10, 10, 15, 30, 60]);
  const stable = kind === "random" && rng.chance(0.15);
  const thinToken = kind === "thin-pump" || (kind === "random" && rng.chance(0.2));
  const price0 = stable ? 1 : rng.logUniform(1e-3, 1e5);
  const relTick = stable ? rng.logUniform(1e-5, 1e-4) : rng.logUniform(1e-6, 2e-4);
  const sigma0 = stable ? rng.logUniform(2e-6, 2e-5) : rng.logUniform(2e-5, thinToken ? 4e-3 : 1.5e-3) * Math.sqrt(intervalSec / 10);
  const n = rng.int(thinToken ? 4 : 5, 12);
  const names = rng.shuffle([...VENUE_NAMES]).slice(0, n);
  const volScale = thinToken ? rng.logUniform(1e2, 1e5) : rng.logUniform(1e4, 1e9);
  const venues: Venue[] = names.map((name) => {
    const thin = thinToken || rng.chance(0.3);
    const size = rng.logUniform(0.01, 1) * (thin ? 0.2 : 1);
    return {
      name,
      basis: 0,
      basisSd: rng.logUniform(0.5e-4, thin ? 30e-4 : 8e-4) * (stable ? 0.3 : 1),
      noise: rng.logUniform(0.2e-4, thin ? 15e-4 : 4e-4) * (stable ? 0.3 : 1),
      lag: rng.pick([0, 0, 0, 1, 1, 2, 3]),
      repeatProb: rng.chance(0.4) ? rng.uniform(0, 0.25) : 0,
      missingProb: rng.logUniform(0.003, 0.08),
      spread: rng.logUniform(0.3e-4, thin ? 80e-4 : 10e-4),
      logVol: Math.log((volScale * size) / price0 + 1),
      logVol0: Math.log((volScale * size) / price0 + 1),
      hasBook: rng.chance(0.88),
      hasVolume: rng.chance(0.92),
      thin,
      history: [],
    };
  });

  // Market-wide regime multipliers per round.
  const volMult = new Float64Array(T).fill(1);
  const spreadMult = new Float64Array(T).fill(1);
  const volumeMult = new Float64Array(T).fill(1);
  const missingMult = new Float64Array(T).fill(1);
  const extraLag = new Int32Array(T);
  const drift = new Float64Array(T);
  const jump = new Float64Array(T);
  const events: string[] = [];
  const genuineCrash = kind === "genuine-crash" || (kind === "random" && rng.chance(0.35));
  if (genuineCrash) {
    const move = rng.logUniform(P.crashMove[0], P.crashMove[1]) * (stable ? 0.2 : 1);
    const rally = kind !== "genuine-crash" && rng.chance(0.35);
    const D = Math.min(rng.int(P.crashRounds[0], P.crashRounds[1]), Math.floor(T / 2));
    const s = rng.int(Math.floor(T * 0.15), T - D - 1);
    const total = rally ? Math.log(1 + move) : Math.log(1 - Math.min(move, 0.95));
    const vm = rng.uniform(1.5, 5);
    const sm = rng.uniform(1.3, 5);
    const wm = rng.uniform(1.2, 6);
    const lagUp = rng.int(0, 3);
    for (let t = s; t < T; t++) {
      const inMove = t < s + D;
      const fade = inMove ? 1 : Math.exp(-(t - s - D) / 60);
      if (inMove) drift[t] = total / D;
      volMult[t] *= 1 + (vm - 1) * fade;
      spreadMult[t] *= 1 + (sm - 1) * fade;
      volumeMult[t] *= 1 + (wm - 1) * Math.min(1, (t - s + 1) / 20) * fade;
      missingMult[t] *= 1 + 1.5 * fade;
      if (inMove) extraLag[t] = lagUp;
    }
    events.push(rally ? "genuine-rally" : "genuine-crash");
  }
  if (kind === "random" && rng.chance(0.3)) {
    const k = rng.int(1, 3);
    for (let j = 0; j < k; j++) {
      const t = rng.int(20, T - 2);
      jump[t] += (rng.chance(0.5) ? 1 : -1) * Math.log(1 + rng.logUniform(P.jumpMove[0], P.jumpMove[1])) * (stable ? 0.1 : 1);
      for (let u = t; u < Math.min(T, t + 40); u++) {
        volMult[u] *= 2;
        spreadMult[u] *= 1.5;
      }
    }
    events.push("genuine-jump");
  }
  if (kind === "random" && rng.chance(0.3)) {
    const s = rng.int(0, T - 50);
    const e = Math.min(T, s + rng.int(50, 300));
    const m = rng.uniform(2, 8);
    for (let t = s; t < e; t++) {
      volMult[t] *= m;
      spreadMult[t] *= Math.sqrt(m);
    }
    events.push("high-vol");
  }

  // Fair path.
  const fair = new Float64Array(T);
  let lf = Math.log(price0);
  for (let t = 0; t < T; t++) {
    let step = sigma0 * volMult[t] * rng.normal() + drift[t] + jump[t];
    if (rng.chance(0.002)) step += rng.normal() * sigma0 * 20;
    if (stable) step -= 0.02 * (lf - 0);
    lf += step;
    fair[t] = Math.exp(lf);
  }

  // Attacks.
  const attacks: Attack[] = [];
  const nAttacks = kind === "calm" || kind === "genuine-crash" ? 0 : rng.int(P.attacks[0], P.attacks[1]);
  const byVolume = venues.map((_, i) => i).sort((a, b) => venues[a].logVol - venues[b].logVol);
  const pickOne = (): number => rng.int(0, n - 1);
  const window = (lo: number, hi: number): [number, number] => {
    const d = Math.min(rng.int(Math.round(lo), Math.round(hi)), T - 10);
    const s = rng.int(5, Math.max(5, T - d - 1));
    return [s, Math.min(T, s + d)];
  };
  const families: AttackFamily[] = [];
  if (kind === "thin-pump") families.push("pump");
  for (let j = 0; j < nAttacks; j++) families.push(rng.pick(ATTACK_FAMILIES));
  for (const family of families) {
    switch (family) {
      case "spike": {
        const mag = rng.logUniform(P.spikeMag[0], P.spikeMag[1]);
        const off = rng.chance(0.6) ? Math.log(1 + mag) : Math.log(1 / (1 + mag));
        const [s, e] = window(P.spikeRounds[0], P.spikeRounds[1]);
        const ramp = rng.int(0, 4);
        attacks.push({
          family, venues: [pickOne()], start: s, end: e,
          offset: (t) => off * Math.min(1, (t - s + 1) / (ramp + 1)),
          spreadMult: rng.logUniform(1, 40), volMult: rng.logUniform(0.5, 3),
        });
        break;
      }
      case "flash-crash": {
        const drop = rng.uniform(P.flashDrop[0], P.flashDrop[1]);
        const [s, e] = window(P.flashRounds[0], P.flashRounds[1]);
        attacks.push({
          family, venues: [pickOne()], start: s, end: e, offset: () => Math.log(1 - drop),
          spreadMult: rng.logUniform(5, 300), volMult: rng.logUniform(1, 2),
        });
        break;
      }
      case "unit-error": {
        const k = rng.pick([-9, -8, -6, -3, -2, -1, 1, 2, 3, 6, 8, 9]);
        const [s, e] = window(1, 30);
        attacks.push({ family, venues: [pickOne()], start: s, end: e, factor: 10 ** k });
        break;
      }
      case "freeze": {
        const [s, e] = window(P.freezeRounds[0], P.freezeRounds[1]);
        attacks.push({ family, venues: [pickOne()], start: s, end: e, frozen: new Map() });
        break;
      }
      case "drift": {
        const mag = rng.logUniform(P.driftMag[0], P.driftMag[1]) * (rng.chance(0.5) ? 1 : -1);
        const [s, e] = window(P.driftRounds[0], P.driftRounds[1] * 1.5);
        const D = Math.max(5, Math.round((e - s) * rng.uniform(0.4, 1)));
        attacks.push({
          family, venues: [pickOne()], start: s, end: e,
          offset: (t) => Math.log(1 + mag) * Math.min(1, (t - s + 1) / D),
          spreadMult: rng.logUniform(1, 3), volMult: rng.logUniform(0.7, 2),
        });
        break;
      }
      case "pump": {
        const majority = kind === "thin-pump" || rng.chance(P.pumpMajority);
        const k = majority ? rng.int(Math.floor(n / 2) + 1, n - 1) : rng.int(2, Math.max(2, Math.floor(n / 2)));
        // Thin venues are the cheap ones to push; sometimes the attacker buys bigger ones too.
        const pool = rng.chance(0.65) ? byVolume : rng.shuffle(venues.map((_, i) => i));
        const targets = pool.slice(0, Math.min(k, n - 1));
        const mag = kind === "thin-pump" ? rng.logUniform(0.8, 3) : rng.logUniform(P.pumpMag[0], P.pumpMag[1]);
        const off = rng.chance(0.75) ? Math.log(1 + mag) : Math.log(1 / (1 + mag));
        const [s, e] = window(P.pumpRounds[0], P.pumpRounds[1]);
        const r = rng.next();
        const ramp = r < 0.5 ? 0 : r < 0.8 ? rng.int(1, 30) : rng.int(30, 200);
        const perVenue = targets.map(() => rng.uniform(0.85, 1.15));
        attacks.push({
          family, venues: targets, start: s, end: e,
          offset: (t) => off * Math.min(1, (t - s + 1) / (ramp + 1)),
          spreadMult: rng.logUniform(1, 25),
          volMult: rng.chance(0.6) ? rng.logUniform(2, 20) : rng.chance(0.5) ? rng.logUniform(0.2, 0.7) : rng.logUniform(0.8, 1.25),
        });
        (attacks[attacks.length - 1] as Attack & { jitter?: number[] }).jitter = perVenue;
        break;
      }
      case "garbage": {
        const [s, e] = window(1, 6);
        attacks.push({ family, venues: [pickOne()], start: s, end: e });
        break;
      }
      case "flaky": {
        const [s, e] = window(30, 200);
        attacks.push({ family, venues: [pickOne()], start: s, end: e, staleLag: rng.int(3, 60), missing: rng.uniform(0.3, 0.7) });
        break;
      }
    }
    events.push(family);
  }

  const startTs = 1_700_000_000 + rng.int(0, 10_000_000);
  const rounds: SimRound[] = [];
  for (let t = 0; t < T; t++) {
    const rows: SimRow[] = [];
    for (let vi = 0; vi < n; vi++) {
      const v = venues[vi];
      v.basis = 0.99 * v.basis + Math.sqrt(1 - 0.99 * 0.99) * v.basisSd * rng.normal();
      v.logVol += 0.002 * rng.normal() - 0.002 * (v.logVol - v.logVol0);
      const lag = Math.min(t, v.lag + extraLag[t]);
      let honest: RowCore;
      if (v.last && rng.chance(v.repeatProb + (extraLag[t] > 0 ? 0.1 : 0))) {
        honest = v.last;
      } else {
        const p = fair[t - lag] * Math.exp(v.basis + v.noise * volMult[t] ** 0.5 * rng.normal());
        const sp = v.spread * spreadMult[t] * Math.exp(0.25 * rng.normal());
        const skew = rng.uniform(0.2, 0.8);
        honest = {
          price: p,
          bid: v.hasBook ? p * (1 - sp * skew) : undefined,
          ask: v.hasBook ? p * (1 + sp * (1 - skew)) : undefined,
          volume: v.hasVolume ? Math.exp(v.logVol) * volumeMult[t] * Math.exp(0.01 * rng.normal()) : undefined,
        };
      }
      v.history.push(honest);
      if (v.history.length > 80) v.history.shift();
      let row: RowCore = honest;
      let label: 0 | 1 = 0;
      let weight = 1;
      let family: SimRow["family"] = "honest";
      let missing = rng.chance(Math.min(0.5, v.missingProb * missingMult[t]));
      for (const a of attacks) {
        if (t < a.start || t >= a.end || !a.venues.includes(vi)) continue;
        family = a.family;
        if (a.offset) {
          const jitter = (a as Attack & { jitter?: number[] }).jitter?.[a.venues.indexOf(vi)] ?? 1;
          const off = a.offset(t) * jitter;
          const m = Math.exp(off);
          const mid = honest.price * m;
          const half = honest.bid !== undefined && honest.ask !== undefined ? ((honest.ask - honest.bid) / 2) * m * (a.spreadMult ?? 1) : 0;
          row = {
            price: mid,
            bid: honest.bid !== undefined ? mid - half * rng.uniform(0.3, 1.7) : undefined,
            ask: honest.ask !== undefined ? mid + half * rng.uniform(0.3, 1.7) : undefined,
            volume: honest.volume !== undefined ? honest.volume * (a.volMult ?? 1) : undefined,
          };
          const mag = Math.abs(off);
          if (mag > ATTACK_LABEL_MIN) label = 1;
          else if (mag > ATTACK_AMBIGUOUS_MIN) weight = 0;
        } else if (a.factor !== undefined) {
          const f = a.factor;
          row = {
            price: honest.price * f,
            bid: honest.bid !== undefined ? honest.bid * f : undefined,
            ask: honest.ask !== undefined ? honest.ask * f : undefined,
            volume: honest.volume,
          };
          label = 1;
        } else if (a.frozen) {
          if (!a.frozen.has(vi)) a.frozen.set(vi, v.last ?? honest);
          row = a.frozen.get(vi)!;
          missing = false;
          label = Math.abs(row.price / fair[t] - 1) > FROZEN_LABEL_MIN ? 1 : 0;
        } else if (a.staleLag !== undefined) {
          missing = rng.chance(a.missing ?? 0.5);
          if (rng.chance(0.5)) {
            row = v.history[Math.max(0, v.history.length - 1 - a.staleLag)];
            label = Math.abs(row.price / fair[t] - 1) > FROZEN_LABEL_MIN ? 1 : 0;
          }
        } else {
          // garbage: a price from nowhere, book nonsense or absent.
          const g = rng.pick([0.5, 2, 0.01, 100, 1e-6, 1e6]) * rng.logUniform(0.5, 2);
          row = { price: honest.price * g, volume: rng.chance(0.5) ? honest.volume : rng.logUniform(1e-3, 1e12) };
          label = 1;
        }
      }
      if (missing) continue;
      // Honest repeats replay the venue's last honest quote, never an attacked one.
      if (family === "honest") v.last = row;
      const d = decimalsFor(honest.price, relTick);
      const priceText = fmt(row.price, d);
      // Honest quotes far from fair (lag through a fast move) are the hard negatives: weigh them up.
      if (label === 0 && Math.abs(row.price / fair[t] - 1) > HARD_NEGATIVE_MIN) weight *= HARD_NEGATIVE_WEIGHT;
      rows.push({
        source: v.name,
        price: priceText,
        bid: row.bid !== undefined ? fmt(Math.min(row.bid, row.price), d) : undefined,
        ask: row.ask !== undefined ? fmt(Math.max(row.ask, row.price), d) : undefined,
        volume: row.volume !== undefined ? row.volume.toFixed(3) : undefined,
        label,
        weight,
        family,
      });
    }
    rng.shuffle(rows);
    rounds.push({ ts: startTs + t * intervalSec, truth: fair[t], rows });
  }
  return { name: `sim-${seed}-${kind}`, intervalSec, rounds, events };
}
