import { afterEach, describe, expect, it } from "vitest";
import { createServer, request, type Server } from "node:http";
import { Wallet, getAddress } from "ethers";
import { MESSAGE_SCHEMAS, MSG } from "../protocol/messages";
import { ENVELOPE_VERSION, signEnvelope } from "./envelope";
import { Writable } from "node:stream";
import { createLogger } from "../log/logger";
import { EventEmitter } from "node:events";
import { AuthGate, MAX_TRUSTED_PER_PEER } from "./auth-gate";
import { MESSAGE_PATH, PeerNetwork, PeerSendError, type MessageHandler, type PeerNetworkOptions } from "./peer-network";

/**
 * Attacks on the transport performed against real PeerNetwork servers on 127.0.0.1 (issue 13,
 * items 5, 7 and 10). Each test fails when its defence is taken out.
 */
const DIGEST = "0x" + "33".repeat(32);
const open: Array<{ close: () => unknown }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

function node(key: Wallet, peers: Map<string, string>, handlers: Record<string, MessageHandler>, extra: Partial<PeerNetworkOptions> = {}): PeerNetwork {
  const net = new PeerNetwork({
    key: key.signingKey,
    port: 0,
    configDigest: () => DIGEST,
    isPeer: (a) => peers.has(getAddress(a)),
    peerUrl: (a) => peers.get(getAddress(a)),
    schemas: MESSAGE_SCHEMAS,
    handlers,
    ...extra,
  });
  open.push(net);
  return net;
}

const silent: Record<string, MessageHandler> = { [MSG.ping]: async () => null };

/** A hostile HTTP server that answers every POST with `bytes` of junk, counting what it got out. */
async function floodServer(status: number, bytes: number, declareLength: boolean): Promise<{ url: string; written: () => number }> {
  let written = 0;
  const chunk = Buffer.alloc(1 << 20, 0x5b); // "[[[[": also a deep-nesting bomb if parsed
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "application/json", ...(declareLength ? { "content-length": String(bytes) } : {}) });
    const pump = () => {
      while (written < bytes && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  open.push({
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  });
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}`, written: () => written };
}

/** The longest gap between 10 ms ticks while `work` runs: how long the event loop was blocked. */
async function maxLoopStall<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; stallMs: number; ms: number }> {
  let last = performance.now();
  let stall = 0;
  const t = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 10);
  const t0 = performance.now();
  const [result] = await Promise.allSettled([work()]);
  const ms = performance.now() - t0;
  clearInterval(t);
  return { result, stallMs: stall, ms };
}

describe("item 5: a peer answering with a huge body", () => {
  for (const [label, status, mb, declared] of [
    ["a 100 MB 200 reply with its length declared", 200, 100, true],
    ["a 60 MB chunked 200 reply", 200, 60, false],
    ["a 40 MB 500 error body", 500, 40, false],
  ] as const) {
    it(`stops reading ${label} at the cap, without blocking the event loop`, async () => {
      const hostileKey = Wallet.createRandom();
      const flood = await floodServer(status, mb << 20, declared);
      const peers = new Map([[getAddress(hostileKey.address), flood.url]]);
      const sender = node(new Wallet(Wallet.createRandom().privateKey), peers, silent);
      const heap0 = process.memoryUsage().heapUsed;
      const { result, stallMs, ms } = await maxLoopStall(() => sender.send(hostileKey.address, MSG.ping, 1, 1, {}, 10_000));
      expect(result.status).toBe("rejected");
      const err = (result as PromiseRejectedResult).reason as PeerSendError;
      expect(err).toBeInstanceOf(PeerSendError);
      expect(err.code).toBe(status === 200 ? "reply-too-large" : "http-error");
      if (status !== 200) expect(err.status).toBe(500);
      expect(ms).toBeLessThan(1_500);
      expect(stallMs).toBeLessThan(1_000); // reading and parsing 40-100 MB whole blocks for seconds

      expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(32 << 20);
      // The connection was dropped early: the server got nowhere near its whole body out.
      await new Promise((r) => setTimeout(r, 100));
      expect(flood.written()).toBeLessThan(16 << 20);
    });
  }
});

describe("item 10: a reply's type is tied to its request", () => {
  it("refuses a correctly signed ping reply to an observe request, with a clear error and no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on("unhandledRejection", onUnhandled);
    try {
      const peers = new Map<string, string>();
      const evilKey = new Wallet(Wallet.createRandom().privateKey);
      const honestKey = new Wallet(Wallet.createRandom().privateKey);
      const observation = { observations: [] };
      const evil = node(evilKey, peers, { [MSG.observeRequest]: async () => ({ type: MSG.ping, payload: {} }) });
      const honest = node(honestKey, peers, { [MSG.observeRequest]: async () => ({ type: MSG.observation, payload: observation }) });
      const leader = node(new Wallet(Wallet.createRandom().privateKey), peers, silent);
      for (const n of [evil, honest, leader]) peers.set(n.address, `http://127.0.0.1:${await n.listen()}`);
      const request = { feeds: [0], notBefore: 0 };
      const err = await leader.send(evil.address, MSG.observeRequest, 2, 7, request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PeerSendError);
      expect(err).toMatchObject({ code: "unexpected-reply", peer: evil.address });
      expect((err as Error).message).toContain("observe-request request is answered with observation, not ping");
      await expect(leader.send(honest.address, MSG.observeRequest, 2, 7, request)).resolves.toMatchObject({ type: MSG.observation, payload: observation });
      // A reply where the protocol expects none (204) is refused the same way.
      const chatty = node(new Wallet(Wallet.createRandom().privateKey), peers, { [MSG.ping]: async () => ({ type: MSG.observation, payload: observation }) });
      peers.set(chatty.address, `http://127.0.0.1:${await chatty.listen()}`);
      await expect(leader.send(chatty.address, MSG.ping, 2, 7, {})).rejects.toMatchObject({ code: "unexpected-reply" });
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

/** A forged envelope claiming `from`, signed by someone else, posted on a fresh connection from `localAddress`. */
function postForged(url: string, from: string, to: string, localAddress = "127.0.0.1", i = 0): Promise<number> {
  const outsider = Wallet.createRandom();
  const env = signEnvelope(outsider.signingKey, {
    v: ENVELOPE_VERSION,
    type: MSG.ping,
    from: outsider.address,
    to,
    configDigest: DIGEST,
    epoch: 1,
    round: 1,
    nonce: (i.toString(16).padStart(8, "0") + "ab".repeat(12)).slice(0, 32),
    sentAt: Date.now(),
    payload: {},
  });
  const body = JSON.stringify({ ...env, from });
  return new Promise((resolve, reject) => {
    const u = new URL(url + MESSAGE_PATH);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress,
        agent: false,
        headers: { "content-type": "application/json", connection: "close" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("item 7: failed authentications cannot get a peer behind the same IP refused", () => {
  async function committee(extra: Partial<PeerNetworkOptions> = {}) {
    const peers = new Map<string, string>();
    const a = node(new Wallet(Wallet.createRandom().privateKey), peers, silent);
    const b = node(new Wallet(Wallet.createRandom().privateKey), peers, silent, extra);
    for (const n of [a, b]) peers.set(n.address, `http://127.0.0.1:${await n.listen()}`);
    return { a, b, urlB: peers.get(b.address)! };
  }

  it("an outsider on the peer's IP sending 20+ junk envelopes a second claiming to be it does not get it refused", async () => {
    const { a, b, urlB } = await committee();
    await a.send(b.address, MSG.ping, 1, 1, {}); // a has talked to b before, as committee members do
    const results: Array<PromiseSettledResult<unknown>> = [];
    let junk = 0;
    const statuses: number[] = [];
    const flood = (async () => {
      for (let i = 0; i < 120; i++) {
        statuses.push(await postForged(urlB, a.address, b.address, "127.0.0.1", i));
        junk += 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let i = 0; i < 15; i++) {
      // Two at once: the sender's fetch opens new connections as well as reusing the old one.
      results.push(...(await Promise.allSettled([a.send(b.address, MSG.ping, 1, 1, {}), a.send(b.address, MSG.ping, 1, 1, {})])));
      await new Promise((r) => setTimeout(r, 40));
    }
    await flood;
    expect(junk).toBe(120);
    // The junk is refused (bad signature, or throttled once its address spent its share)...
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBe(b.snapshot().rejected["bad-signature"]);
    // ...and not one of the peer's 30 messages is.
    expect(results.filter((r) => r.status === "rejected").map((r) => (r.reason as Error).message)).toEqual([]);
  });

  it("bounds signature checks for unknown senders globally, and an established peer connection still gets through", async () => {
    const { a, b, urlB } = await committee({ untrustedChecksPerSecond: 10, untrustedChecksBurst: 10 });
    await a.send(b.address, MSG.ping, 1, 1, {}); // a's connection is now trusted for a
    const checks0 = b.snapshot().signatureChecks;
    // Junk that names no committee member costs no signature check at all.
    for (let i = 0; i < 30; i++) expect(await postForged(urlB, Wallet.createRandom().address, b.address, "127.0.0.2", i)).toBe(403);
    expect(b.snapshot().signatureChecks).toBe(checks0);
    const t0 = Date.now();
    const statuses = await Promise.all(Array.from({ length: 150 }, (_, i) => postForged(urlB, a.address, b.address, "127.0.0.2", 1000 + i)));
    for (let i = 0; i < 5; i++) await expect(a.send(b.address, MSG.ping, 1, 1, {})).resolves.toBeNull();
    const seconds = (Date.now() - t0) / 1000;
    const unknownChecks = b.snapshot().signatureChecks - checks0 - 5;
    expect(unknownChecks).toBeLessThanOrEqual(10 + Math.ceil(10 * seconds));
    expect(unknownChecks).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(100);
    expect(b.snapshot().rejected.throttled).toBe(statuses.filter((s) => s === 429).length);
  });

  it("a flooding address spends only its own share: a new connection from another address is still checked", () => {
    const gate = new AuthGate(100, 200, 10);
    const claimed = Wallet.createRandom().address;
    const attacker = Array.from({ length: 300 }, () => gate.admit({}, claimed, "10.0.0.66"));
    // Half the global burst freely, then only what is left of its own share (20): never the whole budget.
    const got = attacker.filter((a) => a === "budget").length;
    expect(got).toBeGreaterThanOrEqual(100);
    expect(got).toBeLessThanOrEqual(121);
    expect(gate.admit({}, claimed, "10.0.0.7")).toBe("budget");
    // A good signature refunds both budgets and trusts the connection for that peer only.
    const conn = {};
    gate.succeeded(conn, claimed, gate.admit(conn, claimed, "10.0.0.7"), "10.0.0.7");
    expect(gate.admit(conn, claimed, "10.0.0.7")).toBe("trusted");
    expect(gate.admit(conn, Wallet.createRandom().address, "10.0.0.7")).toBe("budget");
  });

  it(`a member holds at most ${MAX_TRUSTED_PER_PEER} trusted connections; closing one frees its slot`, () => {
    const gate = new AuthGate();
    const peer = Wallet.createRandom().address;
    const sockets = Array.from({ length: MAX_TRUSTED_PER_PEER + 3 }, () => new EventEmitter());
    for (const s of sockets) gate.succeeded(s, peer, "budget", "10.0.0.9");
    expect(sockets.filter((s) => gate.isTrusted(s)).length).toBe(MAX_TRUSTED_PER_PEER);
    sockets[0].emit("close");
    const late = sockets[MAX_TRUSTED_PER_PEER];
    gate.succeeded(late, peer, "trusted", "10.0.0.9");
    expect(gate.isTrusted(late)).toBe(true);
  });
});

describe("a junk flood does not become a log flood", () => {
  it("counts every refusal but logs a burst and then a few a second", async () => {
    let lines = 0;
    const logger = createLogger({
      destination: new Writable({
        write: (c, _e, cb) => (
          (lines += c
            .toString()
            .split("\n")
            .filter((l: string) => l.includes("peer message rejected")).length),
          cb()
        ),
      }),
    });
    const b = node(new Wallet(Wallet.createRandom().privateKey), new Map(), silent, { logger });
    const url = `http://127.0.0.1:${await b.listen()}${MESSAGE_PATH}`;
    for (let i = 0; i < 200; i++) {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      await r.text();
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(b.snapshot().rejected.malformed).toBe(200);
    expect(lines).toBeGreaterThanOrEqual(20);
    expect(lines).toBeLessThan(60);
  });
});
