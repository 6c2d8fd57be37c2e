import { assetByCoingeckoId } from "../assets";
import { json, num, serviceUnavailable, type SimResponse } from "../response";
import type { Market } from "../symbols";
import { lookup, type VenueApi, type VenueRequest } from "./venue";

/**
 * CoinGecko: GET /api/v3/simple/price?ids=bitcoin,ethereum&vs_currencies=usd,eur
 * [&include_last_updated_at=true][&include_24hr_vol=true][&include_24hr_change=true].
 * Coins by id, JSON numbers, seconds. Unknown ids are left out (200 {}); 429 with a status body.
 */
function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/api/v3/simple/price") return json(404, { error: "Not Found" });
  const ids = req.query.get("ids");
  const vs = req.query.get("vs_currencies");
  if (ids === null || ids === "") return json(400, { error: "Missing parameter ids" });
  if (vs === null || vs === "") return json(400, { error: "Missing parameter vs_currencies" });
  const withTime = req.query.get("include_last_updated_at") === "true";
  const withVol = req.query.get("include_24hr_vol") === "true";
  const withChange = req.query.get("include_24hr_change") === "true";
  const out: Record<string, Record<string, unknown>> = {};
  const pairs: Market[] = [];
  for (const id of ids.split(",").map((s) => s.trim().toLowerCase())) {
    const asset = assetByCoingeckoId(id);
    if (!asset) continue;
    const entry: Record<string, unknown> = {};
    let updated = 0;
    for (const cur of vs.split(",").map((s) => s.trim().toLowerCase())) {
      const r = lookup(req.market, "coingecko", `${asset.symbol}/${cur.toUpperCase()}`);
      if (r.kind === "unavailable") return serviceUnavailable();
      if (r.kind !== "ok") continue;
      entry[cur] = num(r.quote.price);
      if (withVol) entry[`${cur}_24h_vol`] = num(r.quote.quoteVolume);
      if (withChange) entry[`${cur}_24h_change`] = num(((Number(r.quote.price) / Number(r.quote.open) - 1) * 100).toFixed(6));
      updated = Math.max(updated, Math.floor(r.quote.timestampMs / 1000));
      pairs.push(r.market);
    }
    if (withTime && updated > 0) entry.last_updated_at = updated;
    out[id] = entry;
  }
  return json(200, out, { pairs });
}

export const coingecko: VenueApi = {
  id: "coingecko",
  handle,
  rateLimited(retryAfterS) {
    return json(
      429,
      {
        status: {
          error_code: 429,
          error_message:
            "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.",
        },
      },
      { headers: { "Retry-After": String(retryAfterS) } },
    );
  },
};
