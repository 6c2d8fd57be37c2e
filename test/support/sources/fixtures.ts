import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FailureClass } from "../../../oracle-node/src/quotes/quote";
import type { Canned } from "./fixture-server";

/**
 * Recorded example answers per venue (oracle-node/src/sources/fixtures/<source>.json), in the
 * shapes of docs/sources.md#venue-reference: the success answer, what it must normalize to, each
 * documented error answer and its failure class, and a batch answer where the venue batches.
 */
export interface VenueFixture {
  source: string;
  doc: string;
  pair: string;
  symbol: string;
  /** Documented path and query the adapter must request for `pair`. */
  path: string;
  /** "Now" for validation, just after the fixture's own timestamp. */
  now: number;
  ok: Canned & { status: number };
  /** JSON paths (in the ok body) of the price, bid, ask and timestamp fields, for mutation tests. */
  fields: { price: string; bid?: string; ask?: string; timestamp?: string };
  expect: { price: string; bid: string | null; ask: string | null; volume: string | null; timestamp: number | null };
  errors: Array<Canned & { name: string; status: number; failure: FailureClass; retryAfterMs?: number }>;
  batch?: { pairs: string[]; path: string; body?: unknown; text?: string; expect: string[] };
  /** The every-market answer, for venues without a batch query (asked from ALL_MARKETS_MIN_SYMBOLS pairs). */
  allMarkets?: { pairs: string[]; path: string; body?: unknown; text?: string; expect: string[] };
}

export const FIXTURE_DIR = join(__dirname, "..", "..", "..", "oracle-node", "src", "sources", "fixtures");

export function loadFixture(source: string): VenueFixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${source}.json`), "utf8")) as VenueFixture;
}

/** The ok body as a JSON value (parsing `text` when the fixture keeps raw text). */
export function okBody(f: VenueFixture): unknown {
  return f.ok.text !== undefined ? JSON.parse(f.ok.text) : structuredClone(f.ok.body);
}
