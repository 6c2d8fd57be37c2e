import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILURE_CLASSES, SourceError } from "../quotes/quote";
import { validateQuote } from "../quotes/validate";
import { createGenericCsvSource } from "./generic/csv-source";
import { FRANKFURTER, OPEN_METEO_BERLIN, STOOQ } from "./generic/examples";
import { createGenericJsonSource } from "./generic/json-source";
import { SOURCE_IDS, getAdapter } from "./registry";
import { startFixtureServer, type Canned, type FixtureServer } from "../../../test/support/sources/fixture-server";
import { loadFixture, okBody } from "../../../test/support/sources/fixtures";
import { mutate, rng } from "../../../test/support/sources/mutate";
import type { SourceAdapter } from "./types";

/**
 * Fuzz: mutated and malformed venue answers (truncated JSON, wrong types, huge numbers,
 * missing fields, arrays for objects, HTML error pages, random bytes, hostile nesting) through
 * every adapter over real HTTP. No exception may escape; every answer ends as a valid quote or
 * a classified failure.
 */
const PER_SOURCE = 560;
const SEED = 20_260_401;
/** About 10 s on an idle 2-core machine; leave room for a CI box running every suite at once. */
const FUZZ_TIMEOUT_MS = 180_000;

interface Target {
  id: string;
  adapter: SourceAdapter;
  /** Pairs asked in each fetch: one, or a venue's batch. */
  pairs: string[];
  now: number;
  answers: Canned[];
}

const targets: Target[] = [];
const servers: FixtureServer[] = [];

beforeAll(async () => {
  const r = rng(SEED);
  for (const id of SOURCE_IDS) {
    const f = loadFixture(id);
    const multi = f.batch ?? f.allMarkets;
    if (multi) {
      // Batching venues: half the answers mutate the single answer, half the batch (or every-market) answer.
      const half = PER_SOURCE / 2;
      const multiBody = multi.text !== undefined ? JSON.parse(multi.text) : multi.body;
      targets.push({ id, adapter: getAdapter(id), pairs: [f.pair], now: f.now, answers: Array.from({ length: half }, () => mutate(okBody(f), r)) });
      targets.push({
        id: `${id}-batch`,
        adapter: getAdapter(id),
        pairs: multi.pairs,
        now: f.now,
        answers: Array.from({ length: half }, () => mutate(multiBody, r)),
      });
    } else {
      targets.push({ id, adapter: getAdapter(id), pairs: [f.pair], now: f.now, answers: Array.from({ length: PER_SOURCE }, () => mutate(okBody(f), r)) });
    }
  }
  const fx = { amount: 1.0, base: "EUR", date: "2024-03-22", rates: { USD: 1.0823 } };
  targets.push({
    id: "frankfurter",
    adapter: createGenericJsonSource(FRANKFURTER),
    pairs: ["EUR/USD"],
    now: Date.parse("2024-03-23T00:00:00Z"),
    answers: Array.from({ length: PER_SOURCE }, () => mutate(fx, r)),
  });
  const meteo = { current: { time: 1711368000, interval: 900, temperature_2m: 8.4 } };
  targets.push({
    id: "open-meteo",
    adapter: createGenericJsonSource(OPEN_METEO_BERLIN),
    pairs: ["BERLIN/KELVIN"],
    now: 1711368060_000,
    answers: Array.from({ length: PER_SOURCE }, () => mutate(meteo, r)),
  });
  const csv = ["Symbol", "Date", "Time", "Open", "High", "Low", "Close", "Volume"];
  const row = ["AAPL.US", "2024-03-22", "22:00:09", "171.76", "173.05", "170.06", "172.28", "71160138"];
  targets.push({
    id: "stooq",
    adapter: createGenericCsvSource(STOOQ),
    pairs: ["AAPL/USD"],
    now: Date.parse("2024-03-23T00:00:00Z"),
    answers: Array.from({ length: PER_SOURCE }, () => {
      const m = mutate([csv, row], r);
      const rows = (() => {
        try {
          return JSON.parse(m.text ?? JSON.stringify(m.body)) as unknown;
        } catch {
          return undefined;
        }
      })();
      const text = Array.isArray(rows) ? rows.map((x) => (Array.isArray(x) ? x.map(String).join(",") : String(x))).join("\r\n") : (m.text ?? "");
      return { status: m.status, text };
    }),
  });
  // Fetch n goes to base URL .../fuzz<n>: every request of that fetch (batch fallbacks
  // included) gets answer n, and no memory an adapter keeps per base URL carries over.
  for (const t of targets) {
    servers.push(await startFixtureServer((path) => t.answers[Number(/^\/fuzz(\d+)\//.exec(path)?.[1] ?? -1)] ?? { status: 404, text: "" }));
  }
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("fuzz: mutated payloads across the adapters", () => {
  it(
    `${PER_SOURCE} mutated answers per source (${SOURCE_IDS.length + 3} sources, batches included): never throws, always a quote or a classified failure`,
    async () => {
      const tally = new Map<string, number>();
      let total = 0;
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on("unhandledRejection", onUnhandled);
      try {
        await Promise.all(
          targets.map(async (t, k) => {
            const server = servers[k];
            for (let n = 0; n < t.answers.length; n++) {
              const results = await t.adapter.fetch(
                t.pairs.map((pair) => ({ pair })),
                { baseUrl: `${server.baseUrl}/fuzz${n}`, timeoutMs: 2_000, now: () => t.now, maxRetries: 0 },
              );
              expect(results).toHaveLength(t.pairs.length);
              results.forEach((res, i) => {
                total += 1;
                if (res.ok) {
                  expect(validateQuote(res.quote, { now: t.now, maxAgeMs: 7 * 86_400_000 })).toBeNull();
                  expect(res.quote.pair).toBe(t.pairs[i]);
                  tally.set("ok", (tally.get("ok") ?? 0) + 1);
                } else {
                  expect(res.error).toBeInstanceOf(SourceError);
                  expect(FAILURE_CLASSES).toContain(res.error.failure);
                  tally.set(res.error.failure, (tally.get(res.error.failure) ?? 0) + 1);
                }
              });
            }
          }),
        );
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
      expect(unhandled).toEqual([]);
      // The mutations really exercise the classes, not one catch-all.
      for (const c of ["ok", "malformed", "invalid-value", "http-error", "rate-limited", "unknown-symbol"]) expect(tally.get(c) ?? 0, c).toBeGreaterThan(0);
      const answers = targets.reduce((n, t) => n + t.answers.length, 0);
      expect(answers).toBeGreaterThanOrEqual(10_000);
      console.log(`fuzz: ${answers} answers, ${total} results ->`, Object.fromEntries([...tally].sort()));
    },
    FUZZ_TIMEOUT_MS,
  );
});
