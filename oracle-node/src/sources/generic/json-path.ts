import { isRecord } from "../extract";

/**
 * A small JSON path: dotted keys and [n] array indices ("rates.USD", "[0].last",
 * "current.temperature_2m"). Returns where the walk stopped, so a missing last key (the API
 * has no such currency) can be told from a missing branch (the payload has another shape).
 */
export type PathResult = { found: true; value: unknown } | { found: false; missingLast: boolean; at: string };

const TOKEN_RE = /([^.[\]]+)|\[(\d+)\]/g;

export function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(TOKEN_RE)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  if (out.length === 0) throw new Error(`empty JSON path: ${JSON.stringify(path)}`);
  return out;
}

export function walkPath(root: unknown, path: string): PathResult {
  const steps = parsePath(path);
  let cur = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    const shapeOk = typeof step === "number" ? Array.isArray(cur) : isRecord(cur);
    if (!shapeOk) return { found: false, missingLast: false, at: String(step) };
    const next =
      typeof step === "number"
        ? (cur as unknown[])[step]
        : Object.prototype.hasOwnProperty.call(cur, step)
          ? (cur as Record<string, unknown>)[step]
          : undefined;
    if (next === undefined) return { found: false, missingLast: last, at: String(step) };
    cur = next;
  }
  return { found: true, value: cur };
}
