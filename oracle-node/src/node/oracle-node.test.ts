import { describe, expect, it } from "vitest";
import { Telemetry } from "../metrics/telemetry";
import type { Transmission } from "../chain/transmission-watcher";
import { nodeContext } from "../../../test/support/node-fixtures";
import { NO_FAULTS, type FaultHooks } from "./fault-hooks";
import { OracleNode } from "./oracle-node";
import type { NodeParts } from "./wire";

/** Fake parts that record what the composition root asks of them. */
function parts(over: { digestChange?: string | null; transmissions?: Transmission[]; faults?: FaultHooks } = {}) {
  const calls: string[] = [];
  const ctx = nodeContext(0, { timing: { watchIntervalMs: 5, tickMs: 5, configCheckMs: 0 } });
  const telemetry = new Telemetry(ctx.feeds);
  let pending = over.transmissions ?? [];
  const p = {
    ctx,
    listenHost: "127.0.0.1",
    peerUrls: new Map([[ctx.committee.signers[1], "http://127.0.0.1:9"]]),
    store: { close: () => calls.push("store.close") },
    provider: { destroy: () => calls.push("provider.destroy") },
    filter: { close: async () => void calls.push("filter.close") },
    polls: { start: () => calls.push("polls.start"), stop: async () => void calls.push("polls.stop"), statsFor: () => ({ polls: 3 }) },
    view: {
      setPeers: () => calls.push("view.setPeers"),
      setReady: (r: boolean) => calls.push(`view.ready ${r}`),
      setRpcHealthy: () => undefined,
      state: () => ({}),
    },
    telemetry,
    chain: {
      blind: false,
      configChanged: async () => over.digestChange ?? null,
      poll: async () => {
        const out = pending.map((t) => ({ t, seenAt: 1 }));
        pending = [];
        return out;
      },
    },
    pacemaker: {
      epoch: 0,
      leader: () => 1,
      check: () => undefined,
      feedLanded: (i: number) => calls.push(`landed ${i}`),
      chainReached: (e: number, r: number) => calls.push(`reached ${e}/${r}`),
    },
    peers: { probe: () => undefined },
    net: {
      port: 4321,
      listen: async () => void calls.push("net.listen"),
      close: async () => void calls.push("net.close"),
      snapshot: () => ({ messagesSent: 0 }),
    },
    follower: {},
    leader: { tick: async () => undefined },
    transmitter: { drain: async () => void calls.push("transmitter.drain") },
    filterSaver: { save: (force: boolean) => calls.push(`filter.save ${force}`) },
    faults: over.faults ?? NO_FAULTS,
    sla: { add: (t: Transmission) => calls.push(`sla ${t.epoch}/${t.round}`), drain: async () => void calls.push("sla.drain") },
    evidence: { drain: async () => undefined },
  };
  return { node: new OracleNode(p as unknown as NodeParts), calls, telemetry };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe("OracleNode (composition root)", () => {
  it("starts listening before it polls, and stops in order: polls and loops, transmissions, peers, filter, chain, store last", async () => {
    const t = parts();
    await t.node.start();
    expect(t.node.port).toBe(4321);
    expect(t.calls.slice(0, 4)).toEqual(["net.listen", "view.setPeers", "view.ready true", "polls.start"]);
    await t.node.stop();
    const stop = t.calls.slice(t.calls.indexOf("polls.stop"));
    expect(stop).toEqual(["polls.stop", "transmitter.drain", "sla.drain", "net.close", "filter.save true", "filter.close", "provider.destroy", "store.close"]);
    await t.node.stop(); // a second stop does nothing
    expect(t.calls.filter((c) => c === "store.close")).toHaveLength(1);
  });

  it("hands each landed transmission to the pacemaker and the telemetry", async () => {
    const tx = {
      epoch: 3,
      round: 2,
      configDigest: "0x",
      transmitter: "0x",
      txHash: "0x",
      blockNumber: 1,
      updatedAt: 1,
      feeds: [{ feedIndex: 1, answer: 5n, confidence: 0n, observationsTimestamp: 1 }],
      refused: [],
    };
    const t = parts({ transmissions: [tx] });
    const seen: number[] = [];
    t.telemetry.events.on("transmission", (x) => seen.push(x.epoch));
    await t.node.start();
    await until(() => seen.length === 1);
    await t.node.stop();
    expect(t.calls).toContain("landed 1");
    expect(t.calls).toContain("reached 3/2");
    expect(t.calls).toContain("sla 3/2");
  });

  it("a config digest changed on chain makes the node unready and emits fatal", async () => {
    const t = parts({ digestChange: "0x" + "cd".repeat(32) });
    let fatal = "";
    t.node.events.on("fatal", (r) => (fatal = r));
    await t.node.start();
    await until(() => fatal !== "");
    await t.node.stop();
    expect(fatal).toContain("cd".repeat(32));
    expect(t.calls).toContain("view.ready false");
  });

  it("runs the fault hooks' loops with the node and waits for them at stop", async () => {
    let ended = false;
    const faults: FaultHooks = {
      ...NO_FAULTS,
      loops: (c) => [
        (async () => {
          while (c.running()) await new Promise((r) => setTimeout(r, 5));
          ended = true;
        })(),
      ],
    };
    const t = parts({ faults });
    await t.node.start();
    await t.node.stop();
    expect(ended).toBe(true);
  });
});
