import { describe, expect, it } from "vitest";
import { attackSchema } from "./attacks";
import { outageBody } from "./control";
import { parseScenario } from "./scenario";
import { ATTACK_KIND_ALIASES, ATTACK_KINDS, attackKindFrom, SIMULATED_SOURCE_IDS, VENUE_ALIASES, venueIdFrom } from "./vocabulary";

describe("the shared vocabulary", () => {
  it("has one attack schema per attack kind, and no other", () => {
    const kinds = attackSchema.out.options.map((o) => o.shape.kind.value);
    expect([...kinds].sort()).toEqual([...ATTACK_KINDS].sort());
  });

  it("maps every alias to a canonical name, and aliases never shadow a canonical name", () => {
    for (const [alias, id] of Object.entries(VENUE_ALIASES)) {
      expect(SIMULATED_SOURCE_IDS).toContain(id);
      expect(SIMULATED_SOURCE_IDS).not.toContain(alias);
      expect(venueIdFrom(alias)).toBe(id);
    }
    for (const [alias, kind] of Object.entries(ATTACK_KIND_ALIASES)) {
      expect(ATTACK_KINDS).toContain(kind);
      expect(attackKindFrom(alias)).toBe(kind);
    }
    expect(venueIdFrom("binance")).toBe("binance");
    expect(venueIdFrom("mtgox")).toBeUndefined();
    expect(attackKindFrom("spike")).toBe("spike");
    expect(attackKindFrom("meltdown")).toBeUndefined();
    // Names of Object.prototype are not aliases.
    for (const name of ["constructor", "toString", "__proto__"]) {
      expect(venueIdFrom(name)).toBeUndefined();
      expect(attackKindFrom(name)).toBeUndefined();
    }
  });

  it("accepts the generator's old attack names and venue aliases as attack input, output canonical", () => {
    expect(attackSchema.parse({ kind: "frozen", venue: "huobi" })).toEqual({ kind: "freeze", venue: "htx" });
    expect(attackSchema.parse({ kind: "slow-drift", venue: "okx", pctPerMinute: 1 })).toEqual({ kind: "drift", venue: "okx", pctPerMinute: 1 });
    const pump = attackSchema.parse({ kind: "pump", venues: ["huobi", "gateio"], pct: 50 });
    expect(pump.kind === "pump" && pump.venues).toEqual(["htx", "gateio"]);
    expect(outageBody.parse({ venue: "huobi", kind: "hang" })).toEqual({ venue: "htx", kind: "hang" });
  });

  it("still rejects unknown kinds and venues", () => {
    expect(attackSchema.safeParse({ kind: "meltdown", venue: "okx" }).success).toBe(false);
    expect(attackSchema.safeParse({ kind: "freeze", venue: "mtgox" }).success).toBe(false);
    expect(outageBody.safeParse({ venue: "htx", kind: "frozen" }).success).toBe(false);
    expect(attackSchema.safeParse({ kind: "constructor", venue: "okx" }).success).toBe(false);
  });

  it("replays a scenario row named by a venue alias as that venue", () => {
    const s = parseScenario("timestamp,source,price,bid,ask,volume,label\n1700000000,huobi,100,,,,0\n1700000000,okx,101,,,,0\n");
    expect(s.sources).toEqual(["htx", "okx"]);
    expect(s.rounds[0]?.rows.get("htx")?.price).toBe("100");
  });
});
