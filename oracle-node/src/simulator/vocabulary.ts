import { z } from "zod";

/**
 * The one vocabulary of venues and misbehaviour, shared by the venue simulator, its control API
 * and the training generator (models/generator). Venue ids are the node's adapter ids
 * (docs/sources.md#<venue-id>). Older names are accepted as input aliases and mapped here.
 */
export const CRYPTO_VENUE_IDS = [
  "binance",
  "coinbase",
  "coinbase-spot",
  "kraken",
  "bitstamp",
  "bitfinex",
  "okx",
  "bybit",
  "gemini",
  "kucoin",
  "gateio",
  "htx",
  "cryptocom",
  "coingecko",
  "cryptocompare",
] as const;

/** The non-crypto APIs the generic JSON/CSV sources talk to. */
export const DATA_API_IDS = ["frankfurter", "open-er-api", "open-meteo", "stooq"] as const;

export const SIMULATED_SOURCE_IDS = [...CRYPTO_VENUE_IDS, ...DATA_API_IDS] as const;

export type CryptoVenueId = (typeof CRYPTO_VENUE_IDS)[number];
export type DataApiId = (typeof DATA_API_IDS)[number];
export type SimulatedSourceId = (typeof SIMULATED_SOURCE_IDS)[number];

/** Other names of a venue: Huobi renamed itself HTX (its API host is still api.huobi.pro). */
export const VENUE_ALIASES: Readonly<Record<string, SimulatedSourceId>> = { huobi: "htx" };

export function isSimulatedSourceId(id: string): id is SimulatedSourceId {
  return (SIMULATED_SOURCE_IDS as readonly string[]).includes(id);
}

/** The canonical id for a venue id or alias; undefined when unknown. */
export function venueIdFrom(name: string): SimulatedSourceId | undefined {
  if (isSimulatedSourceId(name)) return name;
  return Object.hasOwn(VENUE_ALIASES, name) ? VENUE_ALIASES[name] : undefined;
}

/**
 * What a venue says wrong when it does answer (simulator attacks, generator attack families).
 * The order is not part of any seeded stream: the generator keeps its own ordered list.
 */
export const ATTACK_KINDS = ["spike", "flash-crash", "freeze", "drift", "unit-error", "pump", "garbage"] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/** The generator's former names for two kinds. */
export const ATTACK_KIND_ALIASES: Readonly<Record<string, AttackKind>> = { frozen: "freeze", "slow-drift": "drift" };

/** The canonical attack kind for a name or alias; undefined when unknown. */
export function attackKindFrom(name: string): AttackKind | undefined {
  if ((ATTACK_KINDS as readonly string[]).includes(name)) return name as AttackKind;
  return Object.hasOwn(ATTACK_KIND_ALIASES, name) ? ATTACK_KIND_ALIASES[name] : undefined;
}

/** How a venue's whole transport misbehaves: 5xx, reset connections, hanging requests, or a mix. */
export const OUTAGE_KINDS = ["none", "5xx", "reset", "hang", "flaky"] as const;
export type OutageKind = (typeof OUTAGE_KINDS)[number];

const canonicalVenue = (v: unknown): unknown => (typeof v === "string" ? (venueIdFrom(v) ?? v) : v);

/**
 * Wraps a control-API body schema so JSON input may use the aliases: `kind` (attack kinds),
 * `venue` and `venues` are mapped to their canonical names before validation. TypeScript callers
 * use the canonical names (the input type is the wrapped schema's).
 */
export function acceptingAliases<T extends z.ZodType>(schema: T) {
  return z.preprocess((input) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
    const out: Record<string, unknown> = { ...input };
    if (typeof out.kind === "string") out.kind = attackKindFrom(out.kind) ?? out.kind;
    if ("venue" in out) out.venue = canonicalVenue(out.venue);
    if (Array.isArray(out.venues)) out.venues = out.venues.map(canonicalVenue);
    return out;
  }, schema);
}
