import { json, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol, type Market } from "../symbols";
import { allTickers, lookup, type VenueApi, type VenueRequest } from "./venue";

/**
 * OKX v5: GET /api/v5/market/ticker?instId=BTC-USDT and /api/v5/market/tickers?instType=SPOT
 * (every spot market). Strings; `ts` ms as a string. Errors in HTTP 200 with a non-"0" code
 * (51001 unknown instrument); rate limit 429 code "50011".
 */
function render(m: Market, q: VenueQuote): Record<string, string> {
  return {
    instType: "SPOT",
    instId: venueSymbol("okx", m),
    last: q.price,
    lastSz: "0.0012",
    askPx: q.ask,
    askSz: "1.2",
    bidPx: q.bid,
    bidSz: "0.8",
    open24h: q.open,
    high24h: q.high,
    low24h: q.low,
    volCcy24h: q.quoteVolume,
    vol24h: q.volume,
    sodUtc0: q.open,
    sodUtc8: q.open,
    ts: String(q.timestampMs),
  };
}

function error(status: number, code: string, msg: string): SimResponse {
  return json(status, { code, msg, data: [] });
}

function handle(req: VenueRequest): SimResponse {
  if (req.path === "/api/v5/market/tickers") {
    const instType = req.query.get("instType");
    if (instType === null || instType === "") return error(400, "50014", "Parameter instType can not be empty");
    if (instType !== "SPOT") return error(400, "51000", "Parameter instType error");
    const all = allTickers(req.market, "okx");
    return json(200, { code: "0", msg: "", data: all.map((t) => render(t.market, t.quote)) }, { pairs: all.map((t) => t.market) });
  }
  if (req.path !== "/api/v5/market/ticker") return error(404, "404", "Not Found");
  const instId = req.query.get("instId");
  if (instId === null || instId === "") return error(400, "50014", "Parameter instId can not be empty");
  const r = lookup(req.market, "okx", instId);
  if (r.kind === "unknown") return error(200, "51001", "Instrument ID does not exist");
  if (r.kind === "unavailable") return serviceUnavailable();
  return json(200, { code: "0", msg: "", data: [render(r.market, r.quote)] }, { pairs: [r.market] });
}

export const okx: VenueApi = {
  id: "okx",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { code: "50011", msg: "Too Many Requests", data: [] }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
