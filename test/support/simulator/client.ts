/** Test support for the venue simulator's suites: a plain HTTP client and a JSON shape helper. */
import type { Simulator } from "../../../oracle-node/src/simulator/simulator";

/** One GET against the simulator, body read as text and (when it parses) as JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function get(sim: Simulator, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, init);
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * The type skeleton of a JSON value: object keys (sorted) with their skeletons, arrays as the
 * skeletons of their items, leaves as their JSON type. Two answers in the same format have the
 * same skeleton whatever their values.
 */
export function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shapeOf);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shapeOf((v as Record<string, unknown>)[k])]),
    );
  }
  return v === null ? "null" : typeof v;
}
