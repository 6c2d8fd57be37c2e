import { formatDecimal, parseDecimal, type Fixed } from "../quotes/decimal";

/**
 * CSV I/O of ../shared/scenarios/FORMAT.md: quotes (without their label: a backtest must never
 * read it), labels (for the scorer only), truth, and backtest results.
 */

export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsvError";
  }
}

/** One quote row as text, exactly as the file gives it. */
export interface QuoteRow {
  source: string;
  price: string;
  bid?: string;
  ask?: string;
  volume?: string;
}

export interface QuoteRound {
  timestamp: number;
  rows: QuoteRow[];
}

export interface ResultRow {
  timestamp: number;
  /** null where the node refused. */
  price: Fixed | null;
  used: number;
  dropped: string[];
}

const SOURCE_RE = /^[a-z0-9_-]+$/;

function table(text: string, required: readonly string[], what: string): { header: Map<string, number>; lines: string[][] } {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new CsvError(`${what}: empty file`);
  const header = new Map(lines[0].split(",").map((h, i) => [h.trim(), i]));
  for (const col of required) if (!header.has(col)) throw new CsvError(`${what}: missing column "${col}"`);
  return { header, lines: lines.slice(1).map((l) => l.split(",")) };
}

function timestampOf(text: string | undefined, what: string, line: number): number {
  const t = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(t)) {
    throw new CsvError(`${what} line ${line}: timestamp ${JSON.stringify(text)} is not an integer`);
  }
  return t;
}

/** Reads a quotes file into rounds in timestamp order. The label column is not read. */
export function parseQuotesCsv(text: string): QuoteRound[] {
  const what = "quotes";
  const { header, lines } = table(text, ["timestamp", "source", "price"], what);
  const c = (name: string) => header.get(name);
  const [ts, src, price, bid, ask, vol] = [c("timestamp")!, c("source")!, c("price")!, c("bid"), c("ask"), c("volume")];
  const rounds: QuoteRound[] = [];
  lines.forEach((f, k) => {
    const line = k + 2;
    const t = timestampOf(f[ts], what, line);
    const source = f[src] ?? "";
    if (!SOURCE_RE.test(source)) throw new CsvError(`${what} line ${line}: bad source ${JSON.stringify(source)}`);
    const last = rounds[rounds.length - 1];
    if (last && t < last.timestamp) throw new CsvError(`${what} line ${line}: rows are not sorted by timestamp`);
    const opt = (i: number | undefined) => (i === undefined || !f[i] ? undefined : f[i]);
    const row: QuoteRow = { source, price: f[price] ?? "", bid: opt(bid), ask: opt(ask), volume: opt(vol) };
    if (last && last.timestamp === t) last.rows.push(row);
    else rounds.push({ timestamp: t, rows: [row] });
  });
  return rounds;
}

/** Reads the label column: `${timestamp}|${source}` -> 0/1 (rows with an empty label are absent). */
export function parseLabels(text: string): Map<string, 0 | 1> {
  const { header, lines } = table(text, ["timestamp", "source", "label"], "quotes");
  const [ts, src, lab] = [header.get("timestamp")!, header.get("source")!, header.get("label")!];
  const labels = new Map<string, 0 | 1>();
  lines.forEach((f, k) => {
    const v = f[lab];
    if (v === "" || v === undefined) return;
    if (v !== "0" && v !== "1") throw new CsvError(`quotes line ${k + 2}: label ${JSON.stringify(v)} is not 0, 1 or empty`);
    labels.set(`${timestampOf(f[ts], "quotes", k + 2)}|${f[src]}`, v === "1" ? 1 : 0);
  });
  return labels;
}

export function parseTruthCsv(text: string): Map<number, Fixed> {
  const { header, lines } = table(text, ["timestamp", "true_price"], "truth");
  const [ts, tp] = [header.get("timestamp")!, header.get("true_price")!];
  const truth = new Map<number, Fixed>();
  lines.forEach((f, k) => {
    try {
      truth.set(timestampOf(f[ts], "truth", k + 2), parseDecimal(f[tp] ?? ""));
    } catch (err) {
      throw new CsvError(`truth line ${k + 2}: ${(err as Error).message}`);
    }
  });
  return truth;
}

export const RESULT_HEADER = "timestamp,price,used,dropped";

export function formatResultCsv(rows: readonly ResultRow[]): string {
  const out = [RESULT_HEADER];
  for (const r of rows) {
    out.push(`${r.timestamp},${r.price === null ? "" : formatDecimal(r.price)},${r.used},${[...r.dropped].sort().join(";")}`);
  }
  return out.join("\n") + "\n";
}

export function parseResultCsv(text: string): ResultRow[] {
  const { header, lines } = table(text, ["timestamp", "price", "used", "dropped"], "result");
  const [ts, pr, used, dr] = ["timestamp", "price", "used", "dropped"].map((h) => header.get(h)!);
  return lines.map((f, k) => {
    const line = k + 2;
    let price: Fixed | null = null;
    if (f[pr]) {
      try {
        price = parseDecimal(f[pr]);
      } catch (err) {
        throw new CsvError(`result line ${line}: ${(err as Error).message}`);
      }
    }
    const u = Number(f[used]);
    if (!Number.isInteger(u) || u < 0) throw new CsvError(`result line ${line}: used ${JSON.stringify(f[used])} is not a count`);
    return { timestamp: timestampOf(f[ts], "result", line), price, used: u, dropped: f[dr] ? f[dr].split(";") : [] };
  });
}
