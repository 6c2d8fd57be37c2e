import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { AttackInput } from "../../oracle-node/src/simulator/attacks";

/**
 * What the demo runs: its feeds (crypto pairs, a thin token, an FX rate, a weather value), the
 * sources each reads from the local venue simulator, and the attacks it injects after the calm
 * period. One place, so the terminal view, the configs and the summary agree.
 */
export interface DemoFeed {
  id: string;
  description: string;
  pair: string;
  decimals: number;
  sources: string[];
  minSources: number;
  deviationThresholdBps: number;
  /** Bounds the aggregator enforces (decimal text), never clamps. */
  bounds?: { min: string; max: string };
}

export const DEMO_FEEDS: DemoFeed[] = [
  {
    id: "BTC/USD",
    description: "BTC / USD",
    pair: "BTC/USD",
    decimals: 8,
    sources: ["binance", "coinbase", "kraken", "bitstamp", "okx", "bybit", "gemini"],
    minSources: 4,
    deviationThresholdBps: 30,
    bounds: { min: "1", max: "10000000" },
  },
  {
    id: "ETH/USD",
    description: "ETH / USD",
    pair: "ETH/USD",
    decimals: 8,
    sources: ["binance", "coinbase", "kraken", "okx", "bybit", "gateio"],
    minSources: 4,
    deviationThresholdBps: 30,
  },
  {
    // The thin token: few, small venues, the kind a pump on one of them can move.
    id: "LINK/USD",
    description: "LINK / USD (thin venues)",
    pair: "LINK/USD",
    decimals: 8,
    sources: ["kucoin", "gateio", "htx", "cryptocom", "bitfinex"],
    minSources: 3,
    deviationThresholdBps: 50,
  },
  {
    id: "EUR/USD",
    description: "EUR / USD (ECB reference and open.er-api)",
    pair: "EUR/USD",
    decimals: 8,
    sources: ["frankfurter", "open-er-api"],
    minSources: 2,
    deviationThresholdBps: 10,
  },
  {
    id: "BERLIN-TEMP/K",
    description: "Berlin air temperature at 2 m, kelvin (Open-Meteo)",
    pair: "BERLIN/KELVIN",
    decimals: 2,
    sources: ["open-meteo"],
    minSources: 1,
    deviationThresholdBps: 10,
  },
];

/** The weather feed's location and unit conversion, as in config/local.yaml's open-meteo source. */
export const WEATHER = { latitude: 52.52, longitude: 13.41, offsetKelvin: "273.15" };

export interface ScheduledAttack {
  /** Shown in the terminal view's event list. */
  label: string;
  attack: AttackInput;
}

/** The three attacks of the demo; each hits one venue of one feed and lasts until the demo ends. */
export const DEMO_ATTACKS: ScheduledAttack[] = [
  { label: "flash crash on kraken BTC/USD (-60 %, empty book)", attack: { kind: "flash-crash", venue: "kraken", pair: "BTC/USD", pct: 60 } },
  { label: "coinbase ETH/USD frozen (same quote and timestamp)", attack: { kind: "freeze", venue: "coinbase", pair: "ETH/USD" } },
  { label: "gateio LINK/USD manipulated (+25 %, wide spread, wash volume)", attack: { kind: "pump", venues: ["gateio"], pair: "LINK/USD", pct: 25 } },
];

/**
 * The generic (config-defined) sources the demo feeds use, read from config/local.yaml so the
 * demo and the example config define FX and weather in one place.
 */
export function genericSourceDefinitions(repoRoot: string, ids: string[]): unknown[] {
  const doc = parse(readFileSync(join(repoRoot, "config", "local.yaml"), "utf8")) as { sources?: { generic?: Array<{ id: string }> } };
  const all = doc.sources?.generic ?? [];
  const picked = all.filter((g) => ids.includes(g.id));
  const missing = ids.filter((id) => !picked.some((g) => g.id === id));
  if (missing.length > 0) throw new Error(`config/local.yaml defines no generic source ${missing.join(", ")}`);
  return picked;
}
