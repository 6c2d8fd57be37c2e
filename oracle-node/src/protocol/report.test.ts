import { describe, expect, it } from "vitest";
import { SigningKey, TypedDataEncoder, Wallet, keccak256, toUtf8Bytes } from "ethers";
import {
  CONFIDENCE_MAX,
  EIP712_NAME,
  EIP712_VERSION,
  OBSERVATION_MAX,
  OBSERVATION_MIN,
  ReportFormatError,
  computeConfigDigest,
  decodeReport,
  encodeReport,
  epochAndRound,
  expectedAnswer,
  expectedConfidence,
  packSignatures,
  recoverSigner,
  reportDigest,
  signReport,
  signReportBy,
  unpackSignatures,
  type Report,
} from "./report";

const DIGEST = "0x" + "11".repeat(32);
const DOMAIN = { chainId: 31337n, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };

function sample(): Report {
  return {
    configDigest: DIGEST,
    epoch: 7,
    round: 3,
    observationsTimestamp: 1_764_000_000,
    feeds: [
      { feedIndex: 0, observers: [4, 0, 2], observations: [-5n, 0n, 300n] },
      { feedIndex: 2, observers: [1, 3, 0, 2], observations: [6_712_345_000_000n, 6_712_345_000_001n, 6_712_400_000_000n, 6_712_500_000_000n] },
    ],
  };
}

describe("encodeReport / decodeReport", () => {
  it("round-trips and lays out the header byte by byte", () => {
    const r = sample();
    const hex = encodeReport(r);
    expect(hex.slice(2, 66)).toBe("11".repeat(32));
    expect(hex.slice(66, 76)).toBe("0000000703"); // epochAndRound uint40
    expect(hex.slice(76, 84)).toBe((1_764_000_000).toString(16).padStart(8, "0"));
    expect(hex.slice(84, 86)).toBe("02");
    // Feed 0: index 00, count 03, observers 04 00 02, width 02, then -5, 0, 300 as int16.
    expect(hex.slice(86, 86 + 2 * 8)).toBe("0003040002" + "02" + "fffb");
    expect(decodeReport(hex)).toEqual(r);
  });

  it("uses the narrowest width and handles the int120 extremes", () => {
    const r: Report = { ...sample(), feeds: [{ feedIndex: 5, observers: [0, 1, 2], observations: [OBSERVATION_MIN, 0n, OBSERVATION_MAX] }] };
    const hex = encodeReport(r);
    expect(hex.length).toBe(2 + 2 * (42 + 2 + 3 + 1 + 3 * 15));
    expect(decodeReport(hex)).toEqual(r);
    const tiny = encodeReport({ ...sample(), feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: [-128n, 0n, 127n] }] });
    expect(tiny.length).toBe(2 + 2 * (42 + 2 + 3 + 1 + 3));
  });

  it.each([
    ["unsorted observations", { feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: [2n, 1n, 3n] }] }, /not sorted/],
    ["duplicate observers", { feeds: [{ feedIndex: 0, observers: [0, 0, 2], observations: [1n, 2n, 3n] }] }, /duplicate observer/],
    ["observer out of range", { feeds: [{ feedIndex: 0, observers: [0, 31, 2], observations: [1n, 2n, 3n] }] }, /observer/],
    ["length mismatch", { feeds: [{ feedIndex: 0, observers: [0, 1], observations: [1n, 2n, 3n] }] }, /2 observers for 3/],
    ["beyond int120", { feeds: [{ feedIndex: 0, observers: [0, 1, 2], observations: [1n, 2n, OBSERVATION_MAX + 1n] }] }, /outside int120/],
    ["no feeds", { feeds: [] }, /1\.\.255 feeds/],
    [
      "feeds not ascending",
      {
        feeds: [
          { feedIndex: 1, observers: [0], observations: [1n] },
          { feedIndex: 1, observers: [0], observations: [1n] },
        ],
      },
      /strictly increasing/,
    ],
    ["no observations", { feeds: [{ feedIndex: 0, observers: [], observations: [] }] }, /observations required/],
    ["bad digest", { configDigest: "0x1234" }, /configDigest/],
    ["epoch too large", { epoch: 2 ** 32 }, /epoch/],
    ["round too large", { round: 256 }, /round/],
    ["negative timestamp", { observationsTimestamp: -1 }, /observationsTimestamp/],
  ])("rejects %s", (_name, patch, message) => {
    expect(() => encodeReport({ ...sample(), ...(patch as Partial<Report>) })).toThrow(message);
  });

  it.each([
    ["not hex", "0xzz", /not 0x-prefixed hex/],
    ["shorter than the header", "0x" + "00".repeat(41), /shorter than the 42-byte header/],
    ["a truncated feed header", "0x" + "00".repeat(41) + "01" + "00", /truncated at byte 42/],
    ["truncated observers", "0x" + "00".repeat(41) + "01" + "0005" + "0001", /truncated at byte 44/],
    ["width 0", "0x" + "00".repeat(41) + "01" + "0001" + "00" + "00", /width 0/],
    ["width 16", "0x" + "00".repeat(41) + "01" + "0001" + "00" + "10", /width 16/],
    ["truncated observations", "0x" + "00".repeat(41) + "01" + "0001" + "00" + "04" + "0000", /truncated at byte 46/],
    ["trailing bytes", encodeReport(sample()) + "00", /1 trailing bytes/],
  ])("decode rejects %s with ReportFormatError", (_name, hex, message) => {
    expect(() => decodeReport(hex)).toThrow(ReportFormatError);
    expect(() => decodeReport(hex)).toThrow(message);
  });
});

describe("digests and signatures", () => {
  it("reportDigest is EIP-712 typed data Report(bytes report)", () => {
    const hex = encodeReport(sample());
    const expected = TypedDataEncoder.hash(
      { name: EIP712_NAME, version: EIP712_VERSION, ...DOMAIN },
      { Report: [{ name: "report", type: "bytes" }] },
      { report: hex },
    );
    expect(reportDigest(hex, DOMAIN)).toBe(expected);
    expect(reportDigest(hex, { ...DOMAIN, chainId: 1n })).not.toBe(expected);
  });

  it("signs with a Wallet or a SigningKey, recovers the signer, packs index ‖ r ‖ yParityAndS", () => {
    const wallet = new Wallet(keccak256(toUtf8Bytes("k")));
    const digest = reportDigest(encodeReport(sample()), DOMAIN);
    const s1 = signReport(wallet, digest);
    const s2 = signReport(new SigningKey(wallet.privateKey), digest);
    expect(s1).toBe(s2);
    expect(s1.length).toBe(2 + 130);
    expect(recoverSigner(digest, s1)).toBe(wallet.address);
    const packed = packSignatures([{ signerIndex: 9, signature: s1 }]);
    expect(packed.length).toBe(2 + 130);
    expect(packed.slice(2, 4)).toBe("09");
    const [entry] = unpackSignatures(packed);
    expect(entry.signerIndex).toBe(9);
    expect(recoverSigner(digest, entry.signature)).toBe(wallet.address);
    const both = signReportBy(encodeReport(sample()), DOMAIN, [
      { signerIndex: 0, key: wallet },
      { signerIndex: 3, key: wallet },
    ]);
    expect(unpackSignatures(both).map((e) => e.signerIndex)).toEqual([0, 3]);
  });

  it("rejects malformed signatures and indices", () => {
    expect(() => packSignatures([{ signerIndex: 31, signature: "0x" + "00".repeat(65) }])).toThrow(/signerIndex/);
    expect(() => packSignatures([{ signerIndex: 0, signature: "0x1234" }])).toThrow(/malformed/);
    expect(() => unpackSignatures("0x" + "00".repeat(64))).toThrow(/multiple of 65/);
  });

  it("epochAndRound packs epoch << 8 | round", () => {
    expect(epochAndRound(0, 0)).toBe(0n);
    expect(epochAndRound(1, 2)).toBe(258n);
    expect(epochAndRound(0xffffffff, 0xff)).toBe((1n << 40n) - 1n);
    expect(() => epochAndRound(1.5, 0)).toThrow(/epoch/);
  });

  it("computeConfigDigest binds every input", () => {
    const base = {
      chainId: 1n,
      contractAddress: DOMAIN.verifyingContract,
      configCount: 1,
      signers: [DOMAIN.verifyingContract],
      transmitters: [DOMAIN.verifyingContract],
      f: 1,
      offchainConfig: "0x",
    };
    const d = computeConfigDigest(base);
    for (const patch of [{ chainId: 2n }, { configCount: 2 }, { f: 2 }, { offchainConfig: "0x00" }, { signers: [] }]) {
      expect(computeConfigDigest({ ...base, ...patch })).not.toBe(d);
    }
  });
});

describe("expected answer and confidence", () => {
  it("are the median and the half interquartile range the contract stores", () => {
    expect(expectedAnswer([1n, 2n, 9n])).toBe(2n);
    expect(expectedAnswer([-3n, -2n])).toBe(-3n); // floor(-2.5)
    expect(expectedConfidence([100n, 200n, 300n])).toBe(100n);
    expect(expectedConfidence([1n, 2n, 3n, 4n, 5n])).toBe(1n); // (4 - 2) / 2
    expect(expectedConfidence([OBSERVATION_MIN, OBSERVATION_MIN, 0n, OBSERVATION_MAX, OBSERVATION_MAX])).toBe(CONFIDENCE_MAX);
  });
});
