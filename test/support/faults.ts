import { writeSync } from "node:fs";
import { formatRoundId } from "../../oracle-node/src/log/round";
import { MSG } from "../../oracle-node/src/protocol/messages";
import { MESSAGE_PATH } from "../../oracle-node/src/transport/peer-network";
import { NO_FAULTS, type FaultContext, type FaultHooks } from "../../oracle-node/src/node/fault-hooks";

/**
 * Test-only misbehaviour, installed through the node's one fault seam (`FaultHooks`), to prove
 * the committee survives it:
 * - `byzantine`: as follower it answers with absurd values (x1000), every other signature made
 *   over something else; as leader it inflates every proposed observation x10; and every second
 *   it sends each peer a forged envelope (a signature that recovers to nobody in the
 *   committee), a body over the size limit and broken JSON. Peers must answer each with a 4xx,
 *   refuse to sign, vote it out and keep serving.
 * - `crash-leader-mid-round`: the leader kills itself (SIGKILL) right after collecting f+1
 *   report signatures, before any final report goes out.
 */
export type FaultMode = "none" | "byzantine" | "crash-leader-mid-round";
export const FAULT_MODES: readonly FaultMode[] = ["none", "byzantine", "crash-leader-mid-round"];

const JUNK_INTERVAL_MS = 1_000;
/** Over the transport's 256 kB body limit. */
const OVERSIZED_BYTES = 300 * 1024;

export function faultHooks(mode: FaultMode, nodeName = "node"): FaultHooks {
  if (mode === "byzantine") return byzantine();
  if (mode === "crash-leader-mid-round") return crashLeaderMidRound(nodeName);
  return NO_FAULTS;
}

export function byzantine(): FaultHooks {
  return {
    loops: (ctx) => [sendJunkLoop(ctx)],
    proposal: (p) => ({ ...p, feeds: p.feeds.map((f) => ({ ...f, observations: f.observations.map((v) => (BigInt(v) * 10n).toString()) })) }),
    signaturesCollected: () => undefined,
    observationReply: (items, sign) => ({
      observations: items.map((it, k) => {
        const absurd = it.value * 1000n;
        return { feedIndex: it.feedIndex, value: absurd.toString(), signature: sign(it.feedIndex, k % 2 ? absurd + 1n : absurd) };
      }),
    }),
  };
}

export function crashLeaderMidRound(nodeName: string, kill: () => void = () => process.kill(process.pid, "SIGKILL")): FaultHooks {
  return {
    ...NO_FAULTS,
    signaturesCollected: ({ epoch, round }) => {
      // Written synchronously: the logger's buffer dies with the process.
      const line = {
        level: 50,
        time: new Date().toISOString(),
        node: nodeName,
        roundId: formatRoundId(epoch, round),
        msg: "test fault: leader crashing mid-round (SIGKILL) after collecting signatures",
      };
      writeSync(2, JSON.stringify(line) + "\n");
      kill();
    },
  };
}

export async function sendJunkLoop(ctx: FaultContext): Promise<void> {
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
