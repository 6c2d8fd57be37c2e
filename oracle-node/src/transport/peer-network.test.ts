import { afterEach, describe, expect, it } from "vitest";
import { Wallet, getAddress } from "ethers";
import { z } from "zod";
import { PeerNetwork, PeerRefusal, MESSAGE_PATH, PeerSendError } from "./peer-network";
import { signEnvelope, ENVELOPE_VERSION, type Envelope } from "./envelope";

const DIGEST = "0x" + "11".repeat(32);
const schemas = {
  ping: z.strictObject({ n: z.number().int() }),
  pong: z.strictObject({ n: z.number().int() }),
  refuse: z.strictObject({}),
};

function makeNet(key: Wallet, peers: Map<string, string>, extra: Partial<ConstructorParameters<typeof PeerNetwork>[0]> = {}): PeerNetwork {
  return new PeerNetwork({
    key: key.signingKey,
    port: 0,
    configDigest: () => DIGEST,
    isPeer: (a) => peers.has(getAddress(a)),
    peerUrl: (a) => peers.get(getAddress(a)),
    schemas,
    replyTypes: { ping: "pong", refuse: null },
    handlers: {
      ping: async (m) => ({ type: "pong", payload: { n: (m.payload as { n: number }).n + 1 } }),
      refuse: async () => {
        throw new PeerRefusal("conflict", "already signed another report for this round");
      },
    },
    ...extra,
  });
}

const open: PeerNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

async function pair(extra: Partial<ConstructorParameters<typeof PeerNetwork>[0]> = {}) {
  const ka = Wallet.createRandom();
  const kb = Wallet.createRandom();
  const peers = new Map<string, string>();
  const a = makeNet(new Wallet(ka.privateKey), peers);
  const b = makeNet(new Wallet(kb.privateKey), peers, extra);
  open.push(a, b);
  peers.set(a.address, `http://127.0.0.1:${await a.listen()}`);
  peers.set(b.address, `http://127.0.0.1:${await b.listen()}`);
  return { a, b, ka, kb, urlB: peers.get(b.address)! };
}

function envelopeFor(key: { signingKey: Wallet["signingKey"]; address: string }, to: string, payload: unknown, over: Partial<Envelope> = {}): Envelope {
  return {
    ...signEnvelope(key.signingKey, {
      v: ENVELOPE_VERSION,
      type: "ping",
      from: key.address,
      to,
      configDigest: DIGEST,
      epoch: 1,
      round: 1,
      nonce: "ab".repeat(16),
      sentAt: Date.now(),
      payload,
    }),
    ...over,
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url + MESSAGE_PATH, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, body: r.status === 204 ? {} : await r.json() };
}

describe("PeerNetwork", () => {
  it("delivers a signed message and returns the peer's signed reply", async () => {
    const { a, b } = await pair();
    const reply = await a.send(b.address, "ping", 3, 4, { n: 41 });
    expect(reply).toMatchObject({ type: "pong", from: b.address, epoch: 3, round: 4, payload: { n: 42 } });
    expect(a.snapshot().messagesSent).toBe(1);
    expect(b.snapshot().messagesReceived).toBe(1);
  });

  it("rejects a replayed message with 409 and a tampered one with 401", async () => {
    const { b, ka, urlB } = await pair();
    const env = envelopeFor(ka, b.address, { n: 1 });
    expect((await post(urlB, env)).status).toBe(200);
    expect(await post(urlB, env)).toMatchObject({ status: 409, body: { error: "replayed" } });
    const tampered = { ...envelopeFor(ka, b.address, { n: 1 }, { nonce: "cd".repeat(16) }) };
    tampered.payload = { n: 2 };
    expect(await post(urlB, tampered)).toMatchObject({ status: 401, body: { error: "bad-signature" } });
  });

  it("rejects unsigned, malformed, oversized, stale and foreign-config messages with a 4xx and keeps serving", async () => {
    const { a, b, ka, urlB } = await pair({ bodyLimitBytes: 2_000 });
    const env = envelopeFor(ka, b.address, { n: 1 });
    const { signature: _drop, ...unsigned } = env;
    expect((await post(urlB, unsigned)).status).toBe(400);
    expect((await post(urlB, "{not json")).status).toBe(400);
    expect((await post(urlB, { ...env, payload: "x".repeat(5_000) })).status).toBe(413);
    const stale = envelopeFor(ka, b.address, { n: 1 }, {});
    const staleSigned = signEnvelope(ka.signingKey, { ...stale, nonce: "ef".repeat(16), sentAt: Date.now() - 120_000 });
    expect(await post(urlB, staleSigned)).toMatchObject({ status: 409, body: { error: "stale" } });
    const foreign = signEnvelope(ka.signingKey, { ...stale, nonce: "01".repeat(16), configDigest: "0x" + "22".repeat(32) });
    expect(await post(urlB, foreign)).toMatchObject({ status: 409, body: { error: "wrong-config" } });
    const badPayload = signEnvelope(ka.signingKey, { ...stale, nonce: "02".repeat(16), payload: { n: "one" } });
    expect(await post(urlB, badPayload)).toMatchObject({ status: 400, body: { error: "malformed" } });
    expect(b.snapshot().rejected).toMatchObject({ malformed: 3, "too-large": 1, stale: 1, "wrong-config": 1 });
    expect((await a.send(b.address, "ping", 1, 1, { n: 0 }))?.payload).toEqual({ n: 1 });
  });

  it("rejects a sender outside the peer set and a message addressed to another node with 403", async () => {
    const { b, ka, urlB } = await pair();
    const stranger = new Wallet(Wallet.createRandom().privateKey);
    expect(await post(urlB, envelopeFor(stranger, b.address, { n: 1 }))).toMatchObject({ status: 403, body: { error: "not-a-peer" } });
    const elsewhere = Wallet.createRandom().address;
    expect(await post(urlB, envelopeFor(ka, elsewhere, { n: 1 }))).toMatchObject({ status: 403, body: { error: "wrong-recipient" } });
  });

  it("maps a protocol refusal to 422 with its code, and throws it at the sender", async () => {
    const { a, b } = await pair();
    await expect(a.send(b.address, "refuse", 1, 1, {})).rejects.toMatchObject({ status: 422, code: "conflict" });
    await expect(a.send(b.address, "refuse", 1, 1, {})).rejects.toBeInstanceOf(PeerSendError);
  });

  it("rate-limits a flooding peer with 429", async () => {
    const { a, b } = await pair({ peerBurst: 5, peerRatePerSecond: 1 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => a.send(b.address, "ping", 1, 1, { n: i })));
    const limited = results.filter((r) => r.status === "rejected" && (r.reason as PeerSendError).status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(4);
  });

  it("refuses a member's flood of fresh signed envelopes for rate before remembering their nonces", async () => {
    const { b, ka } = await pair({ peerBurst: 5, peerRatePerSecond: 1 });
    const key = new Wallet(ka.privateKey);
    const codes: string[] = [];
    for (let i = 0; i < 300; i++) {
      const env = signEnvelope(key.signingKey, {
        v: ENVELOPE_VERSION,
        type: "ping",
        from: key.address,
        to: b.address,
        configDigest: DIGEST,
        epoch: 1,
        round: 1,
        nonce: i.toString(16).padStart(32, "0"),
        sentAt: Date.now(),
        payload: { n: i },
      });
      const out = await b.receive(env, "127.0.0.1", 200);
      codes.push(String((out.body as { error?: string } | undefined)?.error ?? out.status));
    }
    expect(codes.filter((c) => c === "rate-limited").length).toBeGreaterThanOrEqual(290);
    // Burst 5 (+ at most a token or two refilled while the loop ran), not 300.
    expect(b.rememberedNonces()).toBeLessThanOrEqual(8);
  });

  it("reports an unreachable peer as a classified send error", async () => {
    const ghost = Wallet.createRandom();
    const peers = new Map([[ghost.address, "http://127.0.0.1:9"]]);
    const lone = makeNet(new Wallet(Wallet.createRandom().privateKey), peers);
    open.push(lone);
    await expect(lone.send(ghost.address, "ping", 1, 1, { n: 1 }, 500)).rejects.toMatchObject({ code: expect.stringMatching(/unreachable|timeout/) });
  });
});
