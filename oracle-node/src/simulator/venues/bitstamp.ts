import { json, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import type { Market } from "../symbols";
import { allTickers, lookup, ratio, type VenueApi, type VenueRequest, safeDecode } from "./venue";

/**
 * Bitstamp: GET /api/v2/ticker/{btcusd}/ (all strings, timestamp in seconds) and
 * /api/v2/ticker/ for every market (each with "pair":"BTC/USD"). Unknown pair 404; rate
 * limit 400 {"status":"error","reason":...,"code":"400.002"}.
 */
const TICKER_RE = /^\/api\/v2\/ticker\/([^/]+)\/?$/;
const ALL_RE = /^\/api\/v2\/ticker\/?$/;

function render(q: VenueQuote): Record<string, string> {
  return {
    timestamp: String(Math.floor(q.timestampMs / 1000)),
    open: q.open,
    high: q.high,
    low: q.low,
    last: q.price,
    volume: q.volume,
    vwap: q.price,
    bid: q.bid,
    ask: q.ask,
    side: "0",
    open_24: q.open,
    percent_change_24: (Number(ratio(q.price, q.open, 6)) * 100).toFixed(2),
  };
}

function notFound(): SimResponse {
  return json(404, { status: "error", reason: "Not found", code: "404.002" });
}

function handle(req: VenueRequest): SimResponse {
  if (ALL_RE.test(req.path)) {
    const all = allTickers(req.market, "bitstamp");
    return json(
      200,
      all.map((t) => ({ ...render(t.quote), pair: `${t.market.base}/${t.market.quote}` })),
      { pairs: all.map((t) => t.market) },
    );
  }
  const m = TICKER_RE.exec(req.path);
  if (!m) return notFound();
  const r = lookup(req.market, "bitstamp", safeDecode(m[1]));
  if (r.kind === "unknown") return notFound();
  if (r.kind === "unavailable") return serviceUnavailable();
  const pairs: Market[] = [r.market];
  return json(200, render(r.quote), { pairs });
}

export const bitstamp: VenueApi = {
  id: "bitstamp",
  handle,
  rateLimited(retryAfterS) {
    return json(
      400,
      { status: "error", reason: "Rate limit exceeded. Please wait before making further requests.", code: "400.002" },
      { headers: { "Retry-After": String(retryAfterS) } },
    );
  },
};
