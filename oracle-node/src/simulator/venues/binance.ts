import { json, serviceUnavailable, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { venueSymbol, type Market } from "../symbols";
import { allTickers, lookup, pad, diff, idFrom, type VenueApi, type VenueRequest } from "./venue";

/**
 * Binance spot: /api/v3/ticker/{price,bookTicker,24hr} with `symbol=BTCUSDT`, a JSON array in
 * `symbols=["BTCUSDT","ETHUSDT"]`, or neither (every symbol). Numbers as strings with 8
 * decimals; errors 400 {code:-1121}; 429 then 418 with Retry-After, body code -1003.
 */
const SYMBOL_RE = /^[A-Z0-9-_.]{1,20}$/;
const SYMBOLS_RE = /^\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}")*)?\]$/;
const DAY_MS = 86_400_000;

type Kind = "price" | "bookTicker" | "24hr";

function render(kind: Kind, m: Market, q: VenueQuote): Record<string, unknown> {
  const symbol = venueSymbol("binance", m);
  const p8 = (t: string): string => pad(t, 8);
  if (kind === "price") return { symbol, price: p8(q.price) };
  if (kind === "bookTicker") return { symbol, bidPrice: p8(q.bid), bidQty: "1.20300000", askPrice: p8(q.ask), askQty: "0.51000000" };
  const change = diff(q.price, q.open);
  const pct = Number.isFinite(Number(q.price) / Number(q.open)) ? ((Number(q.price) / Number(q.open) - 1) * 100).toFixed(3) : "NaN";
  return {
    symbol,
    priceChange: p8(change),
    priceChangePercent: pct,
    weightedAvgPrice: p8(q.price),
    prevClosePrice: p8(q.open),
    lastPrice: p8(q.price),
    lastQty: "0.00100000",
    bidPrice: p8(q.bid),
    bidQty: "1.20300000",
    askPrice: p8(q.ask),
    askQty: "0.51000000",
    openPrice: p8(q.open),
    highPrice: p8(q.high),
    lowPrice: p8(q.low),
    volume: p8(q.volume),
    quoteVolume: p8(q.quoteVolume),
    // The 24 h window ends at the quote: closeTime - openTime = 86,399,999 as on Binance.
    openTime: q.timestampMs - DAY_MS + 1,
    closeTime: q.timestampMs,
    firstId: idFrom(q.timestampMs - DAY_MS),
    lastId: idFrom(q.timestampMs),
    count: idFrom(q.timestampMs) - idFrom(q.timestampMs - DAY_MS) + 1,
  };
}

/** Documented request weights: single symbol 2, several or all 4 (24hr: up to 80). */
function weight(kind: Kind, count: number | "all"): number {
  if (kind !== "24hr") return count === 1 ? 2 : 4;
  if (count === "all") return 80;
  if (count <= 20) return 2;
  return count <= 100 ? 40 : 80;
}

function error(status: number, code: number, msg: string, w: number): SimResponse {
  return json(status, { code, msg }, { weight: w });
}

function handle(req: VenueRequest): SimResponse {
  const kinds: Record<string, Kind> = { "/api/v3/ticker/price": "price", "/api/v3/ticker/bookTicker": "bookTicker", "/api/v3/ticker/24hr": "24hr" };
  const kind = kinds[req.path];
  if (!kind) return json(404, { code: -1, msg: "Not Found" });
  const symbol = req.query.get("symbol");
  const symbols = req.query.get("symbols");
  if (symbol !== null && symbols !== null) return error(400, -1101, "Combination of optional parameters invalid.", 2);
  if (symbol !== null) {
    if (!SYMBOL_RE.test(symbol)) {
      return error(400, -1100, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.", 2);
    }
    const r = lookup(req.market, "binance", symbol);
    if (r.kind === "unknown") return error(400, -1121, "Invalid symbol.", 2);
    if (r.kind === "unavailable") return serviceUnavailable();
    return json(200, render(kind, r.market, r.quote), { weight: weight(kind, 1), pairs: [r.market] });
  }
  if (symbols !== null) {
    if (!SYMBOLS_RE.test(symbols)) {
      return error(
        400,
        -1100,
        `Illegal characters found in parameter 'symbols'; legal range is '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$'.`,
        4,
      );
    }
    const list = JSON.parse(symbols) as string[];
    const out: Record<string, unknown>[] = [];
    const pairs: Market[] = [];
    for (const s of list) {
      const r = lookup(req.market, "binance", s);
      if (r.kind === "unknown") return error(400, -1121, "Invalid symbol.", weight(kind, list.length));
      if (r.kind === "unavailable") return serviceUnavailable();
      out.push(render(kind, r.market, r.quote));
      pairs.push(r.market);
    }
    return json(200, out, { weight: weight(kind, list.length), pairs });
  }
  const all = allTickers(req.market, "binance");
  return json(
    200,
    all.map((t) => render(kind, t.market, t.quote)),
    { weight: weight(kind, "all"), pairs: all.map((t) => t.market) },
  );
}

export const binance: VenueApi = {
  id: "binance",
  handle,
  rateLimited(retryAfterS, banned) {
    const headers = { "Retry-After": String(retryAfterS) };
    if (banned) {
      return json(
        418,
        {
          code: -1003,
          msg: `Way too many requests; IP(127.0.0.1) banned until ${Date.now() + retryAfterS * 1000}. Please use the websocket for live updates to avoid bans.`,
        },
        { headers },
      );
    }
    return json(
      429,
      {
        code: -1003,
        msg: "Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid polling the API.",
      },
      { headers },
    );
  },
};
