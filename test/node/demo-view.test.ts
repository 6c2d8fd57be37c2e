import { describe, expect, it } from "vitest";
import { bps, formatAge, offFair, renderView, shortDecimal } from "../../scripts/demo/view";
import { summaryLine } from "../../scripts/demo/summary";
import { rewardsReader, tokens } from "../../scripts/demo/rewards";

describe("demo terminal view", () => {
  it("shows per feed the fair price, answer, confidence, age, rounds and the dropped sources with why", () => {
    const now = 1_800_000_000_000;
    const text = renderView(
      { title: "AI oracle network demo", lines: ["dashboard http://127.0.0.1:1234/"], events: ["12:00:01 flash crash on kraken BTC/USD"] },
      [
        {
          id: "BTC/USD",
          fair: "67001.234567891",
          answer: "67000.5",
          confidence: "6.7",
          updatedAt: now / 1000 - 4,
          rounds: 7,
          droppedNow: [{ source: "kraken", reason: "model score 0.991" }],
        },
        { id: "EUR/USD", fair: "1.0842", answer: null, confidence: null, updatedAt: null, rounds: 0, droppedNow: [] },
        {
          id: "LINK/USD",
          fair: "17.8",
          answer: "17.8",
          confidence: "0",
          updatedAt: now / 1000,
          rounds: 1,
          droppedNow: [{ source: "gateio", reason: "stale" }],
          refusal: "only 2 of 5 quotes survived",
        },
      ],
      now,
      200,
    );
    const lines = text.split("\n");
    const btc = lines.find((l) => l.startsWith("BTC/USD"))!;
    expect(btc).toContain("67001.23");
    expect(btc).toContain("67000.5");
    expect(btc).toContain("(1.0)");
    expect(btc).toContain("-0.1 bp");
    expect(btc).toContain("4s");
    expect(btc).toContain("kraken: model score 0.991");
    const eur = lines.find((l) => l.startsWith("EUR/USD"))!;
    expect(eur).toContain("none");
    expect(lines.find((l) => l.startsWith("LINK/USD"))).toContain("REFUSED (only 2 of 5 quotes survived); gateio: stale");
    expect(text).toContain("dashboard http://127.0.0.1:1234/");
    expect(text).toContain("flash crash on kraken");
  });

  it("cuts lines at the terminal width instead of wrapping the table", () => {
    const text = renderView(
      { title: "t", lines: [], events: [] },
      [{ id: "BTC/USD", fair: "1", answer: "1", confidence: "0", updatedAt: 0, rounds: 1, droppedNow: [{ source: "x".repeat(200), reason: "y" }] }],
      0,
      80,
    );
    const row = text.split("\n").find((l) => l.startsWith("BTC/USD"))!;
    expect(row).toHaveLength(80);
    expect(row.endsWith("…")).toBe(true);
  });

  it("formats helpers exactly enough for a glance", () => {
    expect(bps("1.5", "10000")).toBe("1.5");
    expect(bps("1", "0")).toBe("");
    expect(formatAge(null, 0)).toBe("–");
    expect(formatAge(100, 400_000)).toBe("5m");
    expect(shortDecimal("1.08421234")).toBe("1.084212");
    expect(shortDecimal("67001.234567")).toBe("67001.23");
    expect(shortDecimal(null)).toBe("–");
    expect(offFair("101", "100")).toBe("+100.0 bp");
    expect(offFair(null, "100")).toBe("–");
  });
});

describe("demo summary line", () => {
  it("is one JSON line in the documented shape, zero counts left out", () => {
    const line = summaryLine([{ id: "BTC/USD", rounds: 5, answer: "67000.5", fair: "67001.2", dropped: { kraken: 3, binance: 0, bitstamp: 1 } }]);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({ feeds: [{ id: "BTC/USD", rounds: 5, answer: "67000.5", fair: "67001.2", dropped: { bitstamp: 1, kraken: 3 } }] });
  });

  it("carries the per-oracle SLA first when there is one", () => {
    const sla = [{ oracle: 3, inclusionRate: 0.5, rewardsAccrued: "0.12", signatureShare: 0.25, transmissions: 0, deviationP95Bps: null }];
    const parsed = JSON.parse(summaryLine([], [], sla)) as { sla: unknown; feeds: unknown[] };
    expect(Object.keys(parsed)).toEqual(["sla", "feeds"]);
    expect(parsed.sla).toEqual(sla);
  });
});

describe("demo rewards column", () => {
  it("shows whole reward tokens to 4 decimals, cut (never rounded up), and null for every oracle without a rewards contract", async () => {
    // 0.01009 ORS shows as 0.01: cut at 4 decimals, trailing zeros dropped.
    expect([tokens(0n), tokens(1n), tokens(5n * 10n ** 18n), tokens(123_456_789_012_345_678n), tokens(10n ** 16n + 9n * 10n ** 13n)]).toEqual([
      "0",
      "0",
      "5",
      "0.1234",
      "0.01",
    ]);
    expect(await rewardsReader({} as never, null)([{ signer: "0x1", transmitter: "0x2" }])).toEqual([null]);
  });
});
