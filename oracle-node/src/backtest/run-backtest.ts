import { parseDecimal } from "../quotes/decimal";
import type { Quote } from "../quotes/quote";
import type { RoundFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import type { QuoteRound, ResultRow } from "./csv";

/** A median of fewer quotes than this is one venue's word against another's: refuse instead. */
export const DEFAULT_BACKTEST_MIN_SOURCES = 3;
/** Feed id under which a single-feed backtest keeps its history. */
export const BACKTEST_FEED_ID = "backtest";

export interface BacktestOptions {
  minSources?: number;
  /** Pair name put on the quotes (informational). */
  pair?: string;
  /** Start from this state (a node's persisted history); a fresh one by default. */
  state?: FilterState;
}

/** Text row to Quote; a value that does not parse is returned as the reason it is malformed. */
export function toQuote(row: QuoteRound["rows"][number], pair: string, at: number): Quote | string {
  try {
    return {
      source: row.source,
      pair,
      price: parseDecimal(row.price),
      bid: row.bid !== undefined ? parseDecimal(row.bid) : undefined,
      ask: row.ask !== undefined ? parseDecimal(row.ask) : undefined,
      volume: row.volume !== undefined ? parseDecimal(row.volume) : undefined,
      receivedAt: at,
    };
  } catch (err) {
    return `malformed: ${(err as Error).message}`;
  }
}

/**
 * Replays rounds in timestamp order through the live filter (the same RoundFilter the node runs,
 * with the history it would have built) and returns one result row per round.
 */
export async function runBacktest(rounds: readonly QuoteRound[], filter: RoundFilter, opts: BacktestOptions = {}): Promise<ResultRow[]> {
  const state = opts.state ?? new FilterState();
  const minSources = opts.minSources ?? DEFAULT_BACKTEST_MIN_SOURCES;
  const pair = opts.pair ?? "BACKTEST/USD";
  const out: ResultRow[] = [];
  for (const round of rounds) {
    const now = round.timestamp * 1000;
    const quotes: Quote[] = [];
    const malformed: string[] = [];
    for (const row of round.rows) {
      const q = toQuote(row, pair, now);
      if (typeof q === "string") malformed.push(row.source);
      else quotes.push(q);
    }
    const [r] = await filter.run([{ feedId: BACKTEST_FEED_ID, quotes, minSources, now }], state);
    const dropped = [...new Set([...malformed, ...r.dropped.map((d) => d.source)])].sort();
    out.push({ timestamp: round.timestamp, price: r.observation, used: r.used, dropped });
  }
  return out;
}
