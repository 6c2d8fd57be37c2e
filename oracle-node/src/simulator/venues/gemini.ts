import { json, serviceUnavailable, type SimResponse } from "../response";
import { lookup, type VenueApi, type VenueRequest, safeDecode } from "./venue";

/**
 * Gemini: GET /v1/pubticker/{btcusd} -> {"bid","ask","last","volume":{BTC,USD,timestamp}}
 * (volume keyed by currency codes, timestamp ms). Unknown 400 InvalidSymbol; 429 RateLimit.
 */
const TICKER_RE = /^\/v1\/pubticker\/([^/]+)$/;

function handle(req: VenueRequest): SimResponse {
  const m = TICKER_RE.exec(req.path);
  if (!m) return json(404, { result: "error", reason: "EndpointNotFound", message: `API entry point \`${req.path}\` not found` });
  const symbol = safeDecode(m[1]);
  const r = lookup(req.market, "gemini", symbol);
  if (r.kind === "unknown") {
    return json(400, { result: "error", reason: "InvalidSymbol", message: `Received unsupported symbol '${symbol.toLowerCase()}'` });
  }
  if (r.kind === "unavailable") return serviceUnavailable();
  const q = r.quote;
  return json(
    200,
    { bid: q.bid, ask: q.ask, last: q.price, volume: { [r.market.base]: q.volume, [r.market.quote]: q.quoteVolume, timestamp: q.timestampMs } },
    { pairs: [r.market] },
  );
}

export const gemini: VenueApi = {
  id: "gemini",
  handle,
  rateLimited(retryAfterS) {
    return json(
      429,
      { result: "error", reason: "RateLimit", message: "Requests were made too frequently. Please wait and retry." },
      { headers: { "Retry-After": String(retryAfterS) } },
    );
  },
};
