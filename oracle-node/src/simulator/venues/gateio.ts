import { json, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol, type Market } from "../symbols";
import { allTickers, lookup, ratio, type VenueApi, type VenueRequest } from "./venue";

/**
 * Gate v4: GET /api/v4/spot/tickers?currency_pair=BTC_USDT -> an array even for one pair; no
 * currency_pair = every market. Unknown 400 {"label":"INVALID_CURRENCY_PAIR"}; 429
 * TOO_MANY_REQUESTS. No timestamp.
 */
function render(m: Market, q: VenueQuote): Record<string, string> {
  return {
    currency_pair: venueSymbol("gateio", m),
    last: q.price,
    lowest_ask: q.ask,
    lowest_size: "0.51",
    highest_bid: q.bid,
    highest_size: "1.23",
    change_percentage: (Number(ratio(q.price, q.open, 6)) * 100).toFixed(2),
    change_utc0: "0.30",
    change_utc8: "0.52",
    base_volume: q.volume,
    quote_volume: q.quoteVolume,
    high_24h: q.high,
    low_24h: q.low,
  };
}

function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/api/v4/spot/tickers") return json(404, { label: "NOT_FOUND", message: "Not Found" });
  const pair = req.query.get("currency_pair");
  if (pair === null || pair === "") {
    const all = allTickers(req.market, "gateio");
    return json(
      200,
      all.map((t) => render(t.market, t.quote)),
      { pairs: all.map((t) => t.market) },
    );
  }
  const r = lookup(req.market, "gateio", pair);
  if (r.kind === "unknown") return json(400, { label: "INVALID_CURRENCY_PAIR", message: `Invalid currency pair ${pair}` });
  if (r.kind === "unavailable") return serviceUnavailable();
  return json(200, [render(r.market, r.quote)], { pairs: [r.market] });
}

export const gateio: VenueApi = {
  id: "gateio",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { label: "TOO_MANY_REQUESTS", message: "Request Rate limit Exceeded" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
