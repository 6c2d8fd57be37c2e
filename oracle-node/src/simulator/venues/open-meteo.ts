import { json, num, type SimResponse } from "../response";
import { WEATHER_VARIABLES, type WeatherVariable } from "../price-model";
import type { VenueApi, VenueRequest } from "./venue";

/**
 * Open-Meteo: GET /v1/forecast?latitude=52.52&longitude=13.41&current=temperature_2m
 * [&timeformat=unixtime]. `current.time` is the start of the 15-minute interval (ISO minute, or
 * unix seconds with timeformat=unixtime). Errors 400/429 {"error":true,"reason":"..."}.
 */
const INTERVAL_S = 900;

function bad(reason: string): SimResponse {
  return json(400, { error: true, reason });
}

function coordinate(raw: string | null, name: string, limit: number): number | SimResponse {
  if (raw === null || raw === "") return bad(`Parameter '${name}' is required`);
  const v = Number(raw);
  if (!Number.isFinite(v)) return bad(`Cannot initialize Float from invalid String value ${raw} for key ${name}`);
  if (Math.abs(v) > limit) return bad(`${name[0].toUpperCase()}${name.slice(1)} must be in range of -${limit} to ${limit}°. Given: ${v}.`);
  return v;
}

function handle(req: VenueRequest): SimResponse {
  if (req.path !== "/v1/forecast") return json(404, { error: true, reason: "Not Found" });
  const lat = coordinate(req.query.get("latitude"), "latitude", 90);
  if (typeof lat !== "number") return lat;
  const lon = coordinate(req.query.get("longitude"), "longitude", 180);
  if (typeof lon !== "number") return lon;
  const vars = (req.query.get("current") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const v of vars) {
    if (!(v in WEATHER_VARIABLES)) return bad(`Cannot initialize ForecastVariable from invalid String value ${v} for key current`);
  }
  const unix = req.query.get("timeformat") === "unixtime";
  const current: Record<string, unknown> = {};
  const units: Record<string, string> = { time: unix ? "unixtime" : "iso8601", interval: "seconds" };
  let stepMs = req.market.now();
  const values: Record<string, unknown> = {};
  for (const v of vars as WeatherVariable[]) {
    const w = req.market.weather(v, lat, lon);
    values[v] = num(w.value);
    units[v] = WEATHER_VARIABLES[v];
    stepMs = w.timestampMs;
  }
  const slot = Math.floor(stepMs / 1000 / INTERVAL_S) * INTERVAL_S;
  current.time = unix ? slot : new Date(slot * 1000).toISOString().slice(0, 16);
  current.interval = INTERVAL_S;
  Object.assign(current, values);
  return json(200, {
    latitude: num(lat.toFixed(2)),
    longitude: num(lon.toFixed(2)),
    generationtime_ms: 0.02,
    utc_offset_seconds: 0,
    timezone: "GMT",
    timezone_abbreviation: "GMT",
    elevation: num("38.0"),
    ...(vars.length > 0 ? { current_units: units, current } : {}),
  });
}

export const openMeteo: VenueApi = {
  id: "open-meteo",
  handle,
  rateLimited(retryAfterS) {
    return json(
      429,
      { error: true, reason: "Minutely API request limit exceeded. Please try again in one minute." },
      { headers: { "Retry-After": String(retryAfterS) } },
    );
  },
};
