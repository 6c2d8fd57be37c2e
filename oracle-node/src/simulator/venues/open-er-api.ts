import { assetBySymbol } from "../assets";
import { json, num, serviceUnavailable, type SimResponse } from "../response";
import type { Market } from "../symbols";
import type { VenueApi, VenueRequest } from "./venue";

/**
 * open.er-api.com: GET /v6/latest/{USD} -> {"result":"success",...,"time_last_update_unix",
 * "base_code","rates":{...}}; unknown base {"result":"error","error-type":"unsupported-code"}.
 */
const LATEST_RE = /^\/v6\/latest\/([A-Za-z]+)$/;
const FIAT = ["USD", "EUR", "GBP", "JPY", "CHF"];
const DAY_S = 86_400;

function handle(req: VenueRequest): SimResponse {
  const m = LATEST_RE.exec(req.path);
  if (!m) return json(404, { result: "error", "error-type": "unknown-endpoint" });
  const base = m[1].toUpperCase();
  if (assetBySymbol(base)?.kind !== "fiat") return json(404, { result: "error", "error-type": "unsupported-code" });
  const rates: Record<string, unknown> = { [base]: 1 };
  const pairs: Market[] = [];
  let updated = 0;
  for (const c of FIAT) {
    if (c === base) continue;
    const pair = { base, quote: c };
    const r = req.market.ticker("open-er-api", pair);
    if (r.kind === "unavailable") return serviceUnavailable();
    if (r.kind !== "ok") continue;
    rates[c] = num(r.quote.price);
    updated = Math.floor(r.quote.timestampMs / 1000);
    pairs.push(pair);
  }
  const utc = (s: number): string => new Date(s * 1000).toUTCString().replace("GMT", "+0000");
  return json(
    200,
    {
      result: "success",
      provider: "https://www.exchangerate-api.com",
      documentation: "https://www.exchangerate-api.com/docs/free",
      terms_of_use: "https://www.exchangerate-api.com/terms",
      time_last_update_unix: updated,
      time_last_update_utc: utc(updated),
      time_next_update_unix: updated + DAY_S,
      time_next_update_utc: utc(updated + DAY_S),
      time_eol_unix: 0,
      base_code: base,
      rates,
    },
    { pairs },
  );
}

export const openErApi: VenueApi = {
  id: "open-er-api",
  handle,
  rateLimited(retryAfterS) {
    return json(429, { result: "error", "error-type": "rate-limited" }, { headers: { "Retry-After": String(retryAfterS) } });
  },
};
