import { ASSETS, assetBySymbol, canonicalPair, pairDecimals, type AssetSpec } from "./assets";
import { normalAt, Rng, streamSeed } from "./rng";
import { VENUE_PROFILES } from "./venue-profiles";
import type { SimulatedSourceId } from "./vocabulary";

/**
 * The simulated market. Each asset's USD value follows a seeded geometric Brownian motion in
 * discrete steps; each venue quotes fair x (1 + basis + noise), where the basis is a slowly
 * mean-reverting (Ornstein-Uhlenbeck) offset per venue and pair and the noise is fresh every
 * step. Spreads and 24 h volumes come from the venue's profile. State advances lazily, one step
 * at a time, so a seed gives the same prices whatever order they are asked for in.
 */
export interface PriceModelOptions {
  /** Seed of every random stream. Default 1. */
  seed?: number;
  /** Model time step, ms: prices change once per step. Default 1000. */
  stepMs?: number;
  /** Multiplies every asset's volatility (0 freezes the fair prices). Default 1. */
  volatilityScale?: number;
}

/** One venue's view of one pair at one step: decimal text, as a venue would send it. */
export interface VenueQuote {
  price: string;
  bid: string;
  ask: string;
  /** 24 h traded base volume. */
  volume: string;
  /** 24 h traded quote volume. */
  quoteVolume: string;
  open: string;
  high: string;
  low: string;
  /** The venue's own timestamp of this quote, unix ms. */
  timestampMs: number;
}

const MS_PER_YEAR = 365 * 24 * 3600 * 1000;
/** Basis mean reversion per step: a half-life of about ten minutes at 1 s steps. */
const BASIS_KAPPA = 0.001;
/** Volume mean reversion per step and its stationary log-sd. */
const VOLUME_KAPPA = 0.002;
const VOLUME_LOG_SD = 0.15;
/** Share of a venue's traded value in each asset class. */
const VOLUME_SHARE: Record<string, number> = { BTC: 0.35, ETH: 0.2, SOL: 0.06, DAI: 0.01, USDT: 0.05, USDC: 0.03 };
const DEFAULT_VOLUME_SHARE = 0.015;
/** Weather: mean reversion per step towards the location's normal (half-life ~23 min at 1 s). */
const WEATHER_KAPPA = 0.0005;

/** The Open-Meteo `current` variables the simulator serves, with their units. */
export const WEATHER_VARIABLES = {
  temperature_2m: "°C",
  relative_humidity_2m: "%",
  wind_speed_10m: "km/h",
  surface_pressure: "hPa",
} as const;
export type WeatherVariable = keyof typeof WEATHER_VARIABLES;

const WEATHER: Record<WeatherVariable, { normal: (lat: number) => number; sd: number; stepSd: number; min: number; max: number }> = {
  temperature_2m: { normal: (lat) => 25 - 0.4 * Math.abs(lat), sd: 3, stepSd: 0.03, min: -80, max: 60 },
  relative_humidity_2m: { normal: () => 65, sd: 10, stepSd: 0.1, min: 0, max: 100 },
  wind_speed_10m: { normal: () => 12, sd: 4, stepSd: 0.05, min: 0, max: 300 },
  surface_pressure: { normal: () => 1009, sd: 6, stepSd: 0.02, min: 850, max: 1090 },
};

/** A lazily advanced scalar process: value after `step` steps. */
interface Walk {
  step: number;
  value: number;
  rng: Rng;
}

export class PriceModel {
  readonly seed: number;
  readonly stepMs: number;
  private readonly volScale: number;
  private readonly assetWalks = new Map<string, Walk>();
  private readonly basisWalks = new Map<string, Walk>();
  private readonly volumeWalks = new Map<string, Walk>();
  private readonly weatherWalks = new Map<string, Walk>();
  private readonly overrides = new Map<string, number>();
  /** Stablecoin depegs: the asset's USD value during steps [from, to). */
  private readonly depegs: Array<{ symbol: string; usd: number; from: number; to: number; ramp: number }> = [];
  /** Bumped by every change that is not a step (shiftAsset): caches of quotes compare it. */
  version = 0;

  constructor(opts: PriceModelOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.stepMs = opts.stepMs ?? 1000;
    this.volScale = opts.volatilityScale ?? 1;
    if (!(this.stepMs > 0)) throw new Error(`price model stepMs must be > 0, got ${this.stepMs}`);
    if (!(this.volScale >= 0)) throw new Error(`price model volatilityScale must be >= 0, got ${this.volScale}`);
  }

  /** USD value of an asset after `step` steps (GBM in log space). */
  assetUsd(symbol: string, step: number): number {
    const spec = assetBySymbol(symbol);
    if (!spec) throw new Error(`unknown asset ${symbol}`);
    if (spec.kind === "stable") {
      const d = this.depegs.find((x) => x.symbol === spec.symbol && step >= x.from && step < x.to + x.ramp);
      if (d) {
        // Linear ramps from the peg and back: the share of the move done at this step.
        const done = d.ramp === 0 ? 1 : Math.min(1, (step - d.from + 1) / d.ramp, (d.to + d.ramp - step - 1) / d.ramp);
        return spec.usd + (d.usd - spec.usd) * Math.max(0, done);
      }
    }
    if (spec.vol === 0) return spec.usd * (this.overrides.get(spec.symbol) ?? 1);
    const walk = this.walk(
      this.assetWalks,
      spec.symbol,
      () => 0,
      step,
      (w) => {
        const sigma = spec.vol * this.volScale * Math.sqrt(this.stepMs / MS_PER_YEAR);
        w.value += -0.5 * sigma * sigma + sigma * w.rng.normal();
      },
    );
    return spec.usd * Math.exp(walk.value) * (this.overrides.get(spec.symbol) ?? 1);
  }

  /**
   * Scales an asset's USD value from now on (a market-wide move every venue shows: a genuine
   * crash is `shiftAsset("BTC", 0.5)`). Not an attack: fair prices move with it.
   */
  shiftAsset(symbol: string, factor: number): void {
    const spec = assetBySymbol(symbol);
    if (!spec) throw new Error(`unknown asset ${symbol}`);
    if (!(factor > 0) || !Number.isFinite(factor)) throw new Error(`shift factor must be a positive number, got ${factor}`);
    this.overrides.set(spec.symbol, (this.overrides.get(spec.symbol) ?? 1) * factor);
    this.version += 1;
  }

  /**
   * A stablecoin trades at `usd` dollars for `steps` steps from step `from` (USDT at 0.95, May
   * 2022), then returns to its peg. Every book quoted in it moves with it: BTC/USDT quotes
   * fair/0.95, USDT/USD quotes 0.95. Not an attack: the USD fair prices of everything else stay.
   * `rampSteps` > 0: the price walks there linearly over that many steps (the last one at `usd`),
   * holds until step from + steps, and walks back over as many.
   */
  depeg(symbol: string, usd: number, from: number, steps: number, rampSteps = 0): void {
    const spec = assetBySymbol(symbol);
    if (!spec || spec.kind !== "stable")
      throw new Error(
        `depeg needs a stablecoin (${ASSETS.filter((a) => a.kind === "stable")
          .map((a) => a.symbol)
          .join(", ")}), got ${symbol}`,
      );
    if (!(usd > 0) || !Number.isFinite(usd)) throw new Error(`depeg usd must be a positive number, got ${usd}`);
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`depeg steps must be a positive integer, got ${steps}`);
    if (!Number.isInteger(rampSteps) || rampSteps < 0 || rampSteps > steps)
      throw new Error(`depeg rampSteps must be an integer in [0, steps], got ${rampSteps}`);
    this.depegs.push({ symbol: spec.symbol, usd, from, to: from + steps, ramp: rampSteps });
    this.version += 1;
  }

  /** Fair price of base in quote units after `step` steps, as a float. */
  fair(base: string, quote: string, step: number): number {
    return this.assetUsd(base, step) / this.assetUsd(quote, step);
  }

  /** Fair price at step 0 (the simulated day's open). */
  startFair(base: string, quote: string): number {
    const b = assetBySymbol(base);
    const q = assetBySymbol(quote);
    if (!b || !q) throw new Error(`unknown asset in ${base}/${quote}`);
    return b.usd / q.usd;
  }

  /** Decimal places the pair is quoted with. */
  decimals(base: string, quote: string): number {
    return pairDecimals(this.startFair(base, quote));
  }

  /** Fair price as the decimal text every venue rounds to. */
  fairText(base: string, quote: string, step: number): string {
    return this.fair(base, quote, step).toFixed(this.decimals(base, quote));
  }

  /** What `venue` quotes for base/quote after `step` steps; `timestampMs` is the step's time. */
  venueQuote(venue: SimulatedSourceId, base: string, quote: string, step: number, timestampMs: number): VenueQuote {
    const profile = VENUE_PROFILES[venue];
    const key = `${venue}|${canonicalPair(base, quote)}`;
    const basisSd = profile.basisBps;
    const basis = this.walk(
      this.basisWalks,
      key,
      (rng) => basisSd * rng.normal(),
      step,
      (w) => {
        // OU step whose stationary sd is basisSd.
        w.value = w.value * (1 - BASIS_KAPPA) + basisSd * Math.sqrt(2 * BASIS_KAPPA) * w.rng.normal();
      },
    ).value;
    const noise = profile.noiseBps * normalAt(this.seed, "noise", key, step);
    const fair = this.fair(base, quote, step);
    const mid = fair * (1 + (basis + noise) / 10_000);
    const d = this.decimals(base, quote);
    const tick = 10 ** -d;
    const halfSpread = (mid * profile.spreadBps * (1 + 0.3 * Math.abs(normalAt(this.seed, "spread", key, step)))) / 20_000;
    const price = roundTo(mid + halfSpread * 0.5 * normalAt(this.seed, "last", key, step), d);
    let bid = Math.min(roundDown(mid - halfSpread, d), price);
    let ask = Math.max(roundUp(mid + halfSpread, d), price);
    if (profile.spreadBps > 0 && ask - bid < tick / 2) {
      bid = roundTo(price - tick, d);
      ask = roundTo(price + tick, d);
    }
    const volume = this.baseVolume(venue, base, quote, step);
    const open = this.startFair(base, quote);
    const high = Math.max(open, price) * 1.004;
    const low = Math.min(open, price) * 0.996;
    return {
      price: price.toFixed(d),
      bid: bid.toFixed(d),
      ask: ask.toFixed(d),
      volume: volume.toFixed(4),
      quoteVolume: (volume * price).toFixed(2),
      open: open.toFixed(d),
      high: high.toFixed(d),
      low: low.toFixed(d),
      timestampMs,
    };
  }

  /**
   * A weather variable at a location after `step` steps, as a float: a mean-reverting walk
   * around the location's normal (temperature falls with latitude).
   */
  weather(variable: WeatherVariable, latitude: number, longitude: number, step: number): number {
    const spec = WEATHER[variable];
    const key = `${variable}@${latitude.toFixed(2)},${longitude.toFixed(2)}`;
    const normal = spec.normal(latitude);
    const walk = this.walk(
      this.weatherWalks,
      key,
      (rng) => normal + spec.sd * rng.normal(),
      step,
      (w) => {
        w.value += WEATHER_KAPPA * (normal - w.value) + spec.stepSd * w.rng.normal();
      },
    );
    return Math.min(spec.max, Math.max(spec.min, walk.value));
  }

  private baseVolume(venue: SimulatedSourceId, base: string, quote: string, step: number): number {
    const profile = VENUE_PROFILES[venue];
    const key = `${venue}|${canonicalPair(base, quote)}`;
    const logDev = this.walk(
      this.volumeWalks,
      key,
      (rng) => VOLUME_LOG_SD * rng.normal(),
      step,
      (w) => {
        w.value = w.value * (1 - VOLUME_KAPPA) + VOLUME_LOG_SD * Math.sqrt(2 * VOLUME_KAPPA) * w.rng.normal();
      },
    ).value;
    const share = VOLUME_SHARE[base.toUpperCase()] ?? DEFAULT_VOLUME_SHARE;
    // Books quoted in something other than USD trade a fraction of the USD book.
    const quoteShare = canonicalPair(base, quote).endsWith("/USD") ? 1 : 0.1;
    return (profile.volumeUsd * share * quoteShare * Math.exp(logDev)) / this.assetUsd(base, step);
  }

  private walk(table: Map<string, Walk>, key: string, init: (rng: Rng) => number, step: number, advance: (w: Walk) => void): Walk {
    let w = table.get(key);
    if (!w) {
      const rng = new Rng(streamSeed(this.seed, "walk", key));
      w = { step: 0, value: init(rng), rng };
      table.set(key, w);
    }
    if (step < w.step) throw new Error(`price model cannot go back in time (step ${step} < ${w.step})`);
    while (w.step < step) {
      advance(w);
      w.step += 1;
    }
    return w;
  }
}

function roundTo(x: number, d: number): number {
  return Number(x.toFixed(d));
}

function roundDown(x: number, d: number): number {
  const f = 10 ** d;
  return Math.floor(x * f + 1e-9) / f;
}

function roundUp(x: number, d: number): number {
  const f = 10 ** d;
  return Math.ceil(x * f - 1e-9) / f;
}

export { ASSETS, type AssetSpec };
