import { MESSAGE_PATH } from "../transport/peer-network";
import { MSG } from "../protocol/messages";

/**
 * Test-only misbehaviour of a Byzantine node (`oracle-node start --test-fault byzantine`), here
 * so the honest code paths stay free of it: every second, each peer gets a forged envelope (a
 * signature that recovers to nobody in the committee), a body over the size limit and broken
 * JSON. The peers must answer each with a 4xx and keep serving.
 */
const JUNK_INTERVAL_MS = 1_000;
/** Over the transport's 256 kB body limit. */
const OVERSIZED_BYTES = 300 * 1024;

export async function sendJunkLoop(ctx: {
  from: string;
  peers: ReadonlyMap<string, string>;
  configDigest: () => string;
  epoch: () => number;
  running: () => boolean;
}): Promise<void> {
  while (ctx.running()) {
    for (const [to, url] of ctx.peers) {
      if (to === ctx.from) continue;
      const forged = {
        v: 1,
        type: MSG.observeRequest,
        from: ctx.from,
        to,
        configDigest: ctx.configDigest(),
        epoch: ctx.epoch(),
        round: 1,
        nonce: "00".repeat(16),
        sentAt: Date.now(),
        payload: { feeds: [0], notBefore: 0 },
        signature: "0x" + "11".repeat(65),
      };
      for (const body of [JSON.stringify(forged), "x".repeat(OVERSIZED_BYTES), "{ not json"]) {
        await fetch(url.replace(/\/$/, "") + MESSAGE_PATH, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(1_000),
        }).catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, JUNK_INTERVAL_MS));
  }
}
