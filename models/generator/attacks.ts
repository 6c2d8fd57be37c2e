import type { Rng } from "../../oracle-node/src/simulator/rng";
import type { AttackKind, OutageKind } from "../../oracle-node/src/simulator/vocabulary";
import type { Profile, RowCore, ScenarioKind, SimRow, Venue } from "./market";

/**
 * The training generator's labelled attack families: how each is drawn for a scenario and what it
 * does to a venue's honest quote. Every simulator attack kind (oracle-node/src/simulator/vocabulary.ts)
 * plus "flaky" (a venue that drops rows and serves stale quotes), and the two patient families of
 * families.ts: "ramp" (a slow walk on most thin venues) and "mirror" (sources serving the market late).
 */
export type AttackFamily = AttackKind | Extract<OutageKind, "flaky"> | "ramp" | "mirror";
/** The families drawAttacks picks from. */
type DrawnFamily = Exclude<AttackFamily, "ramp" | "mirror">;

/** Drawn with rng.pick: the order is part of the seeded stream (and so of the trained model). "ramp"
 * and "mirror" are drawn only by the scenario kinds of families.ts. */
export const ATTACK_FAMILIES: readonly DrawnFamily[] = ["spike", "flash-crash", "unit-error", "freeze", "drift", "pump", "garbage", "flaky"];

/** Label threshold of an offset attack: smaller manipulation is indistinguishable from basis. */
const ATTACK_LABEL_MIN = 10e-4;
/** Below this an offset attack is plainly honest-looking; in between it is ambiguous (weight 0). */
const ATTACK_AMBIGUOUS_MIN = 3e-4;
/** A frozen or stale quote counts as broken once this far from fair (the scenarios' rule). */
const FROZEN_LABEL_MIN = 20e-4;

export interface Attack {
  family: AttackFamily;
  venues: number[];
  start: number;
  end: number;
  /** log offset at round t (offset families). */
  offset?: (t: number) => number;
  /** Per-venue multiplier of the offset (a pump moves its venues by slightly different amounts). */
  jitter?: number[];
  spreadMult?: number;
  volMult?: number;
  factor?: number;
  /** The quote each frozen venue keeps serving, set on its first attacked round. */
  frozen?: Map<number, RowCore>;
  staleLag?: number;
  missing?: number;
  /** Rounds each venue mirrors the market late (a late mirror serves its own quote of that many rounds ago). */
  mirrorLag?: number[];
}

/** What an attack draw needs to know about the scenario. */
export interface AttackScene {
  P: Profile;
  kind: ScenarioKind;
  /** Rounds and venues in the scenario. */
  T: number;
  n: number;
  venues: readonly Venue[];
}

interface DrawContext extends AttackScene {
  rng: Rng;
  /** Venue indices, thinnest first. */
  byVolume: number[];
  pickOne: () => number;
  /** A [start, end) window whose length is drawn in [lo, hi]. */
  window: (lo: number, hi: number) => [number, number];
}

/** Draws the scenario's attacks (a thin-pump scenario always starts with a pump); names go to `events`. */
export function drawAttacks(rng: Rng, scene: AttackScene, events: string[]): Attack[] {
  const { P, kind, T, n, venues } = scene;
  const nAttacks = kind === "calm" || kind === "genuine-crash" ? 0 : rng.int(P.attacks[0], P.attacks[1]);
  const ctx: DrawContext = {
    ...scene,
    rng,
    byVolume: venues.map((_, i) => i).sort((a, b) => venues[a].logVol - venues[b].logVol),
    pickOne: () => rng.int(0, n - 1),
    window: (lo, hi) => {
      const d = Math.min(rng.int(Math.round(lo), Math.round(hi)), T - 10);
      const s = rng.int(5, Math.max(5, T - d - 1));
      return [s, Math.min(T, s + d)];
    },
  };
  const families: DrawnFamily[] = [];
  if (kind === "thin-pump") families.push("pump");
  for (let j = 0; j < nAttacks; j++) families.push(rng.pick(ATTACK_FAMILIES));
  const attacks: Attack[] = [];
  for (const family of families) {
    attacks.push(DRAW[family](ctx));
    events.push(family);
  }
  return attacks;
}

const DRAW: Record<DrawnFamily, (c: DrawContext) => Attack> = {
  spike: ({ rng, P, pickOne, window }) => {
    const mag = rng.logUniform(P.spikeMag[0], P.spikeMag[1]);
    const off = rng.chance(0.6) ? Math.log(1 + mag) : Math.log(1 / (1 + mag));
    const [s, e] = window(P.spikeRounds[0], P.spikeRounds[1]);
    const ramp = rng.int(0, 4);
    return {
      family: "spike",
      venues: [pickOne()],
      start: s,
      end: e,
      offset: (t) => off * Math.min(1, (t - s + 1) / (ramp + 1)),
      spreadMult: rng.logUniform(1, 40),
      volMult: rng.logUniform(0.5, 3),
    };
  },
  "flash-crash": ({ rng, P, pickOne, window }) => {
    const drop = rng.uniform(P.flashDrop[0], P.flashDrop[1]);
    const [s, e] = window(P.flashRounds[0], P.flashRounds[1]);
    return {
      family: "flash-crash",
      venues: [pickOne()],
      start: s,
      end: e,
      offset: () => Math.log(1 - drop),
      spreadMult: rng.logUniform(5, 300),
      volMult: rng.logUniform(1, 2),
    };
  },
  "unit-error": ({ rng, pickOne, window }) => {
    const k = rng.pick([-9, -8, -6, -3, -2, -1, 1, 2, 3, 6, 8, 9]);
    const [s, e] = window(1, 30);
    return { family: "unit-error", venues: [pickOne()], start: s, end: e, factor: 10 ** k };
  },
  freeze: ({ P, pickOne, window }) => {
    const [s, e] = window(P.freezeRounds[0], P.freezeRounds[1]);
    return { family: "freeze", venues: [pickOne()], start: s, end: e, frozen: new Map() };
  },
  drift: ({ rng, P, pickOne, window }) => {
    const mag = rng.logUniform(P.driftMag[0], P.driftMag[1]) * (rng.chance(0.5) ? 1 : -1);
    const [s, e] = window(P.driftRounds[0], P.driftRounds[1] * 1.5);
    const D = Math.max(5, Math.round((e - s) * rng.uniform(0.4, 1)));
    return {
      family: "drift",
      venues: [pickOne()],
      start: s,
      end: e,
      offset: (t) => Math.log(1 + mag) * Math.min(1, (t - s + 1) / D),
      spreadMult: rng.logUniform(1, 3),
      volMult: rng.logUniform(0.7, 2),
    };
  },
  pump: drawPump,
  garbage: ({ pickOne, window }) => {
    const [s, e] = window(1, 6);
    return { family: "garbage", venues: [pickOne()], start: s, end: e };
  },
  flaky: ({ rng, pickOne, window }) => {
    const [s, e] = window(30, 200);
    return { family: "flaky", venues: [pickOne()], start: s, end: e, staleLag: rng.int(3, 60), missing: rng.uniform(0.3, 0.7) };
  },
};

/** A coordinated pump: several venues (most of them, for a thin token), thin ones first. */
function drawPump({ rng, P, kind, n, venues, byVolume, window }: DrawContext): Attack {
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
  const jitter = targets.map(() => rng.uniform(0.85, 1.15));
  return {
    family: "pump",
    venues: targets,
    start: s,
    end: e,
    offset: (t) => off * Math.min(1, (t - s + 1) / (ramp + 1)),
    spreadMult: rng.logUniform(1, 25),
    volMult: rng.chance(0.6) ? rng.logUniform(2, 20) : rng.chance(0.5) ? rng.logUniform(0.2, 0.7) : rng.logUniform(0.8, 1.25),
    jitter,
  };
}

/** One venue's quote in one round, before and after the attacks that cover it. */
export interface QuoteOutcome {
  row: RowCore;
  label: 0 | 1;
  /** Training weight: 0 for ambiguous rows (an attack too small yet to tell from noise). */
  weight: number;
  family: SimRow["family"];
  missing: boolean;
}

export interface AttackTarget {
  t: number;
  vi: number;
  venue: Venue;
  honest: RowCore;
  /** Fair price this round. */
  fair: number;
  /** Whether the venue's row is missing this round before any attack. */
  missing: boolean;
}

/** Applies every attack covering venue `vi` at round `t` to its honest quote, in order. */
export function applyAttacks(rng: Rng, attacks: readonly Attack[], x: AttackTarget): QuoteOutcome {
  let out: QuoteOutcome = { row: x.honest, label: 0, weight: 1, family: "honest", missing: x.missing };
  for (const a of attacks) {
    if (x.t < a.start || x.t >= a.end || !a.venues.includes(x.vi)) continue;
    out = { ...out, family: a.family, ...applyOne(rng, a, x) };
  }
  return out;
}

/** The row and label one attack gives; omitted fields keep their previous value. */
function applyOne(rng: Rng, a: Attack, x: AttackTarget): Partial<QuoteOutcome> {
  const { honest, venue: v, vi } = x;
  if (a.offset) {
    const off = a.offset(x.t) * (a.jitter?.[a.venues.indexOf(vi)] ?? 1);
    const m = Math.exp(off);
    const mid = honest.price * m;
    const half = honest.bid !== undefined && honest.ask !== undefined ? ((honest.ask - honest.bid) / 2) * m * (a.spreadMult ?? 1) : 0;
    const row = {
      price: mid,
      bid: honest.bid !== undefined ? mid - half * rng.uniform(0.3, 1.7) : undefined,
      ask: honest.ask !== undefined ? mid + half * rng.uniform(0.3, 1.7) : undefined,
      volume: honest.volume !== undefined ? honest.volume * (a.volMult ?? 1) : undefined,
    };
    const mag = Math.abs(off);
    return mag > ATTACK_LABEL_MIN ? { row, label: 1 } : mag > ATTACK_AMBIGUOUS_MIN ? { row, weight: 0 } : { row };
  }
  if (a.factor !== undefined) {
    const f = a.factor;
    const row = {
      price: honest.price * f,
      bid: honest.bid !== undefined ? honest.bid * f : undefined,
      ask: honest.ask !== undefined ? honest.ask * f : undefined,
      volume: honest.volume,
    };
    return { row, label: 1 };
  }
  if (a.frozen) {
    if (!a.frozen.has(vi)) a.frozen.set(vi, v.last ?? honest);
    const row = a.frozen.get(vi)!;
    return { row, missing: false, label: staleLabel(row, x.fair) };
  }
  if (a.mirrorLag) {
    const lag = a.mirrorLag[a.venues.indexOf(vi)];
    const row = v.history[Math.max(0, v.history.length - 1 - lag)];
    return { row, missing: x.missing, label: staleLabel(row, x.fair) };
  }
  if (a.staleLag !== undefined) {
    const missing = rng.chance(a.missing ?? 0.5);
    if (!rng.chance(0.5)) return { missing };
    const row = v.history[Math.max(0, v.history.length - 1 - a.staleLag)];
    return { missing, row, label: staleLabel(row, x.fair) };
  }
  // garbage: a price from nowhere, book nonsense or absent.
  const g = rng.pick([0.5, 2, 0.01, 100, 1e-6, 1e6]) * rng.logUniform(0.5, 2);
  return { row: { price: honest.price * g, volume: rng.chance(0.5) ? honest.volume : rng.logUniform(1e-3, 1e12) }, label: 1 };
}

function staleLabel(row: RowCore, fair: number): 0 | 1 {
  return Math.abs(row.price / fair - 1) > FROZEN_LABEL_MIN ? 1 : 0;
}
