import { describe, expect, it } from "vitest";
import { deepSplitReference } from "./deep-split";
import { FilterState, newDeepSplitHistory, type DeepSplitHistory } from "./state";

const BP = 1e-4;
/** Both deep venues agreed at 0 when the gap opened 6 rounds ago; sigma 2 bps. */
function opened(over: Partial<DeepSplitHistory> = {}): DeepSplitHistory {
  return { ...newDeepSplitHistory(), a: "binance", b: "coinbase", gapN: 50, openRounds: 6, ...over };
}

describe("the deep-split rule's decision (pure)", () => {
  it("sides with the deep venue that stayed when the other walked 80 bps away with the median", () => {
    expect(deepSplitReference(80 * BP, 2 * BP, 75 * BP, 0, 2, 2 * BP, opened())).toBe(2 * BP);
    expect(deepSplitReference(-1 * BP, -90 * BP, -85 * BP, 3, 0, 2 * BP, opened())).toBe(-1 * BP);
  });

  it("stays out when the median stayed with the stayer (one deep venue moved alone), or no thin venue stayed with it", () => {
    expect(deepSplitReference(80 * BP, 2 * BP, 5 * BP, 0, 2, 2 * BP, opened())).toBeNull();
    expect(deepSplitReference(80 * BP, 2 * BP, 75 * BP, 0, 0, 2 * BP, opened())).toBeNull();
  });

  it("stays out when the other deep venue followed a quarter of the move (a late venue in a real move)", () => {
    expect(deepSplitReference(200 * BP, 60 * BP, 190 * BP, 0, 2, 2 * BP, opened())).toBeNull();
  });

  it("does not fire before the usual gap is learnt, before it persisted, or under the 50 bps floor; holds while the gap stays half open", () => {
    expect(deepSplitReference(80 * BP, 0, 75 * BP, 0, 2, 2 * BP, opened({ gapN: 5 }))).toBeNull();
    expect(deepSplitReference(80 * BP, 0, 75 * BP, 0, 2, 2 * BP, opened({ openRounds: 2 }))).toBeNull();
    expect(deepSplitReference(45 * BP, 0, 40 * BP, 0, 2, 2 * BP, opened())).toBeNull();
    expect(deepSplitReference(30 * BP, 0, 30 * BP, 0, 0, 2 * BP, opened({ active: 2 }))).toBe(0);
    expect(deepSplitReference(20 * BP, 0, 20 * BP, 0, 0, 2 * BP, opened({ active: 2 }))).toBeNull();
  });

  it("widens its firing gap with the deep venues' own volatility", () => {
    expect(deepSplitReference(80 * BP, 0, 75 * BP, 0, 2, 20 * BP, opened())).toBeNull();
  });
});

describe("the deep-split rule's persisted state", () => {
  it("round-trips, starts fresh for a state saved before it existed, and rejects a corrupt one", () => {
    const s = new FilterState();
    Object.assign(s.feed("ETH/USD").deep, opened({ active: 1 }));
    const json = JSON.parse(JSON.stringify(s)) as { feeds: Record<string, Record<string, unknown>> };
    expect(FilterState.fromJSON(json).feed("ETH/USD").deep).toEqual(opened({ active: 1 }));
    delete json.feeds["ETH/USD"].deep;
    expect(FilterState.fromJSON(json).feed("ETH/USD").deep).toEqual(newDeepSplitHistory());
    json.feeds["ETH/USD"].deep = { ...opened(), gapBase: "x" };
    expect(() => FilterState.fromJSON(json)).toThrow(/deep\.gapBase/);
    json.feeds["ETH/USD"].deep = { ...opened(), a: 3 };
    expect(() => FilterState.fromJSON(json)).toThrow(/deep is not/);
  });
});
