import { json, serviceUnavailable, text, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol, type Market } from "../symbols";
import { allTickers, lookup, ratio, type VenueApi, type VenueRequest } from "./venue";

/**
 * Bybit v5: GET /v5/market/tickers?category=spot[&symbol=BTCUSDT] (no symbol = every spot
 * market). Strings; top-level `time` ms as a number. Errors in HTTP 200 with retCode != 0
 * (10001 unknown symbol or bad category, 10006 too many visits); an IP that keeps going is
 * refused with 403 "access too frequent".
 */
function render(m: Market, q: VenueQuote): Record<string, string> {
  return {
    symbol: venueSymbol("bybit", m),
    bid1Price: q.bid,
    bid1Size: "2",
    ask1Price: q.ask,
    ask1Size: "1.862172",
    lastPrice: q.price,
    prevPrice24h: q.open,
    price24hPcnt: ratio(q.price, q.open),
    highPrice24h: q.high,
    lowPrice24h: q.low,
    turnover24h: q.quoteVolume,
    volume24h: q.volume,
    usdIndexPrice: q.price,
  };
}

function error(retCode: number, retMsg: string, time: number): SimResponse {
  return json(200, { retCode, retMsg, result: {}, retExtInfo: {}, time });
}

function handle(req: VenueRequest): SimResponse {
  const now = req.market.now();
  if (req.path !== "/v5/market/tickers") return json(404, { retCode: 404, retMsg: "Not Found", result: {}, retExtInfo: {}, time: now });
  if (req.query.get("category") !== "spot") return error(10001, "Illegal category", now);
  const symbol = req.query.get("symbol");
  let rows: Array<{ market: Market; quote: VenueQuote }>;
  if (symbol === null || symbol === "") {
    rows = allTickers(req.market, "bybit");
  } else {
    const r = lookup(req.market, "bybit", symbol);
    if (r.kind === "unknown") return error(10001, "Not supported symbols", now);
    if (r.kind === "unavailable") return serviceUnavailable();
    rows = [r];
  }
  return json(
    200,
    { retCode: 0, retMsg: "OK", result: { category: "spot", list: rows.map((t) => render(t.market, t.quote)) }, retExtInfo: {}, time: now },
    { pairs: rows.map((t) => t.market) },
  );
}

export const bybit: VenueApi = {
  id: "bybit",
  handle,
  rateLimited(retryAfterS, banned) {
    if (banned) return text(403, "access too frequent", "text/plain; charset=utf-8", { headers: { "Retry-After": String(retryAfterS) } });
    return json(
      200,
      { retCode: 10006, retMsg: "Too many visits!", result: {}, retExtInfo: {}, time: Date.now() },
      { headers: { "Retry-After": String(retryAfterS) } },
    );
  },
};
