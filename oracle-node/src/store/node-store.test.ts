import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { openStore } from "./node-store";

const SIGNER = "0x00000000000000000000000000000000000000aa";
const DIGEST = "0x0001" + "00".repeat(30);

function tmpDb(): string {
  return join(mkdtempSync(join(tmpdir(), "store-")), "node.sqlite");
}

describe("NodeStore sign claims", () => {
  it("claims a new round, repeats the same content, refuses different content for the same round", () => {
    const s = openStore(tmpDb());
    expect(s.claim(SIGNER, "observation", DIGEST, 1, 1, [{ feedId: "BTC/USD", content: "100" }])).toEqual({ ok: true, repeat: false });
    expect(s.claim(SIGNER, "observation", DIGEST, 1, 1, [{ feedId: "BTC/USD", content: "100" }])).toEqual({ ok: true, repeat: true });
    const r = s.claim(SIGNER, "observation", DIGEST, 1, 1, [{ feedId: "BTC/USD", content: "101" }]);
    expect(r).toMatchObject({ ok: false, reason: "conflict", signedEpoch: 1, signedRound: 1 });
    s.close();
  });

  it("refuses a round older than the last one signed and accepts a newer one", () => {
    const s = openStore(tmpDb());
    expect(s.claim(SIGNER, "report", DIGEST, 3, 2, [{ feedId: "f", content: "a" }]).ok).toBe(true);
    expect(s.claim(SIGNER, "report", DIGEST, 3, 1, [{ feedId: "f", content: "b" }])).toMatchObject({ ok: false, reason: "older-round" });
    expect(s.claim(SIGNER, "report", DIGEST, 2, 9, [{ feedId: "f", content: "b" }])).toMatchObject({ ok: false, reason: "older-round" });
    expect(s.claim(SIGNER, "report", DIGEST, 4, 0, [{ feedId: "f", content: "b" }]).ok).toBe(true);
    s.close();
  });

  it("claims a batch atomically: one conflicting feed leaves every feed unclaimed", () => {
    const s = openStore(tmpDb());
    s.claim(SIGNER, "report", DIGEST, 1, 1, [{ feedId: "a", content: "x" }]);
    const r = s.claim(SIGNER, "report", DIGEST, 1, 1, [
      { feedId: "b", content: "y" },
      { feedId: "a", content: "z" },
    ]);
    expect(r.ok).toBe(false);
    expect(s.lastSigned(SIGNER, "report", DIGEST, "b")).toBeNull();
    s.close();
  });

  it("keeps observations, reports, signers and config digests apart", () => {
    const s = openStore(tmpDb());
    s.claim(SIGNER, "observation", DIGEST, 1, 1, [{ feedId: "f", content: "1" }]);
    expect(s.claim(SIGNER, "report", DIGEST, 1, 1, [{ feedId: "f", content: "2" }]).ok).toBe(true);
    expect(s.claim("0xbb", "observation", DIGEST, 1, 1, [{ feedId: "f", content: "2" }]).ok).toBe(true);
    expect(s.claim(SIGNER, "observation", "0x02", 1, 1, [{ feedId: "f", content: "2" }]).ok).toBe(true);
    s.close();
  });

  it("survives a process killed right after the claim: the reopened store still refuses a conflict", () => {
    const path = tmpDb();
    // A child process claims and then dies by SIGKILL without closing the database.
    const code = `
      const { openStore } = require(${JSON.stringify(join(__dirname, "node-store.ts"))});
      const s = openStore(${JSON.stringify(path)});
      s.claim(${JSON.stringify(SIGNER)}, "report", ${JSON.stringify(DIGEST)}, 7, 3, [{ feedId: "f", content: "first" }]);
      process.kill(process.pid, "SIGKILL");
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8" });
    expect(r.signal).toBe("SIGKILL");
    const s = openStore(path);
    expect(s.lastSigned(SIGNER, "report", DIGEST, "f")).toMatchObject({ epoch: 7, round: 3, content: "first" });
    expect(s.claim(SIGNER, "report", DIGEST, 7, 3, [{ feedId: "f", content: "second" }])).toMatchObject({ ok: false, reason: "conflict" });
    s.close();
  });
});

describe("NodeStore logs and state", () => {
  it("logs transmissions and lists them newest first", () => {
    const s = openStore(":memory:");
    const a = s.recordTx({ epoch: 1, round: 1, feeds: ["f"] });
    const b = s.recordTx({ epoch: 1, round: 2, feeds: ["f", "g"], nonce: 4 });
    s.updateTx(a, { hash: "0xabc", status: "confirmed", gasUsed: 81234n });
    s.updateTx(b, { status: "failed", error: "insufficient funds" });
    const txs = s.recentTxs();
    expect(txs.map((t) => t.id)).toEqual([b, a]);
    expect(txs[1]).toMatchObject({ hash: "0xabc", status: "confirmed", gasUsed: "81234", feeds: ["f"] });
    expect(txs[0]).toMatchObject({ nonce: 4, status: "failed", error: "insufficient funds", feeds: ["f", "g"] });
    s.close();
  });

  it("stores the filter's state blob and small values", () => {
    const s = openStore(":memory:");
    expect(s.loadFilterState("history")).toBeNull();
    s.saveFilterState("history", new Uint8Array([1, 2, 3]));
    expect([...(s.loadFilterState("history") ?? [])]).toEqual([1, 2, 3]);
    s.setValue("epoch", "12");
    expect(s.getValue("epoch")).toBe("12");
    s.close();
  });
});
