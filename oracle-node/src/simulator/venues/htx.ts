import { json, num, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol } from "../symbols";
import { allTickers, idFrom, lookup, type VenueApi, type VenueRequest } from "./venue";

/**
 * HTX (Huobi): GET /market/detail/merged?symbol=btcusdt (JSON numbers; last `tick.close`,
 * bid/ask [price, size], `ts` ms) and /market/tickers (every market). Errors in HTTP 200 with
 * status "error" and an err-code (invalid-parameter, base-request-exceed-frequency-limit).
 */
function error(code: string, msg: string, ts: number): SimResponse {
  return json(200, { status: "error", "err-code": code, "err-msg": msg, data: null, ts });
}

function tick(q: VenueQuote): Record<string, unknown> {
  const id = idFrom(q.timestampMs);
  return {
    id,
    version: id,
    open: num(q.open),
    close: num(q.price),
    low: num(q.low),
    high: num(q.high),
    amount: num(q.volume),
    vol: num(q.quoteVolume),
    count: 420573,
    bid: [num(q.bid), 2.58112],
    ask: [num(q.ask), 0.002411],
  };
}

function handle(req: VenueRequest): SimResponse {
  const now = req.market.now();
  if (req.path === "/market/tickers") {
    const all = allTickers(req.market, "htx");
    const data = all.map((t) => ({
      symbol: venueSymbol("htx", t.market),
      open: num(t.quote.open),
      high: num(t.quote.high),
      low: num(t.quote.low),
      close: num(t.quote.price),
      amount: num(t.quote.volume),
      vol: num(t.quote.quoteVolume),
      count: 420573,
      bid: num(t.quote.bid),
      bidSize: 2.58112,
      ask: num(t.quote.ask),
      askSize: 0.002411,
    }));
    // The snapshot's time is that of its newest quote (a frozen venue's snapshot stays old).
    const ts = all.reduce((t, x) => Math.max(t, x.quote.timestampMs), 0) || now;
    return json(200, { status: "ok", ts, data }, { pairs: all.map((t) => t.market) });
  }
  if (req.path !== "/market/detail/merged") return error("invalid-parameter", "invalid path", now);
  const symbol = req.query.get("symbol");
  if (symbol === null || symbol === "") return error("invalid-parameter", "invalid symbol", now);
  const r = lookup(req.market, "htx", symbol);
  if (r.kind === "unknown") return error("invalid-parameter", "invalid symbol", now);
  if (r.kind === "unavailable") return serviceUnavailable();
  return json(200, { ch: `market.${symbol}.detail.merged`, status: "ok", ts: r.quote.timestampMs, tick: tick(r.quote) }, { pairs: [r.market] });
}

export const htx: VenueApi = {
  id: "htx",
  handle,
  rateLimited() {
    return error("base-request-exceed-frequency-limit", "request exceed frequency limit", Date.now());
  },
};
