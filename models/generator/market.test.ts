import { describe, expect, it } from "vitest";
import { simulateScenario } from "./market";
import { buildDataset } from "./dataset";
import { NUM_FEATURES } from "../../oracle-node/src/filter/features";

describe("market simulator", () => {
  it("is deterministic from its seed", () => {
    expect(simulateScenario(123, { rounds: 80 })).toEqual(simulateScenario(123, { rounds: 80 }));
    expect(simulateScenario(124, { rounds: 80 })).not.toEqual(simulateScenario(123, { rounds: 80 }));
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
});
