import { assetBySymbol } from "../assets";
import { json, num, serviceUnavailable, type SimResponse } from "../response";
import type { Market } from "../symbols";
import type { VenueApi, VenueRequest } from "./venue";

/**
 * Frankfurter (ECB rates): GET /v1/latest?from=EUR&to=USD (also base= / symbols=; no `to` =
 * every currency) -> {"amount":1.0,"base":"EUR","date":"2024-03-22","rates":{"USD":1.0823}}.
 * Unknown currency 404 {"message":"not found"}; same currency twice 422 "bad currency pair".
 */
function isFiat(code: string): boolean {
  return assetBySymbol(code)?.kind === "fiat";
}

const FIAT = ["USD", "EUR", "GBP", "JPY", "CHF"];

function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/v1/latest") return json(404, { message: "not found" });
  const from = (req.query.get("from") ?? req.query.get("base") ?? "EUR").toUpperCase();
  const toParam = req.query.get("to") ?? req.query.get("symbols");
  if (!isFiat(from)) return json(404, { message: "not found" });
  const to = toParam === null || toParam === "" ? FIAT.filter((c) => c !== from) : toParam.split(",").map((s) => s.trim().toUpperCase());
  if (to.some((c) => !isFiat(c))) return json(404, { message: "not found" });
  if (to.includes(from)) return json(422, { message: "bad currency pair" });
  const rates: Record<string, unknown> = {};
  const pairs: Market[] = [];
  let date = "";
  for (const c of to) {
    const m = { base: from, quote: c };
    const r = req.market.ticker("frankfurter", m);
    if (r.kind === "unavailable") return serviceUnavailable();
    if (r.kind !== "ok") return json(404, { message: "not found" });
    rates[c] = num(r.quote.price);
    date = new Date(r.quote.timestampMs).toISOString().slice(0, 10);
    pairs.push(m);
  }
  return json(200, { amount: num("1.0"), base: from, date, rates }, { pairs });
}

export const frankfurter: VenueApi = {
  id: "frankfurter",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { message: "too many requests" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
