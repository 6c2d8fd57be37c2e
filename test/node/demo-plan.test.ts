import { describe, expect, it } from "vitest";
import { DEMO_ATTACKS, DEMO_FEEDS, genericSourceDefinitions } from "../../scripts/demo/plan";
import { REPO_ROOT, errorText } from "../../scripts/demo/run";
import { attackSchema } from "../../oracle-node/src/simulator/attacks";
import { parseConfig } from "../../oracle-node/src/config";

describe("demo plan", () => {
  it("takes FX and weather sources from config/local.yaml and yields a valid node config", () => {
    const generic = genericSourceDefinitions(REPO_ROOT, ["frankfurter", "open-er-api", "open-meteo"]);
    expect(generic).toHaveLength(3);
    const cfg = parseConfig({
      version: 1,
      node: { keystore: { path: "k.json", passwordFile: "pw" }, chain: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, addressesFile: "a.json" } },
      sources: { baseUrlTemplate: "http://127.0.0.1:1/{id}", generic },
      feeds: DEMO_FEEDS.map((f, i) => ({
        id: f.id,
        description: f.description,
        decimals: f.decimals,
        pair: f.pair,
        feedIndex: i,
        sources: f.sources.map((id) => ({ id })),
        minSources: f.minSources,
        deviationThresholdBps: f.deviationThresholdBps,
        heartbeatSeconds: 6,
      })),
    });
    expect(cfg.feeds.map((f) => f.id)).toEqual(["BTC/USD", "ETH/USD", "LINK/USD", "EUR/USD", "BERLIN-TEMP/K"]);
    expect(() => genericSourceDefinitions(REPO_ROOT, ["no-such-source"])).toThrow(/defines no generic source no-such-source/);
  });

  it("injects attacks the simulator accepts, each on a venue the attacked feed reads", () => {
    for (const a of DEMO_ATTACKS) {
      const parsed = attackSchema.parse(a.attack);
      const venues = parsed.kind === "pump" ? parsed.venues : [parsed.venue];
      const feed = DEMO_FEEDS.find((f) => f.pair === parsed.pair);
      expect(feed, a.label).toBeDefined();
      for (const v of venues) expect(feed!.sources).toContain(v);
    }
  });

  it("shows start-up errors as one short line", () => {
    const huge = Object.assign(new Error("execution reverted (" + "0".repeat(50_000) + ")"), {
      shortMessage: "execution reverted",
      info: { error: { message: "trying to deploy a contract whose code is too large" } },
    });
    expect(errorText(huge)).toBe("execution reverted: trying to deploy a contract whose code is too large");
    expect(errorText(new Error("x".repeat(1000)))).toHaveLength(401);
  });
});
