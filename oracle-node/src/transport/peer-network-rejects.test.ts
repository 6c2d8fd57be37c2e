import { afterEach, describe, expect, it } from "vitest";
import { Wallet, getAddress } from "ethers";
import { z } from "zod";
import { createMetrics } from "../metrics";
import { signEnvelope, ENVELOPE_VERSION } from "./envelope";
import { MESSAGE_PATH, PeerNetwork, PeerRefusal, type PeerNetworkOptions, type PeerRejection } from "./peer-network";

const DIGEST = "0x" + "22".repeat(32);
const schemas = { ping: z.strictObject({ n: z.number().int() }), pong: z.strictObject({ n: z.number().int() }), refuse: z.strictObject({}) };

const open: PeerNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

/** Two committee members: `a` sends, `b` listens with `extra` (the onReject hook under test). */
async function committee(extra: Partial<PeerNetworkOptions>) {
  const peers = new Map<string, string>();
  const make = (key: { signingKey: Wallet["signingKey"] }, more: Partial<PeerNetworkOptions> = {}) =>
    new PeerNetwork({
      key: key.signingKey,
      port: 0,
      configDigest: () => DIGEST,
      isPeer: (addr) => peers.has(getAddress(addr)),
      peerUrl: (addr) => peers.get(getAddress(addr)),
      schemas,
      replyTypes: { ping: "pong", refuse: null },
      handlers: {
        ping: async (m) => ({ type: "pong", payload: { n: (m.payload as { n: number }).n + 1 } }),
        refuse: async () => {
          throw new PeerRefusal("not-leader", "not the leader of this epoch", 403);
        },
      },
      ...more,
    });
  const a = make(Wallet.createRandom());
  const b = make(Wallet.createRandom(), extra);
  open.push(a, b);
  peers.set(a.address, `http://127.0.0.1:${await a.listen()}`);
  peers.set(b.address, `http://127.0.0.1:${await b.listen()}`);
  return { a, b, urlB: peers.get(b.address)! };
}

async function post(url: string, body: string): Promise<number> {
  const r = await fetch(url + MESSAGE_PATH, { method: "POST", headers: { "content-type": "application/json" }, body });
  await r.text();
  return r.status;
}

/** The value of one series in the Prometheus text, or undefined when absent. */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(name + "{") && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("PeerNetwork onReject -> oracle_peer_rejects_total", () => {
  it("counts each rejected message by reason, naming the peer only once it is authenticated", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const seen: PeerRejection[] = [];
    const { a, b, urlB } = await committee({
      onReject: (r) => {
        seen.push(r);
        metrics.peerRejectsTotal.inc({ reason: r.reason, peer: r.peer ?? "unknown" });
      },
    });
    // A protocol refusal from an authenticated committee member names it.
    await expect(a.send(b.address, "refuse", 1, 1, {})).rejects.toThrow(/not-leader/);
    // Garbage and a forged sender never name a peer.
    expect(await post(urlB, "{not json")).toBe(400);
    const stranger = Wallet.createRandom();
    const forged = signEnvelope(stranger.signingKey, {
      v: ENVELOPE_VERSION,
      type: "ping",
      from: stranger.address,
      to: b.address,
      configDigest: DIGEST,
      epoch: 1,
      round: 1,
      nonce: "cd".repeat(16),
      sentAt: Date.now(),
      payload: { n: 1 },
    });
    expect(await post(urlB, JSON.stringify({ ...forged, from: a.address }))).toBe(401);
    expect(await post(urlB, JSON.stringify(forged))).toBe(403); // signed, but not in the committee
    // A good message is not a rejection.
    await a.send(b.address, "ping", 1, 1, { n: 1 });

    expect(seen).toEqual([
      { reason: "not-leader", peer: a.address },
      { reason: "malformed", peer: undefined },
      { reason: "bad-signature", peer: undefined },
      { reason: "not-a-peer", peer: undefined },
    ]);
    const text = await metrics.registry.metrics();
    expect(series(text, "oracle_peer_rejects_total", { reason: "not-leader", peer: a.address })).toBe(1);
    expect(series(text, "oracle_peer_rejects_total", { reason: "malformed", peer: "unknown" })).toBe(1);
    expect(series(text, "oracle_peer_rejects_total", { reason: "bad-signature", peer: "unknown" })).toBe(1);
    expect(series(text, "oracle_peer_rejects_total", { reason: "not-a-peer", peer: "unknown" })).toBe(1);
    expect(text).not.toContain(stranger.address);
    // The transport's own counters agree with the hook.
    expect(b.snapshot().rejected).toEqual({ "not-leader": 1, malformed: 1, "bad-signature": 1, "not-a-peer": 1 });
  });

  it("a hook that throws changes nothing the peer sees", async () => {
    const { a, b } = await committee({
      onReject: () => {
        throw new Error("metrics broke");
      },
    });
    await expect(a.send(b.address, "refuse", 1, 1, {})).rejects.toMatchObject({ status: 403, code: "not-leader" });
    await expect(a.send(b.address, "ping", 1, 1, { n: 1 })).resolves.toMatchObject({ payload: { n: 2 } });
  });
});
