import { describe, expect, it } from "vitest";
import { encodeReport, type Report } from "../protocol/report";
import { pullOverdue } from "../protocol/round-decision";
import { PullReportStore } from "./report-store";

const report = (round: number, ts: number, feeds: number[]): Report => ({
  configDigest: "0x" + "ab".repeat(32),
  epoch: 1,
  round,
  observationsTimestamp: ts,
  feeds: feeds.map((feedIndex) => ({ feedIndex, observers: [0, 1, 2], observations: [1n, 2n, 3n] })),
});

describe("pull alarm", () => {
  it("counts a feed's silence from its last signed report, or from the start when none came", () => {
    let now = 1_000_000;
    const store = new PullReportStore({
      historySeconds: 60,
      feeds: new Map([
        [0, { heartbeatSec: 60 }],
        [1, { heartbeatSec: 60 }],
      ]),
      now: () => now,
    });
    now += 3_000;
    expect(store.silentMs(0)).toBe(3_000);
    const r = report(1, Math.floor(now / 1000), [0]);
    store.add(r, encodeReport(r), "0x");
    now += 500;
    expect(store.silentMs(0)).toBe(500);
    expect(store.silentMs(1)).toBe(3_500);
    // A report older than the newest is not kept, but still shows the committee signing.
    const old = report(2, Math.floor(now / 1000) - 10, [1]);
    store.add(old, encodeReport(old), "0x");
    expect(store.silentMs(1)).toBe(0);
  });

  it("raises the pacemaker's alarm for a pull feed with data and no report for a poll plus the grace", () => {
    expect(pullOverdue(true, 4_999, 1_000, 4_000)).toBe(false);
    expect(pullOverdue(true, 5_000, 1_000, 4_000)).toBe(true);
    expect(pullOverdue(false, 60_000, 1_000, 4_000)).toBe(false);
  });
});
