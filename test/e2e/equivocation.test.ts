import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { createMetrics } from "../../oracle-node/src/metrics";
import { MSG, type FinalReport } from "../../oracle-node/src/protocol/messages";
import { signReport } from "../../oracle-node/src/protocol/report";
import { encodeAndDigest, toReport } from "../../oracle-node/src/protocol/signed-report";
import { Wire } from "../support/adversary-wire";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { waitFor } from "./harness/wait";

/**
 * A committee member that equivocates: members 0-2 run real nodes, member 3 is a test adversary
 * holding its real key and speaking the wire protocol. It signs two different reports for one
 * (epoch, round) and sends both as final reports to every honest node; each honest node refuses
 * them (not the leader, fewer than f+1 signatures) but keeps the evidence and finds the proof
 * against member 3, and against no one else, while the committee keeps reporting.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
let c: Committee;
const nodes: RunningNode[] = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-equiv-"));
const metrics = [0, 1, 2].map(() => createMetrics({ processMetrics: false }));

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(name + "{") && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

beforeAll(async () => {
  c = await setupCommittee({ n: 4, f: 1, feeds: [{ id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 }] });
  for (let i = 0; i < 3; i++) nodes.push(await startNode(runtimeOptions(c, i, dir, { timing: TEST_TIMING, metrics: metrics[i], filter: { kind: "none" } })));
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

function finalReport(ts: number, value: bigint): FinalReport {
  const body = { observationsTimestamp: ts, feeds: [{ feedIndex: 0, observers: [0, 1, 3], observations: [value, value, value].map(String) }] };
  const { digest } = encodeAndDigest(toReport(c.deployment.configDigest, 0, 200, body), c.chain.chainId, c.deployment.aggregator);
  return { ...body, signatures: [signReport(new Wallet(c.keys[3]).signingKey, digest)] };
}

describe("equivocation on the wire", () => {
  it("every honest node proves the member that signed two reports for one round, and no one else", async () => {
    await waitFor(() => nodes[0].state().feeds.every((f) => f.onchain !== null), 30_000, "first round on chain without member 3");
    const peers: Record<string, string> = {};
    for (let i = 0; i < 3; i++) peers[c.addresses[i]] = `http://127.0.0.1:${nodes[i].port}`;
    const wire = new Wire({
      privateKey: c.keys[3],
      signers: c.addresses,
      peers,
      configDigest: c.deployment.configDigest,
      chainId: c.chain.chainId,
      aggregator: c.deployment.aggregator,
      f: c.f,
      feeds: [0],
    });
    const ts = Math.floor(Date.now() / 1000);
    for (const report of [finalReport(ts, 6_700_000_000_000n), finalReport(ts, 6_700_000_000_001n), finalReport(ts, 6_700_000_000_001n)]) {
      const results = await Promise.all(wire.peers.map(([to, url]) => wire.send(to, url, MSG.finalReport, 0, 200, report)));
      // Refused as a final report (not this epoch's leader, or a single signature): nothing is transmitted.
      for (const { r } of results) expect(r.status).toBeGreaterThanOrEqual(400);
    }
    for (const m of metrics) {
      const text = await m.registry.metrics();
      expect(sample(text, "oracle_equivocations_total", { oracle: "3", submitted: "false" })).toBe(1);
      for (const honest of ["0", "1", "2"]) expect(sample(text, "oracle_equivocations_total", { oracle: honest })).toBeUndefined();
    }
    // The committee keeps reporting, and the live SLA shows member 3 never included.
    await waitFor(() => (nodes[0].state().sla?.oracles.length ?? 0) === 4, 10_000, "the SLA rows");
    const sla = nodes[0].state().sla!;
    expect(sla.oracles[3].inclusionRate).toBe(0);
    expect(sla.oracles[3].signatureShare).toBe(0);
    expect(sla.oracles.slice(0, 3).every((o) => (o.inclusionRate ?? 0) > 0)).toBe(true);
  }, 90_000);
});
