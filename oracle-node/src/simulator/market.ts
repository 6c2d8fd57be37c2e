import { ASSETS, assetBySymbol, canonicalPair, splitPair } from "./assets";
import { applyAttack, attackApplies, attackSchema, garbleBody, type ActiveAttack, type AttackInput, type GarbageMode } from "./attacks";
import type { SimClock } from "./clock";
import { PriceModel, type VenueQuote, type WeatherVariable } from "./price-model";
import type { Scenario, ScenarioRow } from "./scenario";
import { listedMarkets, type Market } from "./symbols";
import type { CryptoVenueId, SimulatedSourceId } from "./vocabulary";

/**
 * What every venue route asks: "what do I serve for this market right now?". Combines the clock,
 * the price model (or a replayed scenario for one pair), frozen snapshots and active attacks.
 */
export type TickerResult =
  | { kind: "ok"; quote: VenueQuote }
  /** The venue does not list this market: its unknown-symbol answer. */
  | { kind: "unknown" }
  /** The venue has no quote this round (scenario row absent): it answers 503. */
  | { kind: "unavailable" };

export interface ScenarioReplay {
  scenario: Scenario;
  /** Canonical pair the file is replayed as ("BTC/USD"); other pairs come from the model. */
  pairKey: string;
  /** After the last round: start over (true) or keep serving the last round (false). */
  loop: boolean;
}

const CRYPTO_BASES = ASSETS.filter((a) => a.kind === "crypto" || a.kind === "stable").map((a) => a.symbol);
const ALL_QUOTES = ASSETS.filter((a) => a.kind !== "equity").map((a) => a.symbol);

export class SimMarket {
  private readonly attacks: ActiveAttack[] = [];
  private nextAttackId = 1;
  private readonly lastServed = new Map<string, { quote: VenueQuote; pairKey: string }>();
  private readonly frozen = new Map<number, Map<string, VenueQuote>>();
  /** Model quotes of the current step: a quote changes only once per step, however often it is read. */
  private readonly stepCache = new Map<string, { step: number; version: number; quote: VenueQuote }>();

  /** Each venue's listed markets, computed once (listings never change). */
  private readonly listings = new Map<CryptoVenueId, Market[]>();
  /** Canonical pairs ("BTC/USD") the venues list; undefined = every pair of known assets. */
  private readonly only?: ReadonlySet<string>;

  constructor(
    readonly model: PriceModel,
    readonly clock: SimClock,
    readonly replay?: ScenarioReplay,
    pairs?: readonly string[],
  ) {
    if (pairs !== undefined) {
      this.only = new Set(
        pairs.map((p) => {
          const { base, quote } = splitPair(p);
          requireAsset(base);
          requireAsset(quote);
          return canonicalPair(base, quote);
        }),
      );
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** Index of the scenario round being served. */
  scenarioRound(): number | undefined {
    if (!this.replay) return undefined;
    const n = this.replay.scenario.rounds.length;
    const step = this.clock.step();
    return this.replay.loop ? step % n : Math.min(step, n - 1);
  }

  /**
   * Fair price of a pair as decimal text: the model's; in scenario mode the truth file's
   * true_price for the round, or the median of the round's quotes without one.
   */
  fairPrice(pair: string): string {
    const { base, quote } = splitPair(pair);
    requireAsset(base);
    requireAsset(quote);
    if (this.replay && canonicalPair(base, quote) === this.replay.pairKey) {
      const round = this.replay.scenario.rounds[this.scenarioRound() as number];
      const truth = this.replay.scenario.truth?.get(round.timestamp);
      if (truth !== undefined) return truth;
      return medianText([...round.rows.values()].map((r) => r.price));
    }
    return this.model.fairText(base, quote, this.clock.step());
  }

  /** Markets a venue lists, for its all-tickers endpoints. */
  listed(venue: CryptoVenueId): Market[] {
    let markets = this.listings.get(venue);
    if (!markets) {
      const all = listedMarkets(venue, CRYPTO_BASES, ALL_QUOTES);
      markets = this.only ? all.filter((m) => this.only?.has(canonicalPair(m.base, m.quote))) : all;
      this.listings.set(venue, markets);
    }
    return markets;
  }

  ticker(venue: SimulatedSourceId, m: Market): TickerResult {
    if (!assetBySymbol(m.base) || !assetBySymbol(m.quote)) return { kind: "unknown" };
    const key = canonicalPair(m.base, m.quote);
    if (this.only && !this.only.has(key)) return { kind: "unknown" };
    return this.serve(venue, `${m.base}/${m.quote}`, key, () => this.baseQuote(venue, m, key));
  }

  /**
   * A weather variable at a location as Open-Meteo serves it (decimal text, one decimal), with
   * the venue's pair-less attacks (spike, freeze, garbage values...) applied.
   */
  weather(variable: WeatherVariable, latitude: number, longitude: number): { value: string; timestampMs: number } {
    const step = this.clock.step();
    const t = this.clock.stepTime(step);
    const r = this.serve("open-meteo", `${variable}@${latitude},${longitude}`, `WEATHER/${variable}`, () => {
      const v = this.model.weather(variable, latitude, longitude, step).toFixed(1);
      return { kind: "ok", quote: { price: v, bid: v, ask: v, volume: "0", quoteVolume: "0", open: v, high: v, low: v, timestampMs: t } };
    });
    if (r.kind !== "ok") throw new Error("weather values are always available");
    return { value: r.quote.price, timestampMs: r.quote.timestampMs };
  }

  private serve(venue: SimulatedSourceId, series: string, pairKey: string, base: () => TickerResult): TickerResult {
    const cacheKey = `${venue}|${series}`;
    const now = this.now();
    this.pruneExpired(now);
    const active = this.attacks.filter((a) => attackApplies(a, venue, pairKey, now));
    const freeze = active.find((a) => a.attack.kind === "freeze");
    let quote: VenueQuote | undefined;
    if (freeze) {
      const snapshots = this.frozen.get(freeze.id) as Map<string, VenueQuote>;
      quote = snapshots.get(cacheKey);
      if (!quote) {
        const fresh = base();
        if (fresh.kind !== "ok") return fresh;
        quote = fresh.quote;
        snapshots.set(cacheKey, quote);
      }
    } else {
      const fresh = base();
      if (fresh.kind !== "ok") return fresh;
      quote = fresh.quote;
      this.lastServed.set(cacheKey, { quote, pairKey });
    }
    for (const a of active) quote = applyAttack(quote, a, now);
    return { kind: "ok", quote };
  }

  /** Structural garbage (broken JSON, HTML, empty body) a venue should answer with now, if any. */
  structuralGarbage(venue: SimulatedSourceId, pairs: readonly Market[]): GarbageMode | undefined {
    const now = this.now();
    for (const a of this.attacks) {
      if (a.attack.kind !== "garbage" || garbleBody("{}", a.attack.mode) === null) continue;
      const keys = pairs.length > 0 ? pairs.map((p) => canonicalPair(p.base, p.quote)) : [null];
      for (const key of keys) {
        if (key === null ? a.attack.venue === venue && now < a.endsAt : attackApplies(a, venue, key, now)) return a.attack.mode;
      }
    }
    return undefined;
  }

  inject(input: AttackInput): number {
    const parsed = attackSchema.safeParse(input);
    if (!parsed.success) {
      throw new Error(`invalid attack: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    }
    const attack = parsed.data;
    if (attack.pair !== undefined) {
      const { base, quote } = splitPair(attack.pair);
      requireAsset(base);
      requireAsset(quote);
    }
    const now = this.now();
    const id = this.nextAttackId++;
    this.attacks.push({ id, attack, startedAt: now, endsAt: attack.durationMs === undefined ? Infinity : now + attack.durationMs });
    if (attack.kind === "freeze") {
      const snap = new Map<string, VenueQuote>();
      for (const [k, last] of this.lastServed) {
        const venue = k.slice(0, k.indexOf("|"));
        if (venue === attack.venue && (attack.pair === undefined || last.pairKey === canonicalPairOf(attack.pair))) snap.set(k, last.quote);
      }
      this.frozen.set(id, snap);
    }
    return id;
  }

  /** Ends one attack by id, every attack on a venue, or all of them. Returns how many ended. */
  clearAttacks(filter?: { id?: number; venue?: string }): number {
    let removed = 0;
    for (let i = this.attacks.length - 1; i >= 0; i--) {
      const a = this.attacks[i];
      const venues = a.attack.kind === "pump" ? a.attack.venues : [a.attack.venue];
      if (filter?.id !== undefined && a.id !== filter.id) continue;
      if (filter?.venue !== undefined && !venues.includes(filter.venue as SimulatedSourceId)) continue;
      this.attacks.splice(i, 1);
      this.frozen.delete(a.id);
      removed += 1;
    }
    return removed;
  }

  /** Drops attacks whose duration is over (and their frozen snapshots): a long run stays small. */
  private pruneExpired(now: number): void {
    for (let i = this.attacks.length - 1; i >= 0; i--) {
      const a = this.attacks[i];
      if (now < a.endsAt) continue;
      this.attacks.splice(i, 1);
      this.frozen.delete(a.id);
    }
  }

  activeAttacks(): ActiveAttack[] {
    const now = this.now();
    return this.attacks.filter((a) => now < a.endsAt);
  }

  private baseQuote(venue: SimulatedSourceId, m: Market, key: string): TickerResult {
    if (this.replay && key === this.replay.pairKey) {
      const idx = this.scenarioRound() as number;
      const row = this.replay.scenario.rounds[idx].rows.get(venue);
      if (!row) return { kind: "unavailable" };
      return { kind: "ok", quote: rowQuote(row, this.clock.stepTime(this.clock.step())) };
    }
    const step = this.clock.step();
    const cacheKey = `${venue}|${m.base}/${m.quote}`;
    const cached = this.stepCache.get(cacheKey);
    if (cached && cached.step === step && cached.version === this.model.version) return { kind: "ok", quote: cached.quote };
    const quote = this.model.venueQuote(venue, m.base, m.quote, step, this.clock.stepTime(step));
    this.stepCache.set(cacheKey, { step, version: this.model.version, quote });
    return { kind: "ok", quote };
  }
}

function requireAsset(symbol: string): void {
  if (!assetBySymbol(symbol)) throw new Error(`the simulator has no asset ${symbol} (known: ${ASSETS.map((a) => a.symbol).join(", ")})`);
}

function canonicalPairOf(pair: string): string {
  const { base, quote } = splitPair(pair);
  return canonicalPair(base, quote);
}

/** A scenario row in a venue's shape; a source the file gives no book for quotes bid = ask = price. */
function rowQuote(row: ScenarioRow, timestampMs: number): VenueQuote {
  const bid = row.bid ?? row.price;
  const ask = row.ask ?? row.price;
  const volume = row.volume ?? "0";
  const lo = [row.price, bid].reduce((a, b) => (Number(a) <= Number(b) ? a : b));
  const hi = [row.price, ask].reduce((a, b) => (Number(a) >= Number(b) ? a : b));
  return {
    price: row.price,
    bid,
    ask,
    volume,
    quoteVolume: (Number(volume) * Number(row.price)).toFixed(2),
    open: row.price,
    high: hi,
    low: lo,
    timestampMs,
  };
}

/** Median of decimal texts, exact enough for a fair-price display (middle value or mean of two). */
function medianText(values: string[]): string {
  const sorted = values
    .map(Number)
    .filter((x) => Number.isFinite(x) && x > 0)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return "0";
  const mid = Math.floor(sorted.length / 2);
  const v = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return String(v);
}
