import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, getAddress } from "ethers";
import { MESSAGE_SCHEMAS, MSG } from "../protocol/messages";
import { ENVELOPE_VERSION, signEnvelope } from "../transport/envelope";
import { MESSAGE_PATH, PeerNetwork } from "../transport/peer-network";
import type { ReplayStore } from "../transport/replay-guard";
import { openStore, type NodeStore } from "./node-store";

const DIGEST = "0x" + "55".repeat(32);
const open: Array<{ close: () => unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function tmpDb(): string {
  return join(mkdtempSync(join(tmpdir(), "nonces-")), "node.sqlite");
}

describe("NonceLog", () => {
  it("remembers a nonce across reopening the file, refuses it twice, and prunes by send time", () => {
    const path = tmpDb();
    const s1 = openStore(path);
    const log1 = s1.openNonceLog();
    expect(log1.remember("0xaa:01", 1_000)).toBe(true);
    expect(log1.remember("0xaa:01", 1_000)).toBe(false);
    expect(log1.remember("0xaa:02", 5_000)).toBe(true);
    s1.close();
    const s2 = openStore(path);
    const log2 = s2.openNonceLog();
    expect(log2.has("0xaa:01")).toBe(true);
    expect(log2.remember("0xaa:01", 1_000)).toBe(false);
    log2.prune(2_000);
    expect(log2.has("0xaa:01")).toBe(false);
    expect(log2.has("0xaa:02")).toBe(true);
    s2.close();
  });
});

describe("item 12: a captured envelope replayed after the receiver restarts", () => {
  async function receiver(key: Wallet, sender: Wallet, store?: NodeStore): Promise<{ net: PeerNetwork; url: string }> {
    const peers = new Set([getAddress(sender.address)]);
    const replayStore: ReplayStore | undefined = store?.openNonceLog();
    const net = new PeerNetwork({
      key: key.signingKey,
      port: 0,
      configDigest: () => DIGEST,
      isPeer: (a) => peers.has(getAddress(a)),
      peerUrl: () => undefined,
      schemas: MESSAGE_SCHEMAS,
      handlers: { [MSG.ping]: async () => null },
      replayStore,
    });
    const port = await net.listen();
    open.push(net);
    return { net, url: `http://127.0.0.1:${port}${MESSAGE_PATH}` };
  }
  const post = async (url: string, body: unknown) => {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: r.status, body: r.status === 204 ? null : ((await r.json()) as { error?: string }) };
  };

  for (const durable of [true, false]) {
    it(durable ? "is refused as replayed when the guard persists in SQLite" : "(control) is accepted again by a guard that lives in memory only", async () => {
      const me = new Wallet(Wallet.createRandom().privateKey);
      const peer = new Wallet(Wallet.createRandom().privateKey);
      const path = tmpDb();
      const captured = signEnvelope(peer.signingKey, {
        v: ENVELOPE_VERSION,
        type: MSG.ping,
        from: peer.address,
        to: me.address,
        configDigest: DIGEST,
        epoch: 1,
        round: 1,
        nonce: "5a".repeat(16),
        sentAt: Date.now(),
        payload: {},
      });
      const store1 = durable ? openStore(path) : undefined;
      const first = await receiver(me, peer, store1);
      expect((await post(first.url, captured)).status).toBe(204);
      expect(await post(first.url, captured)).toMatchObject({ status: 409, body: { error: "replayed" } });
      // Restart: server and store closed, everything built again from the same file.
      await first.net.close();
      store1?.close();
      const store2 = durable ? openStore(path) : undefined;
      if (store2) open.push(store2);
      const second = await receiver(me, peer, store2);
      const again = await post(second.url, captured);
      if (durable) expect(again).toMatchObject({ status: 409, body: { error: "replayed" } });
      else expect(again.status).toBe(204);
      // A new message from the same peer is still welcome.
      const fresh = signEnvelope(peer.signingKey, { ...captured, nonce: "6b".repeat(16), sentAt: Date.now() });
      expect((await post(second.url, fresh)).status).toBe(204);
    });
  }
});
