import type { Canned } from "./fixture-server";
import { Rng } from "../../../oracle-node/src/simulator/rng";

/**
 * Payload mutations for the fuzz test: what broken, hostile or half-delivered venue answers
 * look like. Deterministic for a seed so a failure can be replayed.
 */
export function rng(seed: number): () => number {
  const source = new Rng(seed);
  return () => source.next();
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const WEIRD_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  "",
  "NaN",
  "Infinity",
  "-0",
  "1e400",
  "1".repeat(400),
  "0x1F",
  "1,234.5",
  " 12 ",
  [],
  {},
  [1, 2],
  { v: "1" },
  "67123.45\u0000",
  1e308,
  -1e-320,
  // 2^53 + 1 on purpose: a number JSON.parse cannot hold exactly.
  // eslint-disable-next-line no-loss-of-precision
  9007199254740993,
  "\u202e1.0",
  "١٢٣",
];

const STATUSES = [200, 200, 200, 200, 400, 403, 404, 418, 429, 500, 502, 503, 520] as const;

function mutateValue(v: unknown, r: () => number, depth = 0): unknown {
  if (depth > 6) return v;
  if (Array.isArray(v)) {
    const a = v.map((x) => (r() < 0.3 ? mutateValue(x, r, depth + 1) : x));
    if (r() < 0.1) a.pop();
    if (r() < 0.05) a.push(pick(r, WEIRD_VALUES));
    return r() < 0.05 ? { ...a } : a;
  }
  if (v !== null && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (r() < 0.08) continue; // missing field
      o[r() < 0.03 ? k.toUpperCase() : k] = r() < 0.3 ? mutateValue(x, r, depth + 1) : x;
    }
    return r() < 0.05 ? Object.values(o) : o;
  }
  if (r() < 0.5) return pick(r, WEIRD_VALUES);
  if (typeof v === "string" && r() < 0.5) return v.slice(0, Math.floor(r() * v.length)) + pick(r, ["", "x", ".", "e", "-", '"']);
  if (typeof v === "number") return pick(r, [-v, v * 1e30, v / 1e30, Math.floor(v)]);
  return v;
}

/** One mutated answer derived from a venue's recorded body. */
export function mutate(body: unknown, r: () => number): Canned {
  const text = JSON.stringify(body);
  const status = pick(r, STATUSES);
  const k = r();
  if (k < 0.15) return { status, text: text.slice(0, Math.floor(r() * text.length)) }; // truncated JSON
  if (k < 0.22) return { status, text: `<!DOCTYPE html><html><head><title>${status}</title></head><body>cf-ray error</body></html>` };
  if (k < 0.26) return { status, text: Array.from({ length: 1 + Math.floor(r() * 64) }, () => String.fromCharCode(Math.floor(r() * 256))).join("") };
  if (k < 0.3) return { status, text: "[".repeat(300 + Math.floor(r() * 2000)) };
  if (k < 0.34) return { status, text: text.replace(/\d+(\.\d+)?/g, () => (r() < 0.5 ? "9".repeat(40) + ".5" : "1e999")) };
  if (k < 0.38) return { status, body: [body] };
  if (k < 0.41) return { status, text: "" };
  return { status: r() < 0.85 ? 200 : status, text: JSON.stringify(mutateValue(body, r)) };
}
