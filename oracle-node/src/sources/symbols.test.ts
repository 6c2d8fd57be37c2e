import { describe, expect, it } from "vitest";
import { krakenCanonical } from "./adapters/kraken";
import { fillTemplate, splitUrl, templateVars } from "./generic/template";
import { walkPath } from "./generic/json-path";
import { parseCsv } from "./generic/parse-csv";
import { checkSymbol, splitPair, usdAsUsdt } from "./symbols";

describe("pairs and symbols", () => {
  it("splits a pair, upper-casing it", () => {
    expect(splitPair("btc/usd")).toEqual({ base: "BTC", quote: "USD" });
    expect(splitPair("1INCH/USDT")).toEqual({ base: "1INCH", quote: "USDT" });
  });
  it.each(["BTCUSD", "BTC/", "/USD", "BTC/USD/EUR", "BTC-USD", "", "B TC/USD"])("rejects the pair %j", (p) => {
    expect(() => splitPair(p)).toThrow(/BASE\/QUOTE/);
  });
  it("reads USD as USDT only for the quote USD", () => {
    expect(usdAsUsdt("USD")).toBe("USDT");
    expect(usdAsUsdt("EUR")).toBe("EUR");
  });
  it("refuses symbols that could change a URL", () => {
    expect(checkSymbol("tDOGE:USD")).toBe("tDOGE:USD");
    expect(checkSymbol("aapl.us")).toBe("aapl.us");
    for (const bad of ["a?b", "a&b=c", "a#b", "a b", "%2e%2e", "x".repeat(65)]) expect(() => checkSymbol(bad)).toThrow();
  });
  it("reads Kraken's canonical pair names back", () => {
    expect(krakenCanonical("XXBTZUSD")).toBe("BTCUSD");
    expect(krakenCanonical("XBTUSD")).toBe("BTCUSD");
    expect(krakenCanonical("XETHZUSD")).toBe("ETHUSD");
    expect(krakenCanonical("XETHXXBT")).toBe("ETHBTC");
    expect(krakenCanonical("XBTUSDT")).toBe("BTCUSDT");
    expect(krakenCanonical("SOLUSD")).toBe("SOLUSD");
    expect(krakenCanonical("XDGUSD")).toBe("DOGEUSD");
  });
});

describe("generic source helpers", () => {
  it("fills templates with case filters and URL encoding", () => {
    const v = templateVars("EUR/USD", undefined, "{base:lower}{quote:lower}");
    expect(v.symbol).toBe("eurusd");
    expect(fillTemplate("/x?s={symbol}&b={base}&q={quote:lower}", { ...v, symbol: "a/b" }, true)).toBe("/x?s=a%2Fb&b=EUR&q=usd");
  });
  it("splits a URL into its replaceable origin and its path", () => {
    expect(splitUrl("https://api.frankfurter.dev/v1/latest?base={base}")).toEqual({ origin: "https://api.frankfurter.dev", path: "/v1/latest?base={base}" });
    expect(splitUrl("https://open.er-api.com")).toEqual({ origin: "https://open.er-api.com", path: "/" });
  });
  it("walks JSON paths and says where it stopped", () => {
    const doc = { rates: { USD: 1.08 }, data: [{ last: "1" }] };
    expect(walkPath(doc, "rates.USD")).toEqual({ found: true, value: 1.08 });
    expect(walkPath(doc, "data[0].last")).toEqual({ found: true, value: "1" });
    expect(walkPath(doc, "rates.GBP")).toEqual({ found: false, missingLast: true, at: "GBP" });
    expect(walkPath(doc, "quotes.USD")).toEqual({ found: false, missingLast: false, at: "quotes" });
    expect(walkPath(doc, "rates[0]")).toEqual({ found: false, missingLast: false, at: "0" });
    expect(walkPath({ a: {} }, "a.toString")).toEqual({ found: false, missingLast: true, at: "toString" });
  });
  it("parses CSV with quotes, CRLF and blank lines", () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n\n1,2')).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["1", "2"],
    ]);
  });
});
