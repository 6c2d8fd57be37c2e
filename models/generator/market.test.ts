import { describe, expect, it } from "vitest";
import { ATTACK_FAMILIES, simulateScenario } from "./market";
import { ATTACK_KINDS, CRYPTO_VENUE_IDS } from "../../oracle-node/src/simulator/vocabulary";
import { buildDataset } from "./dataset";
import { NUM_FEATURES } from "../../oracle-node/src/filter/features";

describe("market simulator", () => {
  it("is deterministic from its seed", () => {
    expect(simulateScenario(123, { rounds: 80 })).toEqual(simulateScenario(123, { rounds: 80 }));
    expect(simulateScenario(124, { rounds: 80 })).not.toEqual(simulateScenario(123, { rounds: 80 }));
  });

  it("produces the pinned market for the training seed (the trained model depends on it)", () => {
    const sc = simulateScenario(20_261_129, { rounds: 50 });
    expect([sc.name, sc.intervalSec, sc.events, sc.rounds[0].ts]).toEqual([
      "sim-20261129-random",
      10,
      ["genuine-crash", "genuine-jump", "high-vol"],
      1_704_066_184,
    ]);
    expect(sc.rounds[0].truth).toBe(19.334955219552253);
    expect(sc.rounds[0].rows.slice(0, 2)).toEqual([
      { source: "bitfinex", price: "19.3343", bid: "19.3328", ask: "19.3348", label: 0, weight: 1, family: "honest" },
      { source: "gemini", price: "19.3317", volume: "73630.538", label: 0, weight: 1, family: "honest" },
    ]);
    expect(sc.rounds[49].truth).toBe(15.023467562815297);
  });

  it("labels nothing in a genuine crash, and every venue falls with the fair price", () => {
    const sc = simulateScenario(7, { kind: "genuine-crash", rounds: 400 });
    expect(sc.rounds.every((r) => r.rows.every((q) => q.label === 0))).toBe(true);
    const first = sc.rounds[0].truth;
    const last = sc.rounds[sc.rounds.length - 1].truth;
    expect(last / first).toBeLessThan(0.97);
  });

  it("pumps most venues of a thin token, labelled, with the honest rest labelled 0", () => {
    const sc = simulateScenario(11, { kind: "thin-pump", rounds: 400 });
    expect(sc.events).toContain("pump");
    const attacked = sc.rounds.filter((r) => r.rows.some((q) => q.family === "pump" && q.label === 1));
    expect(attacked.length).toBeGreaterThan(0);
    const r = attacked[Math.floor(attacked.length / 2)];
    const pumped = r.rows.filter((q) => q.family === "pump").length;
    expect(pumped / r.rows.length).toBeGreaterThan(0.4);
    for (const q of r.rows) if (q.family === "honest") expect(q.label).toBe(0);
  });

  it("writes prices as decimal text a venue API would send", () => {
    const sc = simulateScenario(5, { rounds: 50 });
    for (const r of sc.rounds) for (const q of r.rows) expect(q.price).toMatch(/^\d+(\.\d+)?$/);
  });

  it("turns scenarios into finite feature rows through the node's own feature code", () => {
    const ds = buildDataset([simulateScenario(3, { rounds: 100 })]);
    expect(ds.rows).toBeGreaterThan(300);
    expect(ds.x.length).toBe(ds.rows * NUM_FEATURES);
    expect(ds.x.every(Number.isFinite)).toBe(true);
  });

  it("speaks the simulator's vocabulary: every attack kind, plus flaky venues, on simulated venue ids", () => {
    expect([...ATTACK_FAMILIES].sort()).toEqual([...ATTACK_KINDS, "flaky"].sort());
    const sources = new Set<string>();
    const families = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      for (const r of simulateScenario(seed, { rounds: 120 }).rounds) {
        for (const q of r.rows) {
          sources.add(q.source);
          families.add(q.family);
        }
      }
    }
    expect([...sources].filter((s) => !(CRYPTO_VENUE_IDS as readonly string[]).includes(s))).toEqual([]);
    expect([...families].filter((f) => f !== "honest" && !(ATTACK_FAMILIES as readonly string[]).includes(f))).toEqual([]);
  });
});
