/**
 * The demo's live terminal view: one table, redrawn in place, per feed the simulator's fair
 * price, the on-chain answer, its confidence and age, the rounds so far and which sources the
 * node dropped and why. Pure: it turns rows into text; the demo decides when to draw.
 */
export interface FeedRow {
  id: string;
  /** The simulator's true price (what an honest oracle should report). */
  fair: string | null;
  answer: string | null;
  confidence: string | null;
  /** Block timestamp of the answer, unix seconds. */
  updatedAt: number | null;
  rounds: number;
  /** Sources dropped in the node's latest round, with the reason. */
  droppedNow: Array<{ source: string; reason: string }>;
  /** Why the node refused to observe the feed (too few sources survived), or null. */
  refusal?: string | null;
}

export interface ViewHeader {
  title: string;
  lines: string[];
  /** Recent events (attacks injected, cleared), newest last. */
  events: string[];
}

const COLUMNS = [
  { title: "FEED", width: 15 },
  { title: "FAIR", width: 16 },
  { title: "ON-CHAIN", width: 16 },
  { title: "VS FAIR", width: 10 },
  { title: "± CONF (bp)", width: 18 },
  { title: "AGE", width: 6 },
  { title: "ROUNDS", width: 7 },
  { title: "DROPPED NOW (why)", width: 0 },
] as const;

/** Terminal escape: cursor home + clear screen, so each frame replaces the last. */
export const CLEAR_SCREEN = "\x1b[H\x1b[2J";

function cell(text: string, width: number): string {
  if (width === 0) return text;
  return text.length >= width ? text.slice(0, width - 1) + " " : text.padEnd(width);
}

/** Basis points of conf relative to answer, one decimal; "" when not computable. */
export function bps(conf: string | null, answer: string | null): string {
  if (conf === null || answer === null) return "";
  const a = Math.abs(Number(answer));
  if (!Number.isFinite(a) || a === 0) return "";
  return ((Number(conf) / a) * 10_000).toFixed(1);
}

/** Signed distance of the on-chain answer from the fair value, in basis points (display only). */
export function offFair(answer: string | null, fair: string | null): string {
  if (answer === null || fair === null) return "–";
  const f = Number(fair);
  if (!Number.isFinite(f) || f === 0) return "–";
  const b = ((Number(answer) - f) / Math.abs(f)) * 10_000;
  return `${b >= 0 ? "+" : ""}${b.toFixed(1)} bp`;
}

export function formatAge(updatedAt: number | null, nowMs: number): string {
  if (updatedAt === null) return "–";
  const s = Math.max(0, Math.round(nowMs / 1000 - updatedAt));
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

/** Shortens long decimals for the table (the JSON summary keeps them exact). */
export function shortDecimal(v: string | null, digits = 6): string {
  if (v === null) return "–";
  const [i, f = ""] = v.split(".");
  const keep = Math.max(0, digits - Math.max(0, i.replace("-", "").length - 1));
  return f && keep > 0 ? `${i}.${f.slice(0, keep)}` : i;
}

export function renderView(header: ViewHeader, rows: FeedRow[], nowMs: number, termWidth = 120): string {
  const out: string[] = [header.title, ...header.lines, ""];
  out.push(COLUMNS.map((c) => cell(c.title, c.width)).join(""));
  for (const r of rows) {
    const conf = r.confidence === null ? "–" : `${shortDecimal(r.confidence)} (${bps(r.confidence, r.answer)})`;
    const droppedList = r.droppedNow.length === 0 ? "none" : r.droppedNow.map((d) => `${d.source}: ${d.reason}`).join("; ");
    const dropped = r.refusal ? `REFUSED (${r.refusal}); ${droppedList}` : droppedList;
    const line = [
      cell(r.id, COLUMNS[0].width),
      cell(shortDecimal(r.fair), COLUMNS[1].width),
      cell(shortDecimal(r.answer), COLUMNS[2].width),
      cell(offFair(r.answer, r.fair), COLUMNS[3].width),
      cell(conf, COLUMNS[4].width),
      cell(formatAge(r.updatedAt, nowMs), COLUMNS[5].width),
      cell(String(r.rounds), COLUMNS[6].width),
      dropped,
    ].join("");
    out.push(line.length > termWidth ? line.slice(0, termWidth - 1) + "…" : line);
  }
  if (header.events.length > 0) {
    out.push("", "Events:");
    for (const e of header.events.slice(-8)) out.push(`  ${e}`);
  }
  out.push("", "Ctrl-C stops everything.");
  return out.join("\n") + "\n";
}
