import { json, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol, type Market } from "../symbols";
import { allTickers, diff, lookup, ratio, type VenueApi, type VenueRequest } from "./venue";

/**
 * KuCoin: GET /api/v1/market/orderbook/level1?symbol=BTC-USDT (price and best bid/ask, no
 * volume), /api/v1/market/stats?symbol= (24 h stats with `vol`), /api/v1/market/allTickers
 * (every market). Unknown symbol: 200 {"code":"200000","data":null}; 429 code "429000".
 */
function stats(m: Market, q: VenueQuote): Record<string, unknown> {
  return {
    time: q.timestampMs,
    symbol: venueSymbol("kucoin", m),
    buy: q.bid,
    sell: q.ask,
    changeRate: ratio(q.price, q.open),
    changePrice: diff(q.price, q.open),
    high: q.high,
    low: q.low,
    vol: q.volume,
    volValue: q.quoteVolume,
    last: q.price,
    averagePrice: q.open,
    takerFeeRate: "0.001",
    makerFeeRate: "0.001",
    takerCoefficient: "1",
    makerCoefficient: "1",
  };
}

function handle(req: VenueRequest): SimResponse {
  if (req.path === "/api/v1/market/allTickers") {
    const all = allTickers(req.market, "kucoin");
    const ticker = all.map((t) => {
      const { time: _time, ...rest } = stats(t.market, t.quote);
      return { ...rest, symbolName: venueSymbol("kucoin", t.market), bestBidSize: "0.84", bestAskSize: "1.2" };
    });
    // The snapshot's time is that of its newest quote (a frozen venue's snapshot stays old).
    const time = all.reduce((t, x) => Math.max(t, x.quote.timestampMs), 0) || req.market.now();
    return json(200, { code: "200000", data: { time, ticker } }, { pairs: all.map((t) => t.market) });
  }
  const symbol = req.query.get("symbol") ?? "";
  if (req.path === "/api/v1/market/orderbook/level1") {
    const r = lookup(req.market, "kucoin", symbol);
    if (r.kind === "unknown") return json(200, { code: "200000", data: null });
    if (r.kind === "unavailable") return serviceUnavailable();
    const q = r.quote;
    return json(
      200,
      {
        code: "200000",
        data: {
          time: q.timestampMs,
          sequence: String(Math.floor(q.timestampMs / 100)),
          price: q.price,
          size: "0.0012",
          bestBid: q.bid,
          bestBidSize: "0.84",
          bestAsk: q.ask,
          bestAskSize: "1.2",
        },
      },
      { pairs: [r.market] },
    );
  }
  if (req.path === "/api/v1/market/stats") {
    const r = lookup(req.market, "kucoin", symbol);
    if (r.kind === "unknown") {
      return json(200, {
        code: "200000",
        data: {
          time: req.market.now(),
          symbol,
          buy: null,
          sell: null,
          changeRate: null,
          changePrice: null,
          high: null,
          low: null,
          vol: null,
          volValue: null,
          last: null,
          averagePrice: null,
        },
      });
    }
    if (r.kind === "unavailable") return serviceUnavailable();
    return json(200, { code: "200000", data: stats(r.market, r.quote) }, { pairs: [r.market] });
  }
  return json(404, { code: "404000", msg: "Not Found" });
}

export const kucoin: VenueApi = {
  id: "kucoin",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { code: "429000", msg: "Too Many Requests" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
