import { json, num, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { bitfinexSymbol, type Market } from "../symbols";
import { allTickers, diff, lookup, ratio, type VenueApi, type VenueRequest, safeDecode } from "./venue";

/**
 * Bitfinex v2: GET /v2/ticker/{tBTCUSD} -> [BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE,
 * DAILY_CHANGE_RELATIVE, LAST_PRICE, VOLUME, HIGH, LOW] as JSON numbers; GET
 * /v2/tickers?symbols=tBTCUSD,tETHUSD (or ALL) -> the same arrays with the symbol first,
 * unknown symbols left out. Unknown symbol 500 ["error",10020,"symbol: invalid"]; rate limit
 * 429 {"error":"ERR_RATE_LIMIT"}.
 */
const TICKER_RE = /^\/v2\/ticker\/([^/]+)$/;

function fields(q: VenueQuote): unknown[] {
  return [num(q.bid), 12.53, num(q.ask), 9.87, num(diff(q.price, q.open)), num(ratio(q.price, q.open)), num(q.price), num(q.volume), num(q.high), num(q.low)];
}

function invalid(): SimResponse {
  return json(500, ["error", 10020, "symbol: invalid"]);
}

function handle(req: VenueRequest): SimResponse {
  if (req.path === "/v2/tickers") {
    const param = req.query.get("symbols");
    if (param === null) return json(500, ["error", 10020, "symbols: invalid"]);
    const rows: unknown[] = [];
    const pairs: Market[] = [];
    if (param === "ALL") {
      for (const t of allTickers(req.market, "bitfinex")) {
        rows.push([bitfinexSymbol(t.market), ...fields(t.quote)]);
        pairs.push(t.market);
      }
      return json(200, rows, { pairs });
    }
    for (const sym of param.split(",")) {
      const r = lookup(req.market, "bitfinex", sym.trim());
      if (r.kind === "unavailable") return serviceUnavailable();
      if (r.kind !== "ok") continue;
      rows.push([bitfinexSymbol(r.market), ...fields(r.quote)]);
      pairs.push(r.market);
    }
    return json(200, rows, { pairs });
  }
  const m = TICKER_RE.exec(req.path);
  if (!m) return json(404, ["error", 10001, "not found"]);
  const r = lookup(req.market, "bitfinex", safeDecode(m[1]));
  if (r.kind === "unknown") return invalid();
  if (r.kind === "unavailable") return serviceUnavailable();
  return json(200, fields(r.quote), { pairs: [r.market] });
}

export const bitfinex: VenueApi = {
  id: "bitfinex",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { error: "ERR_RATE_LIMIT" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
