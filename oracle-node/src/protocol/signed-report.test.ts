import { describe, expect, it } from "vitest";
import { decodeReport, reportDigest } from "./report";
import { encodeAndDigest, toReport } from "./signed-report";

const DIGEST = "0x0001" + "ab".repeat(30);
const body = {
  observationsTimestamp: 1_700_000_000,
  feeds: [{ feedIndex: 3, observers: [2, 0, 1], observations: ["-5", "10", "12"] }],
};

describe("signed report", () => {
  it("builds the report a proposal or final report stands for, which decodes back to itself", () => {
    const r = toReport(DIGEST, 4, 9, body);
    expect(r.feeds[0].observations).toEqual([-5n, 10n, 12n]);
    const { encoded, digest } = encodeAndDigest(r, 31337, "0x" + "42".repeat(20));
    expect(decodeReport(encoded)).toEqual(r);
    expect(digest).toBe(reportDigest(encoded, { chainId: 31337n, verifyingContract: "0x" + "42".repeat(20) }));
  });

  it("the digest binds the chain and the contract", () => {
    const r = toReport(DIGEST, 4, 9, body);
    const a = encodeAndDigest(r, 1, "0x" + "42".repeat(20)).digest;
    expect(encodeAndDigest(r, 2, "0x" + "42".repeat(20)).digest).not.toBe(a);
    expect(encodeAndDigest(r, 1, "0x" + "43".repeat(20)).digest).not.toBe(a);
  });

  it("throws on a report that cannot be encoded (an observation beyond int120)", () => {
    const huge = { ...body, feeds: [{ ...body.feeds[0], observations: ["1", "2", (1n << 200n).toString()] }] };
    expect(() => encodeAndDigest(toReport(DIGEST, 1, 1, huge), 1, "0x" + "42".repeat(20))).toThrow();
  });
});
