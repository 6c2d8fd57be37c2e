import { assetBySymbol } from "../assets";
import { text, serviceUnavailable, type SimResponse } from "../response";
import type { Market } from "../symbols";
import type { VenueApi, VenueRequest } from "./venue";

/**
 * Stooq quotes as CSV: GET /q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv. `f` picks the columns
 * (s symbol, d2 date, t2 time, o h l c, v volume, n name), `h` adds the header line. Several
 * symbols separated by spaces (`+`) or commas. Unknown symbol: a 200 row of N/D; quota: 200
 * text "Exceeded the daily hits limit".
 */
const FIELD_TOKENS = ["d2", "t2", "s", "o", "h", "l", "c", "v", "n"] as const;
type Field = (typeof FIELD_TOKENS)[number];
/** Stooq writes times in Central European Time. */
export const STOOQ_UTC_OFFSET_MS = 60 * 60_000;
const HEADERS: Record<Field, string> = { s: "Symbol", d2: "Date", t2: "Time", o: "Open", h: "High", l: "Low", c: "Close", v: "Volume", n: "Name" };

function parseFields(f: string): Field[] | null {
  const out: Field[] = [];
  let rest = f;
  while (rest.length > 0) {
    const tok = FIELD_TOKENS.find((t) => rest.startsWith(t));
    if (!tok) return null;
    out.push(tok);
    rest = rest.slice(tok.length);
  }
  return out;
}

/** aapl.us -> AAPL/USD; eurusd -> EUR/USD. */
function parseSymbol(sym: string): Market | undefined {
  const eq = /^([a-z]+)\.us$/.exec(sym.toLowerCase());
  if (eq && assetBySymbol(eq[1])?.kind === "equity") return { base: eq[1].toUpperCase(), quote: "USD" };
  const fx = /^([a-z]{3})([a-z]{3})$/.exec(sym.toLowerCase());
  if (fx && assetBySymbol(fx[1])?.kind === "fiat" && assetBySymbol(fx[2])?.kind === "fiat" && fx[1] !== fx[2]) {
    return { base: fx[1].toUpperCase(), quote: fx[2].toUpperCase() };
  }
  return undefined;
}

function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/q/l/" && req.path !== "/q/l") return text(404, "Not Found");
  const fields = parseFields(req.query.get("f") ?? "sd2t2ohlcv");
  if (!fields) return text(200, "Wrong parameter: f\r\n");
  const symbols = (req.query.get("s") ?? "").split(/[ ,]+/).filter((s) => s !== "");
  const lines: string[] = [];
  if (req.query.has("h")) lines.push(fields.map((f) => HEADERS[f]).join(","));
  const pairs: Market[] = [];
  for (const sym of symbols) {
    const m = parseSymbol(sym);
    const r = m ? req.market.ticker("stooq", m) : { kind: "unknown" as const };
    if (r.kind === "unavailable") return serviceUnavailable();
    if (r.kind !== "ok" || !m) {
      lines.push(fields.map((f) => (f === "s" ? sym.toUpperCase() : "N/D")).join(","));
      continue;
    }
    pairs.push(m);
    const q = r.quote;
    // Stooq prints its own (Warsaw, CET) clock, not UTC; the simulator uses UTC+1 all year.
    const iso = new Date(q.timestampMs + STOOQ_UTC_OFFSET_MS).toISOString();
    const cell: Record<Field, string> = {
      s: sym.toUpperCase(),
      d2: iso.slice(0, 10),
      t2: iso.slice(11, 19),
      o: q.open,
      h: q.high,
      l: q.low,
      c: q.price,
      v: String(Math.round(Number(q.volume))),
      n: m.base,
    };
    lines.push(fields.map((f) => cell[f]).join(","));
  }
  return text(200, lines.map((l) => `${l}\r\n`).join(""), "text/csv; charset=utf-8", { pairs });
}

export const stooq: VenueApi = {
  id: "stooq",
  handle,
  rateLimited() {
    return text(200, "Exceeded the daily hits limit");
  },
};
