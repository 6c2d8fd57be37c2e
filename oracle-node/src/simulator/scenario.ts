import { existsSync, readFileSync } from "node:fs";
import { venueIdFrom } from "./vocabulary";

/**
 * A FORMAT.md quotes file, grouped into rounds for replay: round i holds, per source, the row a
 * venue would have served at that moment. Labels are read and kept out of every answer. A source
 * named by an alias of a simulated venue ("huobi") is served by that venue ("htx").
 */
export interface ScenarioRow {
  price: string;
  bid?: string;
  ask?: string;
  volume?: string;
}

export interface ScenarioRound {
  /** The round's timestamp in the file, unix seconds. */
  timestamp: number;
  rows: Map<string, ScenarioRow>;
}

export interface Scenario {
  rounds: ScenarioRound[];
  /** Every source that appears in the file. */
  sources: string[];
  /** Median gap between rounds, ms (the file's round interval). */
  intervalMs: number;
  /** The fair price per round timestamp, from the sibling `<name>.truth.csv` when there is one. */
  truth?: Map<number, string>;
}

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

const HEADER = ["timestamp", "source", "price", "bid", "ask", "volume", "label"];
const SOURCE_RE = /^[a-z0-9_-]+$/;
const TIMESTAMP_RE = /^\d+$/;

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  const scenario = parseScenario(text, path);
  const truthPath = path.replace(/\.quotes\.csv$/, ".truth.csv");
  if (truthPath !== path && existsSync(truthPath)) scenario.truth = parseTruth(readFileSync(truthPath, "utf8"), truthPath);
  return scenario;
}

/** A FORMAT.md truth file: timestamp,true_price per round. */
export function parseTruth(text: string, name = "truth"): Map<number, string> {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines[0]?.trim() !== "timestamp,true_price") throw new ScenarioError(`${name}: header must be timestamp,true_price`);
  const out = new Map<number, string>();
  for (let i = 1; i < lines.length; i++) {
    const [ts, price] = lines[i].trim().split(",");
    if (!TIMESTAMP_RE.test(ts ?? "") || !price) throw new ScenarioError(`${name}:${i + 1}: expected timestamp,true_price`);
    out.set(Number(ts), price);
  }
  return out;
}

export function parseScenario(text: string, name = "scenario"): Scenario {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new ScenarioError(`${name}: empty file`);
  const header = lines[0].trim().split(",");
  if (header.join(",") !== HEADER.join(",")) {
    throw new ScenarioError(`${name}: header must be ${HEADER.join(",")}, got ${lines[0].trim()}`);
  }
  const rounds: ScenarioRound[] = [];
  const sources = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].trim().split(",");
    const where = `${name}:${i + 1}`;
    if (cells.length !== HEADER.length) throw new ScenarioError(`${where}: expected ${HEADER.length} columns, got ${cells.length}`);
    const [ts, source, price, bid, ask, volume] = cells;
    if (!TIMESTAMP_RE.test(ts)) throw new ScenarioError(`${where}: timestamp must be unix seconds, got ${JSON.stringify(ts)}`);
    if (!SOURCE_RE.test(source)) throw new ScenarioError(`${where}: bad source ${JSON.stringify(source)}`);
    if (price === "") throw new ScenarioError(`${where}: empty price`);
    const timestamp = Number(ts);
    const id = venueIdFrom(source) ?? source;
    let round = rounds[rounds.length - 1];
    if (!round || round.timestamp !== timestamp) {
      if (round && timestamp < round.timestamp) throw new ScenarioError(`${where}: rows not sorted by timestamp`);
      round = { timestamp, rows: new Map() };
      rounds.push(round);
    }
    sources.add(id);
    round.rows.set(id, {
      price,
      bid: bid === "" ? undefined : bid,
      ask: ask === "" ? undefined : ask,
      volume: volume === "" ? undefined : volume,
    });
  }
  if (rounds.length === 0) throw new ScenarioError(`${name}: no rows`);
  const gaps = rounds
    .slice(1)
    .map((r, i) => r.timestamp - rounds[i].timestamp)
    .sort((a, b) => a - b);
  const intervalMs = gaps.length > 0 ? gaps[Math.floor(gaps.length / 2)] * 1000 : 1000;
  return { rounds, sources: [...sources].sort(), intervalMs };
}
