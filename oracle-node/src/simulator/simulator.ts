import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { canonicalPair, splitPair } from "./assets";
import type { ActiveAttack, AttackInput } from "./attacks";
import { SimClock, type ClockMode } from "./clock";
import { advanceBody, attackBody, CONTROL_PREFIX, depegBody, issuesText, latencyBody, outageBody, shiftBody } from "./control";
import { noFaults, type VenueFaults } from "./faults";
import { SimMarket } from "./market";
import { PriceModel, type PriceModelOptions, type VenueQuote } from "./price-model";
import { BAN_MS, BYBIT_BAN_MS, TokenBucket } from "./rate-limit";
import { json, type SimResponse } from "./response";
import { loadScenario } from "./scenario";
import { createSimServer, emptyStats, type ServerState, type VenueStats } from "./server";
import { VENUE_PROFILES, type RateLimitSpec } from "./venue-profiles";
import { SIMULATED_SOURCE_IDS, isSimulatedSourceId, venueIdFrom, type OutageKind, type SimulatedSourceId } from "./vocabulary";

/**
 * The local venue simulator: one HTTP server on 127.0.0.1 answering like every venue and data
 * API the node reads, driven by the price model or by a replayed scenario file.
 */
export interface SimulatorOptions {
  /** 0 (default) = any free port. */
  port?: number;
  host?: "127.0.0.1";
  model?: PriceModelOptions;
  /** Shorthand for model.seed. */
  seed?: number;
  /** A FORMAT.md quotes file to replay for `scenarioPair`; other pairs come from the model. */
  scenario?: string;
  /** The pair the scenario file is served as. Default BTC/USD. */
  scenarioPair?: string;
  /** Scenario seconds per wall second. Default 1. */
  speed?: number;
  /** Replay the scenario again from its first round after the last. Default false (hold the last round). */
  loop?: boolean;
  /** "manual": time moves only on advance() (tests). Default "wall". */
  clock?: ClockMode;
  /** "documented" (default): each venue's documented limit; "off": none. */
  rateLimits?: "documented" | "off";
  /**
   * Limit the market to these pairs ("BTC/USD"; a venue's USDT/USDC book of a USD pair counts):
   * anything else is an unknown symbol, and all-tickers endpoints list only these. Default: every
   * pair of the simulator's assets.
   */
  pairs?: string[];
  /** Latency added to every answer of every venue, ms. Default 0. */
  latencyMs?: number;
}

export interface SimulatorStats {
  total: number;
  venues: Record<SimulatedSourceId, VenueStats>;
}

export interface Simulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** The base URL an adapter for `sourceId` uses: http://127.0.0.1:PORT/<sourceId>. */
  baseUrl(sourceId: string): string;
  /** Every simulated source's base URL. */
  baseUrls(): Record<SimulatedSourceId, string>;
  /** The fair price of a pair now, decimal text (scenario mode: the round's median). */
  fairPrice(pair: string): string;
  /** What `sourceId` serves for `pair` now, attacks included; null if it has no quote. */
  venueQuote(sourceId: SimulatedSourceId, pair: string): VenueQuote | null;
  /** A weather value as Open-Meteo serves it now. */
  weather(variable: "temperature_2m" | "relative_humidity_2m" | "wind_speed_10m" | "surface_pressure", latitude: number, longitude: number): string;
  inject(attack: AttackInput): number;
  clearAttacks(filter?: { id?: number; venue?: string }): number;
  attacks(): ActiveAttack[];
  setOutage(sourceId: SimulatedSourceId, kind: OutageKind): void;
  setLatency(sourceId: SimulatedSourceId, ms: number, jitterMs?: number): void;
  /** Replaces a venue's rate limit (null = unlimited) and refills it. */
  setRateLimit(sourceId: SimulatedSourceId, spec: RateLimitSpec | null): void;
  /** A market-wide move every venue shows (not an attack): scales an asset's USD value. */
  shiftMarket(asset: string, factor: number): void;
  /**
   * A stablecoin depeg (not an attack): `asset` trades at `usd` dollars for the next `steps`
   * steps, then returns to its peg; books quoted in it (BTC/USDT) track fair / usd.
   */
  depeg(asset: string, usd: number, steps: number, rampSteps?: number): void;
  /** Manual clock: moves time `steps` steps (model steps or scenario rounds). Returns the step. */
  advance(steps?: number): number;
  /** The current step (model) or scenario round index. */
  step(): number;
  stats(): SimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  const world = buildWorld(opts);
  const venues = venueState(opts);
  // Assigned once the server listens; the control handler reads it only after that.
  // eslint-disable-next-line prefer-const
  let sim: Simulator | undefined;
  const state: ServerState = {
    market: world.market,
    ...venues,
    control: (req, body, url) =>
      url.pathname.startsWith(`${CONTROL_PREFIX}/`) || url.pathname === CONTROL_PREFIX ? handleControl(sim as Simulator, req, body, url) : undefined,
  };
  const { server, sockets } = createSimServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return closed;
  };
  sim = simulatorApi(`http://${host}:${port}`, port, world, venues, close);
  return sim;
}

/** The market a simulator serves: the price model, its clock, and the replayed scenario if any. */
interface World {
  clock: SimClock;
  model: PriceModel;
  market: SimMarket;
}

function buildWorld(opts: SimulatorOptions): World {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new Error(`simulator speed must be > 0, got ${speed}`);
  const modelOpts: PriceModelOptions = { ...opts.model, seed: opts.seed ?? opts.model?.seed };
  let clock: SimClock;
  let replay: ConstructorParameters<typeof SimMarket>[2];
  if (opts.scenario !== undefined) {
    const scenario = loadScenario(opts.scenario);
    const { base, quote } = splitPair(opts.scenarioPair ?? "BTC/USD");
    clock = new SimClock(scenario.intervalMs / speed, opts.clock ?? "wall");
    replay = { scenario, pairKey: canonicalPair(base, quote), loop: opts.loop ?? false };
    // Other pairs step with the rounds: one model step is one round of market time.
    modelOpts.stepMs = scenario.intervalMs;
  } else {
    clock = new SimClock((modelOpts.stepMs ?? 1000) / speed, opts.clock ?? "wall");
  }
  const model = new PriceModel(modelOpts);
  const market = new SimMarket(model, clock, replay, opts.pairs);
  if (replay) market.fairPrice(opts.scenarioPair ?? "BTC/USD"); // fails now on an unknown asset
  return { clock, model, market };
}

/** Per-venue transport faults, rate-limit buckets and request counters. */
type VenueState = Pick<ServerState, "faults" | "limits" | "stats">;

function venueState(opts: SimulatorOptions): VenueState {
  const faults = new Map<SimulatedSourceId, VenueFaults>();
  const limits = new Map<SimulatedSourceId, TokenBucket>();
  const stats = new Map<SimulatedSourceId, VenueStats>();
  for (const id of SIMULATED_SOURCE_IDS) {
    faults.set(id, noFaults(opts.latencyMs ?? 0));
    stats.set(id, emptyStats());
    const spec = VENUE_PROFILES[id].rateLimit;
    if (spec && (opts.rateLimits ?? "documented") === "documented") limits.set(id, new TokenBucket(spec, banMsOf(id)));
  }
  return { faults, limits, stats };
}

function requireId(id: string): SimulatedSourceId {
  if (!isSimulatedSourceId(id)) throw new Error(`no simulated source ${JSON.stringify(id)} (known: ${SIMULATED_SOURCE_IDS.join(", ")})`);
  return id;
}

function simulatorApi(url: string, port: number, world: World, venues: VenueState, close: () => Promise<void>): Simulator {
  const { clock, model, market } = world;
  const { faults, limits, stats } = venues;
  return {
    url,
    port,
    baseUrl: (id) => `${url}/${requireId(id)}`,
    baseUrls: () => Object.fromEntries(SIMULATED_SOURCE_IDS.map((id) => [id, `${url}/${id}`])) as Record<SimulatedSourceId, string>,
    fairPrice: (pair) => market.fairPrice(pair),
    venueQuote: (id, pair) => {
      const r = market.ticker(requireId(id), splitPair(pair));
      return r.kind === "ok" ? r.quote : null;
    },
    weather: (variable, lat, lon) => market.weather(variable, lat, lon).value,
    inject: (attack) => market.inject(attack),
    clearAttacks: (filter) => market.clearAttacks(filter),
    attacks: () => market.activeAttacks(),
    setOutage: (id, kind) => {
      (faults.get(requireId(id)) as VenueFaults).outage = kind;
    },
    setLatency: (id, ms, jitterMs = 0) => {
      if (!(ms >= 0) || !(jitterMs >= 0)) throw new Error("latency must be >= 0 ms");
      const f = faults.get(requireId(id)) as VenueFaults;
      f.latencyMs = ms;
      f.jitterMs = jitterMs;
    },
    setRateLimit: (id, spec) => {
      if (spec === null) limits.delete(requireId(id));
      else limits.set(requireId(id), new TokenBucket(spec, banMsOf(id)));
    },
    shiftMarket: (asset, factor) => model.shiftAsset(asset, factor),
    depeg: (asset, usd, steps, rampSteps) => model.depeg(asset, usd, clock.step(), steps, rampSteps),
    advance: (steps = 1) => clock.advance(steps),
    step: () => market.scenarioRound() ?? clock.step(),
    stats: () => {
      const byVenue = Object.fromEntries([...stats].map(([id, s]) => [id, { ...s, byStatus: { ...s.byStatus } }])) as Record<SimulatedSourceId, VenueStats>;
      return { total: Object.values(byVenue).reduce((n, s) => n + s.requests, 0), venues: byVenue };
    },
    resetStats: () => {
      for (const id of SIMULATED_SOURCE_IDS) stats.set(id, emptyStats());
    },
    close,
  };
}

/** How long a venue bans an IP that keeps going after its rate-limit answers (Binance 418, Bybit 403); 0 = never. */
function banMsOf(id: SimulatedSourceId): number {
  if (id === "binance") return BAN_MS;
  if (id === "bybit") return BYBIT_BAN_MS;
  return 0;
}

function handleControl(sim: Simulator, req: IncomingMessage, body: string, url: URL): SimResponse {
  const path = url.pathname.slice(CONTROL_PREFIX.length) || "/";
  const parseBody = (): unknown => {
    try {
      return body === "" ? {} : JSON.parse(body);
    } catch {
      throw new ControlError("body is not JSON");
    }
  };
  try {
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /":
        return json(200, { url: sim.url, step: sim.step(), baseUrls: sim.baseUrls() });
      case "GET /fair": {
        const pair = url.searchParams.get("pair");
        if (!pair) throw new ControlError("query parameter pair is required");
        return json(200, { pair, price: sim.fairPrice(pair) });
      }
      case "GET /quote": {
        const name = url.searchParams.get("venue") ?? "";
        const pair = url.searchParams.get("pair") ?? "";
        const venue = venueIdFrom(name);
        if (!venue) throw new ControlError(`unknown venue ${JSON.stringify(name)}`);
        return json(200, { venue, pair, quote: sim.venueQuote(venue, pair) });
      }
      case "GET /stats":
        return json(200, sim.stats());
      case "GET /attacks":
        return json(
          200,
          sim.attacks().map((a) => ({ ...a, endsAt: Number.isFinite(a.endsAt) ? a.endsAt : null })),
        );
      case "POST /attacks": {
        const p = attackBody.safeParse(parseBody());
        if (!p.success) throw new ControlError(issuesText(p.error));
        return json(200, { id: sim.inject(p.data) });
      }
      case "DELETE /attacks": {
        const id = url.searchParams.get("id");
        const venue = url.searchParams.get("venue") ?? undefined;
        return json(200, { cleared: sim.clearAttacks({ id: id === null ? undefined : Number(id), venue }) });
      }
      case "POST /outage": {
        const p = outageBody.safeParse(parseBody());
        if (!p.success) throw new ControlError(issuesText(p.error));
        sim.setOutage(p.data.venue, p.data.kind);
        return json(200, { ok: true });
      }
      case "POST /latency": {
        const p = latencyBody.safeParse(parseBody());
        if (!p.success) throw new ControlError(issuesText(p.error));
        sim.setLatency(p.data.venue, p.data.ms, p.data.jitterMs);
        return json(200, { ok: true });
      }
      case "POST /shift": {
        const p = shiftBody.safeParse(parseBody());
        if (!p.success) throw new ControlError(issuesText(p.error));
        sim.shiftMarket(p.data.asset, p.data.factor);
        return json(200, { ok: true });
      }
      case "POST /depeg": {
        const p = depegBody.safeParse(parseBody());
        if (!p.success) throw new ControlError(issuesText(p.error));
        sim.depeg(p.data.asset, p.data.usd, p.data.steps, p.data.rampSteps);
        return json(200, { ok: true });
      }
      case "POST /advance": {
        const p = advanceBody.safeParse(parseBody());
        if (!p.success) throw new ControlError(issuesText(p.error));
        return json(200, { step: sim.advance(p.data.steps) });
      }
      default:
        return json(404, { error: `no control route ${route}` });
    }
  } catch (err) {
    return json(400, { error: (err as Error).message });
  }
}

class ControlError extends Error {}
