import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";

describe("canonicalJson (RFC 8785)", () => {
  it("matches the RFC 8785 section 3.2.3 example byte for byte", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts keys by UTF-16 code units, at every depth, and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { "\u20ac": 1, "\ud83d\ude00": 2, z: [3, { y: 1, x: undefined }] } })).toBe(
      '{"a":{"z":[3,{"y":1}],"\u20ac":1,"\ud83d\ude00":2},"b":1}',
    );
  });

  it("refuses what JSON cannot carry: NaN, Infinity, bigint, functions (top level or nested)", () => {
    expect(() => canonicalJson(NaN)).toThrow();
    expect(() => canonicalJson({ x: Infinity })).toThrow();
    expect(() => canonicalJson({ x: 1n })).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/unsupported/);
    expect(canonicalJson({ s: "undefined" })).toBe('{"s":"undefined"}');
  });
});
