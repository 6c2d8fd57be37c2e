import { json, serviceUnavailable, type SimResponse } from "../response";
import { allTickers, lookup, type VenueApi, type VenueRequest, safeDecode } from "./venue";

/**
 * Coinbase v2: GET /v2/prices/{BTC-USD}/spot -> {"data":{"amount","base","currency"}}, and the
 * batch form /v2/prices/{USD}/spot -> {"data":[...]} for every base priced in that currency.
 * Unknown 404 {"errors":[{"id":"not_found",...}]}; 429 {"errors":[{"id":"rate_limit_exceeded"}]}.
 */
const SPOT_RE = /^\/v2\/prices\/([^/]+)\/spot$/;

function notFound(message: string): SimResponse {
  return json(404, { errors: [{ id: "not_found", message }] });
}

function handle(req: VenueRequest): SimResponse {
  const m = SPOT_RE.exec(req.path);
  if (!m) return notFound("Not found");
  const pair = safeDecode(m[1]).toUpperCase();
  if (!pair.includes("-")) {
    const rows = allTickers(req.market, "coinbase-spot").filter((t) => t.market.quote === pair);
    if (rows.length === 0) return notFound("Invalid currency");
    return json(
      200,
      { data: rows.map((t) => ({ amount: t.quote.price, base: t.market.base, currency: t.market.quote })) },
      { pairs: rows.map((t) => t.market) },
    );
  }
  const r = lookup(req.market, "coinbase-spot", pair);
  if (r.kind === "unknown") return notFound("Invalid base currency");
  if (r.kind === "unavailable") return serviceUnavailable();
  return json(200, { data: { amount: r.quote.price, base: r.market.base, currency: r.market.quote } }, { pairs: [r.market] });
}

export const coinbaseSpot: VenueApi = {
  id: "coinbase-spot",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { errors: [{ id: "rate_limit_exceeded", message: "Too many requests" }] }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
