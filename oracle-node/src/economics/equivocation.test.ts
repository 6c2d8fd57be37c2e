import { describe, expect, it } from "vitest";
import { Signature, Wallet } from "ethers";
import { encodeReport, reportDigest, signReport, type Domain } from "../protocol/report";
import { EquivocationDetector } from "./equivocation";

const keys = Array.from({ length: 4 }, (_, i) => new Wallet("0x" + String(i + 1).padStart(64, "0")));
const DIGEST = "0x" + "ab".repeat(32);
const domain: Domain = { chainId: 31337n, verifyingContract: "0x" + "11".repeat(20) };

function report(epoch: number, round: number, ts = 1000, digest = DIGEST): string {
  return encodeReport({
    configDigest: digest,
    epoch,
    round,
    observationsTimestamp: ts,
    feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: [1n, 2n, 3n] }],
  });
}
function sig(key: Wallet, r: string): string {
  return signReport(key, reportDigest(r, domain));
}
function detector(self = keys[0].address, maxRoundsPerSigner?: number): EquivocationDetector {
  return new EquivocationDetector({ configDigest: DIGEST, signers: keys.map((k) => k.address), domain, self, maxRoundsPerSigner });
}

describe("EquivocationDetector", () => {
  it("proves a signer that signed two different reports for one (epoch, round), once", () => {
    const d = detector();
    const a = report(3, 7, 1000);
    const b = report(3, 7, 999);
    expect(d.record(a, [{ signerIndex: 2, signature: sig(keys[2], a) }])).toEqual([]);
    const proofs = d.record(b, [
      { signerIndex: 1, signature: sig(keys[1], b) },
      { signerIndex: 2, signature: sig(keys[2], b) },
    ]);
    expect(proofs).toHaveLength(1);
    expect(proofs[0]).toMatchObject({ signer: keys[2].address, signerIndex: 2, epoch: 3, round: 7, reportA: a, reportB: b });
    expect(d.record(report(3, 7, 998), [{ signerIndex: 2, signature: sig(keys[2], report(3, 7, 998)) }])).toEqual([]);
  });

  it("is no proof: the same report twice, a high-s copy of the signature, another round, another config digest", () => {
    const d = detector();
    const a = report(1, 1);
    const s = sig(keys[1], a);
    const parsed = Signature.from(s);
    // The same (r, s) with s' = n - s and the other v: a valid signature of the same digest.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const high = parsed.r + (n - BigInt(parsed.s)).toString(16).padStart(64, "0") + (parsed.v === 27 ? "1c" : "1b");
    expect(d.record(a, [{ signerIndex: 1, signature: s }])).toEqual([]);
    expect(d.record(a, [{ signerIndex: 1, signature: s }])).toEqual([]);
    expect(d.record(a, [{ signerIndex: 1, signature: high }])).toEqual([]);
    expect(d.record(report(1, 2), [{ signerIndex: 1, signature: sig(keys[1], report(1, 2)) }])).toEqual([]);
    const foreign = report(1, 1, 5, "0x" + "cd".repeat(32));
    expect(d.record(foreign, [{ signerIndex: 1, signature: sig(keys[1], foreign) }])).toEqual([]);
  });

  it("never records or proves this node's own signer", () => {
    const d = detector(keys[1].address);
    const a = report(2, 2, 1);
    const b = report(2, 2, 2);
    d.record(a, [{ signerIndex: 1, signature: sig(keys[1], a) }]);
    expect(d.record(b, [{ signerIndex: 1, signature: sig(keys[1], b) }])).toEqual([]);
    expect(d.size()).toBe(0);
  });

  it("refuses a signature under the wrong index, a forged or malformed one, and undecodable or oversized reports", () => {
    const d = detector();
    const a = report(2, 2, 1);
    const b = report(2, 2, 2);
    // keys[3] signed, claimed as index 2: index 2 must not be provable with it.
    d.record(a, [{ signerIndex: 2, signature: sig(keys[3], a) }]);
    d.record(b, [{ signerIndex: 2, signature: sig(keys[2], b) }]);
    expect(d.record(report(2, 2, 3), [{ signerIndex: 9, signature: sig(keys[2], a) }])).toEqual([]);
    expect(d.record(a, [{ signerIndex: 2, signature: "0x1234" }])).toEqual([]);
    expect(d.record("0xzz", [{ signerIndex: 2, signature: sig(keys[2], a) }])).toEqual([]);
    expect(d.record("0x" + "00".repeat(70_000), [])).toEqual([]);
    expect(d.size()).toBe(1);
    expect(d.refused).toBe(5);
  });

  it("bounds what a flooding signer can make it hold: only its own oldest rounds are dropped", () => {
    const d = detector(keys[0].address, 8);
    const honest = report(1, 1);
    d.record(honest, [{ signerIndex: 1, signature: sig(keys[1], honest) }]);
    for (let r = 1; r <= 50; r++) {
      const x = report(9, r);
      d.record(x, [{ signerIndex: 3, signature: sig(keys[3], x) }]);
    }
    expect(d.size()).toBe(9);
    const b = report(1, 1, 77);
    expect(d.record(b, [{ signerIndex: 1, signature: sig(keys[1], b) }])).toHaveLength(1);
  });
});
