import { json, type SimResponse } from "../response";
import type { VenueQuote } from "../price-model";
import { krakenPairKey, type Market } from "../symbols";
import { allTickers, lookup, pad, type VenueApi, type VenueRequest } from "./venue";

/**
 * Kraken: GET /0/public/Ticker?pair=XBTUSD,ETHUSD (comma-separated batch; no pair = all).
 * Answers are keyed by Kraken's canonical pair name (XBTUSD -> XXBTZUSD). Every error is HTTP
 * 200 with {"error":[...]}: unknown pair, rate limit, service unavailable.
 */
function render(q: VenueQuote): Record<string, unknown> {
  const p = (t: string): string => pad(t, 5);
  const v = pad(q.volume, 8);
  return {
    a: [p(q.ask), "2", "2.000"],
    b: [p(q.bid), "11", "11.000"],
    c: [p(q.price), "0.01026127"],
    v: [v, v],
    p: [p(q.price), p(q.price)],
    t: [56819, 62596],
    l: [p(q.low), p(q.low)],
    h: [p(q.high), p(q.high)],
    o: p(q.open),
  };
}

function error(messages: string[]): SimResponse {
  return json(200, { error: messages });
}

function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/0/public/Ticker") return error(["EGeneral:Unknown method"]);
  const pairParam = req.query.get("pair");
  const result: Record<string, unknown> = {};
  const pairs: Market[] = [];
  if (pairParam === null || pairParam === "") {
    for (const t of allTickers(req.market, "kraken")) {
      result[krakenPairKey(t.market)] = render(t.quote);
      pairs.push(t.market);
    }
    return json(200, { error: [], result }, { pairs });
  }
  for (const sym of pairParam.split(",")) {
    const r = lookup(req.market, "kraken", sym.trim());
    if (r.kind === "unknown") return error(["EQuery:Unknown asset pair"]);
    if (r.kind === "unavailable") return error(["EService:Unavailable"]);
    result[krakenPairKey(r.market)] = render(r.quote);
    pairs.push(r.market);
  }
  return json(200, { error: [], result }, { pairs });
}

export const kraken: VenueApi = {
  id: "kraken",
  handle,
  rateLimited() {
    return error(["EGeneral:Too many requests"]);
  },
};
