import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDecimal } from "../quotes/decimal";
import { startSimulator, type Simulator } from "../simulator";
import { createGenericCsvSource, createGenericJsonSource, getAdapter, isSourceId } from "../sources/registry";
import type { SourceAdapter } from "../sources/types";
import { genericSource, loadConfig, resolveBaseUrl, resolveSymbol, type NodeConfig } from ".";

/**
 * config/local.yaml works as shipped: every source of every feed, built-in or generic, resolved
 * the way the node resolves it (base URL template, symbols), answers from the simulator with the
 * value the simulator serves.
 */
let sim: Simulator;
let cfg: NodeConfig;
beforeAll(async () => {
  sim = await startSimulator({ seed: 31, clock: "manual", rateLimits: "off" });
  cfg = loadConfig("config/local.yaml", { env: { SIM_PORT: String(sim.port) } });
});
afterAll(() => sim.close());

function adapterFor(id: string): SourceAdapter {
  if (isSourceId(id)) return getAdapter(id);
  const g = genericSource(cfg, id);
  if (!g) throw new Error(`no source ${id}`);
  return g.kind === "json" ? createGenericJsonSource(g) : createGenericCsvSource(g);
}

/** What the simulator serves for a feed's source, in the feed's units. */
function expected(sourceId: string, pair: string): bigint {
  if (sourceId === "open-meteo") return parseDecimal(sim.weather("temperature_2m", 52.52, 13.41)) + parseDecimal("273.15");
  const q = sim.venueQuote(sourceId as Parameters<Simulator["venueQuote"]>[0], pair);
  if (!q) throw new Error(`${sourceId} serves no ${pair}`);
  return parseDecimal(q.price);
}

describe("config/local.yaml against the simulator", () => {
  it("every feed's every source yields exactly the simulator's value", async () => {
    const checked: string[] = [];
    for (const feed of cfg.feeds) {
      for (const entry of feed.sources) {
        const baseUrl = resolveBaseUrl(cfg, entry);
        expect(baseUrl).toBe(sim.baseUrl(entry.id));
        const [r] = await adapterFor(entry.id).fetch([{ pair: feed.pair, symbol: resolveSymbol(entry, feed.pair) }], {
          baseUrl,
          timeoutMs: 2_000,
          now: Date.now,
          maxRetries: 0,
        });
        if (!r?.ok) throw new Error(`${feed.id} ${entry.id}: ${r?.error.message}`);
        expect(r.quote.price, `${feed.id} ${entry.id}`).toBe(expected(entry.id, feed.pair));
        checked.push(`${feed.id}:${entry.id}`);
      }
    }
    expect(checked).toHaveLength(cfg.feeds.reduce((n, f) => n + f.sources.length, 0));
  });
});
