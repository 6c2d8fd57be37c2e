import { json, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol, type Market } from "../symbols";
import { allTickers, lookup, ratio, type VenueApi, type VenueRequest } from "./venue";

/**
 * Crypto.com Exchange v1: GET /exchange/v1/public/get-tickers?instrument_name=BTC_USDT (no
 * instrument_name = every market). Last is `a`, bid `b`, ask `k`, volume `v`, time `t` ms.
 * Unknown 400 {"code":40004}; rate limit 429 code 10006.
 */
function render(m: Market, q: VenueQuote): Record<string, unknown> {
  return {
    i: venueSymbol("cryptocom", m),
    h: q.high,
    l: q.low,
    a: q.price,
    v: q.volume,
    vv: q.quoteVolume,
    c: ratio(q.price, q.open),
    b: q.bid,
    k: q.ask,
    oi: "0",
    t: q.timestampMs,
  };
}

function ok(rows: Array<{ market: Market; quote: VenueQuote }>): SimResponse {
  return json(
    200,
    { id: -1, method: "public/get-tickers", code: 0, result: { data: rows.map((t) => render(t.market, t.quote)) } },
    { pairs: rows.map((t) => t.market) },
  );
}

function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/exchange/v1/public/get-tickers") return json(404, { code: 40401, message: "Not found" });
  const name = req.query.get("instrument_name");
  if (name === null || name === "") return ok(allTickers(req.market, "cryptocom"));
  const r = lookup(req.market, "cryptocom", name);
  if (r.kind === "unknown") return json(400, { code: 40004, message: "Invalid instrument_name" });
  if (r.kind === "unavailable") return serviceUnavailable();
  return ok([r]);
}

export const cryptocom: VenueApi = {
  id: "cryptocom",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { id: -1, method: "public/get-tickers", code: 10006, message: "TOO_MANY_REQUESTS" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
