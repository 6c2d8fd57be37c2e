import { describe, expect, it } from "vitest";
import { silentLogger } from "../log/logger";
import { FilterState } from "../filter/state";
import { FilterStateSaver, loadFilterState } from "./filter-store";

class Blobs {
  readonly saved: Buffer[] = [];
  blob: Buffer | null = null;
  loadFilterState(): Buffer | null {
    return this.blob;
  }
  saveFilterState(_name: string, b: Uint8Array): void {
    this.saved.push(Buffer.from(b));
  }
}

describe("filter state store", () => {
  it("starts fresh on nothing stored or an unreadable blob, and round-trips a saved state", () => {
    const b = new Blobs();
    expect(loadFilterState(b, silentLogger)).toBeInstanceOf(FilterState);
    b.blob = Buffer.from("{ not json");
    expect(loadFilterState(b, silentLogger)).toBeInstanceOf(FilterState);
    const state = new FilterState();
    new FilterStateSaver(b, state, 1_000, silentLogger).save(true);
    b.blob = b.saved[0];
    expect(loadFilterState(b, silentLogger).toJSON()).toEqual(state.toJSON());
  });

  it("saves at most once per interval unless forced", () => {
    const b = new Blobs();
    let now = 10_000;
    const s = new FilterStateSaver(b, new FilterState(), 5_000, silentLogger, () => now);
    s.save(false);
    now += 4_999;
    s.save(false);
    expect(b.saved).toHaveLength(1);
    s.save(true);
    now += 5_000;
    s.save(false);
    expect(b.saved).toHaveLength(3);
  });
});
