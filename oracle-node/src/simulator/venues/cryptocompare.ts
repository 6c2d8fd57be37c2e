import { assetBySymbol } from "../assets";
import { json, num, serviceUnavailable, type SimResponse } from "../response";
import type { Market } from "../symbols";
import { lookup, type VenueApi, type VenueRequest } from "./venue";

/**
 * CryptoCompare: GET /data/price?fsym=BTC&tsyms=USD,EUR -> {"USD":67187.33,...} and the batch
 * /data/pricemulti?fsyms=BTC,ETH&tsyms=USD -> {"BTC":{"USD":...},...}. JSON numbers, no
 * timestamp. Every error is HTTP 200 {"Response":"Error",...}; Type 99 = rate limit.
 */
function error(message: string, param: string): SimResponse {
  return json(200, { Response: "Error", Message: message, HasWarning: false, Type: 2, RateLimit: {}, Data: {}, ParamWithError: param });
}

/** Prices of one coin in each requested currency; a string = the error message. */
function prices(req: VenueRequest, fsym: string, tsyms: string[], pairs: Market[]): Record<string, unknown> | "unavailable" | null {
  if (!assetBySymbol(fsym)) return null;
  const out: Record<string, unknown> = {};
  for (const t of tsyms) {
    const r = lookup(req.market, "cryptocompare", `${fsym}/${t}`);
    if (r.kind === "unavailable") return "unavailable";
    if (r.kind !== "ok") continue;
    out[t] = num(r.quote.price);
    pairs.push(r.market);
  }
  return out;
}

function handle(req: VenueRequest): SimResponse {
  const multi = req.path === "/data/pricemulti";
  if (req.path !== "/data/price" && !multi) return error("Path does not exist", "path");
  const fParam = multi ? "fsyms" : "fsym";
  const f = req.query.get(fParam);
  const t = req.query.get("tsyms");
  if (f === null || f === "") return error(`${fParam} is a required param.`, fParam);
  if (t === null || t === "") return error("tsyms is a required param.", "tsyms");
  const tsyms = t.split(",").map((s) => s.trim().toUpperCase());
  const fsyms = multi ? f.split(",").map((s) => s.trim().toUpperCase()) : [f.trim().toUpperCase()];
  const pairs: Market[] = [];
  const out: Record<string, unknown> = {};
  for (const fsym of fsyms) {
    const p = prices(req, fsym, tsyms, pairs);
    if (p === "unavailable") return serviceUnavailable();
    if (p === null) {
      if (!multi) return error(`There is no data for the symbol ${fsym} .`, "fsym");
      continue;
    }
    if (Object.keys(p).length === 0) return error(`There is no data for any of the toSymbols ${tsyms.join(",")} .`, "tsyms");
    if (!multi) return json(200, p, { pairs });
    out[fsym] = p;
  }
  if (Object.keys(out).length === 0) return error(`There is no data for the symbol ${fsyms.join(",")} .`, "fsyms");
  return json(200, out, { pairs });
}

export const cryptocompare: VenueApi = {
  id: "cryptocompare",
  handle,
  rateLimited() {
    return json(200, {
      Response: "Error",
      Message: "You are over your rate limit please upgrade your account!",
      HasWarning: false,
      Type: 99,
      RateLimit: { calls_made: { second: 51, minute: 51, hour: 51 }, max_calls: { second: 50, minute: 2500, hour: 25000 } },
      Data: {},
    });
  },
};
