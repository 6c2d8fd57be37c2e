import { z } from "zod";
import { canonicalPair, splitPair } from "./assets";
import type { VenueQuote } from "./price-model";
import { acceptingAliases, SIMULATED_SOURCE_IDS } from "./vocabulary";

/**
 * Injectable misbehaviour of one venue (or several, for a pump). An attack changes what a venue
 * serves, never the fair price: the oracle is right when it ignores it. Each kind mirrors a
 * failure seen in production feeds. The kinds are ATTACK_KINDS (vocabulary.ts), the names the
 * training generator uses too; JSON input may use the aliases listed there ("frozen", "huobi").
 */
const venueId = z.enum(SIMULATED_SOURCE_IDS);
const pairText = z
  .string()
  .regex(/^[A-Za-z0-9]+\/[A-Za-z0-9]+$/, "pair must look like BASE/QUOTE")
  .optional()
  .describe("limit the attack to one pair; default every pair of the venue");
const duration = z.number().positive().optional().describe("ms until the attack ends by itself; default until cleared");

export const GARBAGE_MODES = ["malformed-json", "html", "empty", "nan", "negative", "zero", "huge"] as const;
export type GarbageMode = (typeof GARBAGE_MODES)[number];

const attackUnion = z.discriminatedUnion("kind", [
  /** The venue trades x % away from the market (one venue's book pushed). */
  z.strictObject({ kind: z.literal("spike"), venue: venueId, pair: pairText, pct: z.number().gt(-100), durationMs: duration }),
  /** The venue falls pct % with an almost empty book: spread x20, volume x0.05. */
  z.strictObject({ kind: z.literal("flash-crash"), venue: venueId, pair: pairText, pct: z.number().gt(0).lt(100).default(87), durationMs: duration }),
  /** The venue keeps serving its last quote and its timestamp. */
  z.strictObject({ kind: z.literal("freeze"), venue: venueId, pair: pairText, durationMs: duration }),
  /** The venue drifts away from the market, pctPerMinute compounding from the injection time. */
  z.strictObject({
    kind: z.literal("drift"),
    venue: venueId,
    pair: pairText,
    pctPerMinute: z.number().refine((x) => x !== 0, "must not be 0"),
    durationMs: duration,
  }),
  /** A unit or exponent error: every price multiplied by factor (100, 1e-8, ...). */
  z.strictObject({ kind: z.literal("unit-error"), venue: venueId, pair: pairText, factor: z.number().positive(), durationMs: duration }),
  /** Several thin venues pumped together: +pct with wide spreads and wash-traded volume. */
  z.strictObject({
    kind: z.literal("pump"),
    venues: z.array(venueId).min(1),
    pair: pairText,
    pct: z.number().gt(-100),
    spreadFactor: z.number().positive().default(6),
    volumeFactor: z.number().positive().default(4),
    durationMs: duration,
  }),
  /** The venue answers with garbage: broken JSON, an HTML page, an empty body or absurd values. */
  z.strictObject({ kind: z.literal("garbage"), venue: venueId, pair: pairText, mode: z.enum(GARBAGE_MODES), durationMs: duration }),
]);

/** Validates an attack; accepts the vocabulary's aliases for kinds and venues. */
export const attackSchema = acceptingAliases(attackUnion);

export type AttackInput = z.input<typeof attackUnion>;
export type Attack = z.output<typeof attackUnion>;

export interface ActiveAttack {
  id: number;
  attack: Attack;
  startedAt: number;
  endsAt: number;
}

export function attackVenues(a: Attack): readonly string[] {
  return a.kind === "pump" ? a.venues : [a.venue];
}

/** Does an active attack apply to this venue and canonical pair ("BTC/USD")? */
export function attackApplies(a: ActiveAttack, venue: string, pairKey: string, now: number): boolean {
  if (now >= a.endsAt || now < a.startedAt) return false;
  if (!attackVenues(a.attack).includes(venue)) return false;
  if (a.attack.pair === undefined) return true;
  const { base, quote } = splitPair(a.attack.pair);
  return canonicalPair(base, quote) === pairKey;
}

/** The value-level change an attack makes to a quote (freeze and structural garbage excepted). */
export function applyAttack(q: VenueQuote, a: ActiveAttack, now: number): VenueQuote {
  const attack = a.attack;
  switch (attack.kind) {
    case "spike":
      return scaleQuote(q, 1 + attack.pct / 100, 3, 1);
    case "flash-crash":
      return scaleQuote(q, 1 - attack.pct / 100, 20, 0.05);
    case "drift": {
      const minutes = (now - a.startedAt) / 60_000;
      return scaleQuote(q, (1 + attack.pctPerMinute / 100) ** minutes, 1, 1);
    }
    case "unit-error":
      return scaleQuote(q, attack.factor, 1, 1);
    case "pump":
      return scaleQuote(q, 1 + attack.pct / 100, attack.spreadFactor, attack.volumeFactor);
    case "garbage":
      return garbleValues(q, attack.mode);
    case "freeze":
      return q;
  }
}

/** Multiplies the price, widens the spread around it and scales the volume; keeps the tick. */
export function scaleQuote(q: VenueQuote, factor: number, spreadFactor: number, volumeFactor: number): VenueQuote {
  const d = decimalsOf(q.price);
  // A x1e-8 unit error needs more digits than the pair's tick to stay non-zero.
  const digits = Math.min(18, d + Math.max(0, Math.ceil(-Math.log10(factor))));
  const price = Number(q.price) * factor;
  const half = ((Number(q.ask) - Number(q.bid)) / 2) * factor * spreadFactor;
  const fmt = (x: number): string => x.toFixed(digits);
  return {
    ...q,
    price: fmt(price),
    bid: fmt(Math.min(price - half, price)),
    ask: fmt(Math.max(price + half, price)),
    open: fmt(Number(q.open) * factor),
    high: fmt(Math.max(Number(q.high) * factor, price + half)),
    low: fmt(Math.min(Number(q.low) * factor, price - half)),
    volume: (Number(q.volume) * volumeFactor).toFixed(4),
    quoteVolume: (Number(q.volume) * volumeFactor * price).toFixed(2),
  };
}

function garbleValues(q: VenueQuote, mode: GarbageMode): VenueQuote {
  switch (mode) {
    case "nan":
      return { ...q, price: "NaN", bid: "NaN", ask: "NaN" };
    case "negative":
      return { ...q, price: `-${q.price}`, bid: `-${q.ask}`, ask: `-${q.bid}` };
    case "zero":
      return { ...q, price: "0", bid: "0", ask: "0" };
    case "huge":
      // 10^18 times the real price: a magnitude no asset has.
      return { ...q, price: `${q.price}e18`, bid: `${q.bid}e18`, ask: `${q.ask}e18` };
    default:
      return q;
  }
}

/** Structural garbage replaces the whole answer; null = the mode only changes values. */
export function garbleBody(body: string, mode: GarbageMode): { body: string; contentType: string } | null {
  switch (mode) {
    case "malformed-json":
      return { body: body.slice(0, Math.max(1, Math.floor(body.length / 2))), contentType: "application/json" };
    case "html":
      return {
        body: "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>",
        contentType: "text/html; charset=UTF-8",
      };
    case "empty":
      return { body: "", contentType: "application/json" };
    default:
      return null;
  }
}

function decimalsOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}
