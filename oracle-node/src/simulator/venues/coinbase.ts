import { json, serviceUnavailable, type SimResponse } from "../response";
import { idFrom, isoMicros, lookup, type VenueApi, type VenueRequest, safeDecode } from "./venue";

/**
 * Coinbase Exchange: GET /products/{BTC-USD}/ticker. Strings; `time` ISO-8601 with µs;
 * unknown product 404 {"message":"NotFound"}; 429 {"message":"Public rate limit exceeded"}.
 */
const TICKER_RE = /^\/products\/([^/]+)\/ticker$/;

function handle(req: VenueRequest): SimResponse {
  const m = TICKER_RE.exec(req.path);
  if (!m) return json(404, { message: "NotFound" });
  const r = lookup(req.market, "coinbase", safeDecode(m[1]));
  if (r.kind === "unknown") return json(404, { message: "NotFound" });
  if (r.kind === "unavailable") return serviceUnavailable();
  const q = r.quote;
  return json(
    200,
    {
      ask: q.ask,
      bid: q.bid,
      volume: q.volume,
      trade_id: idFrom(q.timestampMs),
      price: q.price,
      size: "0.00730812",
      time: isoMicros(q.timestampMs),
      rfq_volume: "7.669923",
      conversions_volume: "0.00",
    },
    { pairs: [r.market] },
  );
}

export const coinbase: VenueApi = {
  id: "coinbase",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { message: "Public rate limit exceeded" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
