import { killAfterAnswer, type SignAnswer } from "./harness/kill-after-answer";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../oracle-node/src/store/node-store";
import { AGGREGATOR, CHAIN_ID, DIGEST, SIGNERS, followerOn, signedProposal } from "../support/node-fixtures";
import { EquivocationDetector } from "../../oracle-node/src/economics/equivocation";
import { encodeAndDigest, toReport } from "../../oracle-node/src/protocol/signed-report";

/**
 * Issue 13.11 across kill -9: a process signs a report with oracle 0's real follower and its
 * SQLite file and is SIGKILLed the moment the signature is out; the restarted follower on the
 * same file signs no other report for that (config digest, epoch, round), not even one for
 * other feeds, and re-signs the same report identically. The same on a real committee, ending on
 * chain (proveEquivocation with the node's two signatures reverts): sla-equivocation.test.ts.
 */
const dir = mkdtempSync(join(tmpdir(), "sign-claim-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function signAndDie(db: string, epoch: number, round: number, feeds: number[], ts: number): Promise<SignAnswer> {
  return killAfterAnswer("test/e2e/harness/sign-and-die.ts", [db, String(epoch), String(round), feeds.join(","), String(ts)]);
}

describe("one report per (config digest, epoch, round) across kill -9 (issue 13.11)", () => {
  it("attack: a node SIGKILLed right after signing refuses, once restarted, a different report for the round", async () => {
    const db = join(dir, "node.sqlite");
    const ts = Math.floor(Date.now() / 1000);
    const first = await signAndDie(db, 0, 7, [0], ts);
    expect(first).toMatchObject({ code: "", signal: "SIGKILL" });
    expect(first.signature).toMatch(/^0x[0-9a-f]{130}$/);
    const store = openStore(db);
    try {
      const fw = followerOn(store);
      // Other feeds, same round: refused. The same report: the same signature again.
      expect(fw.checkAndSign(signedProposal(0, 7, [1], ts), 0, 7)).toMatchObject({ signature: null, code: "conflict" });
      expect(fw.checkAndSign(signedProposal(0, 7, [0], ts), 0, 7).signature).toBe(first.signature);
    } finally {
      store.close();
    }
  });

  it("an honest node killed with -9 mid-signing and restarted, asked again and again for other reports of the round, is never proven", async () => {
    const db = join(dir, "node-proof.sqlite");
    const ts = Math.floor(Date.now() / 1000);
    // A watcher (oracle 1's view) keeps every signature oracle 0 gives out for (0, 9).
    const watcher = new EquivocationDetector({
      configDigest: DIGEST,
      signers: SIGNERS,
      domain: { chainId: BigInt(CHAIN_ID), verifyingContract: AGGREGATOR },
      self: SIGNERS[1],
    });
    const asks: Array<{ feeds: number[]; ts: number }> = [
      { feeds: [0], ts },
      { feeds: [1], ts },
      { feeds: [0, 1], ts },
      { feeds: [0], ts: ts - 1 },
    ];
    let signatures = 0;
    for (const ask of asks) {
      const r = await signAndDie(db, 0, 9, ask.feeds, ask.ts);
      expect(r.signal).toBe("SIGKILL");
      if (!r.signature) continue;
      signatures += 1;
      const { encoded } = encodeAndDigest(toReport(DIGEST, 0, 9, signedProposal(0, 9, ask.feeds, ask.ts)), CHAIN_ID, AGGREGATOR);
      expect(watcher.record(encoded, [{ signerIndex: 0, signature: r.signature }])).toEqual([]);
    }
    // Only the first report was signed; every later ask, after each kill -9, was refused.
    expect(signatures).toBe(1);
  }, 60_000);
});
