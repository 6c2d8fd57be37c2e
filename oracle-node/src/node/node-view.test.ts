import { describe, expect, it } from "vitest";
import { NodeView } from "./node-view";
import { parseDecimal } from "../quotes/decimal";
import { SourceError, type Quote } from "../quotes/quote";
import type { RuntimeFeed } from "./options";
import type { ObservationSnapshot } from "./observer";

const feed: RuntimeFeed = {
  id: "BTC/USD",
  feedIndex: 0,
  pair: "BTC/USD",
  description: "BTC / USD",
  decimals: 8,
  deviationBps: 50,
  heartbeatSec: 3600,
  toleranceBps: 100,
  minSources: 2,
  sources: [],
};

function quote(source: string, price: string): Quote {
  return { source, pair: "BTC/USD", price: parseDecimal(price), receivedAt: 1_000 };
}

function snapshot(): ObservationSnapshot {
  const kept = [quote("kraken", "100.5"), quote("coinbase", "100.7")];
  const spiked = quote("binance", "130");
  return {
    fetchedAt: 1_000,
    feeds: new Map([
      [
        0,
        {
          feedIndex: 0,
          value: 10_060_000_000n,
          result: {
            feedId: "BTC/USD",
            observation: parseDecimal("100.6"),
            used: 2,
            kept,
            dropped: [{ source: "binance", reason: "anomaly score 0.990 above 0.5", score: 0.99 }],
            confidence: 0n,
          },
          sources: [
            { id: "binance", quote: spiked, error: null },
            { id: "kraken", quote: kept[0], error: null },
            { id: "coinbase", quote: kept[1], error: null },
            { id: "okx", quote: null, error: new SourceError("timeout", "okx", "no answer in 2000 ms") },
          ],
          fetchedAt: 1_000,
        },
      ],
    ]),
  };
}

describe("NodeView", () => {
  it("shows the observation, each source's price and why the dropped ones were dropped", () => {
    const v = new NodeView("node-0", "0x00000000000000000000000000000000000000aa", [feed], 31337);
    v.setSnapshot(snapshot());
    v.setSnapshot(snapshot());
    const f = v.state().feeds[0];
    expect(f.observation).toBe("100.6");
    expect(f.sources).toEqual([
      { id: "binance", price: "130", dropped: true, reason: "anomaly score 0.990 above 0.5", score: 0.99, at: 1_000 },
      { id: "kraken", price: "100.5", dropped: false, reason: null, score: null, at: 1_000 },
      { id: "coinbase", price: "100.7", dropped: false, reason: null, score: null, at: 1_000 },
      { id: "okx", price: null, dropped: true, reason: "timeout", score: null, at: 1_000 },
    ]);
    expect(f.dropCounts).toEqual({ binance: 2, okx: 2 });
    expect(f.history).toHaveLength(2);
  });

  it("shows on-chain answers in the feed's decimals and counts rounds that landed", () => {
    const v = new NodeView("node-0", "0x00000000000000000000000000000000000000aa", [feed], 31337);
    v.setOnchain(0, 6_712_345_000_000n, 150_000_000n, "7", 1_700_000_000);
    v.setOnchain(0, 6_712_400_000_000n, 150_000_000n, "8", 1_700_000_060, true);
    const f = v.state().feeds[0];
    expect(f.onchain).toEqual({ answer: "67124", confidence: "1.5", roundId: "8", updatedAt: 1_700_000_060 });
    expect(f.rounds).toBe(1);
  });

  it("lists sent transactions newest first and marks peers healthy only when heard from", () => {
    const v = new NodeView("node-0", "0x00000000000000000000000000000000000000aa", [feed], 31337);
    v.setPeers(["0xa", "0xb"], ["http://127.0.0.1:1", "http://127.0.0.1:2"]);
    v.peerOk(1);
    v.peerError(0, "timeout");
    v.addTx({ status: "confirmed", hash: "0x01", gasUsed: 60_000n, broadcasts: 1 }, 1, 1, ["BTC/USD"]);
    v.addTx({ status: "skipped", broadcasts: 0 }, 1, 2, ["BTC/USD"]); // nothing sent: not listed
    v.addTx({ status: "failed", hash: "0x02", broadcasts: 1, error: { kind: "network", message: "down" } }, 1, 3, ["BTC/USD"]);
    const s = v.state();
    expect(s.txs.map((t) => [t.hash, t.status, t.round])).toEqual([
      ["0x02", "failed", "1:3"],
      ["0x01", "confirmed", "1:1"],
    ]);
    expect(s.peers.map((p) => [p.healthy, p.lastError])).toEqual([
      [false, "timeout"],
      [true, null],
    ]);
  });

  it("marks a peer down on a failure, up again when heard from, and never itself", () => {
    const self = "0x00000000000000000000000000000000000000aa";
    const v = new NodeView("node-0", self, [feed], 31337);
    v.setPeers([self, "0xb", "0xc"], ["http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"]);
    const now = Date.now();
    v.peerOk(1, now - 2_000);
    v.peerOk(2, now - 2_000);
    v.peerError(1, "timeout: no answer", now - 1_000); // failed after it was last seen: down
    v.peerRefused(2, "wrong-epoch: message for epoch 3"); // answered with a refusal: still up
    expect(v.state().peers.map((p) => [p.healthy, p.lastError])).toEqual([
      [true, null],
      [false, "timeout: no answer"],
      [true, "wrong-epoch: message for epoch 3"],
    ]);
    v.peerOk(1, now);
    expect(v.state().peers[1].healthy).toBe(true);
  });
});
