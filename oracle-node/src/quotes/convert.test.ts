import { describe, expect, it } from "vitest";
import { createFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { getAdapter } from "../sources/registry";
import { sourceQuoteCurrency } from "../sources/quote-currency";
import { convertFeedQuotes, ratePairsOf, trustRate, type QuoteConversionRule, type RateVerdict } from "./convert";
import { parseDecimal, type Fixed } from "./decimal";
import type { Quote } from "./quote";

const NOW = 1_750_000_000_000;
const RULE: QuoteConversionRule = { rates: { USDT: "USDT/USD", USDC: "USDC/USD", EUR: "EUR/USD" }, minRateSources: 3, maxRateDispersionBps: 50 };
const FEEDS = [
  { id: "USDT/USD", pair: "USDT/USD" },
  { id: "USDC/USD", pair: "USDC/USD" },
  { id: "EUR/USD", pair: "EUR/USD" },
];
const PAIRS = ratePairsOf(RULE, FEEDS);

function quote(source: string, price: string, pair = "BTC/USD"): Quote {
  const p = parseDecimal(price);
  return { source, pair, price: p, bid: p - 1n, ask: p + 1n, receivedAt: NOW, sourceTimestamp: NOW };
}

/** The rate feed's round through the real filter (kind mad or none), then the trust rule. */
async function rateOf(prices: string[], kind: "mad" | "none" = "mad", feedId = "USDT/USD"): Promise<RateVerdict> {
  const filter = await createFilter({ kind });
  const [r] = await filter.run([{ feedId, quotes: prices.map((p, i) => quote(`venue-${i}`, p, feedId)), minSources: 1, now: NOW }], new FilterState());
  return trustRate(feedId, r, RULE);
}

describe("trustRate: the stablecoin rate the node computes from USD venues", () => {
  it("takes the filtered median of agreeing USD venues", async () => {
    const v = await rateOf(["0.9500", "0.9502", "0.9498", "0.9501"]);
    expect(v.rate).toBe(parseDecimal("0.95005"));
  });

  it("refuses a rate from too few sources", async () => {
    const v = await rateOf(["1.0001", "0.9999"]);
    expect(v.rate).toBeNull();
    expect(v.reason).toMatch(/from 2 sources \(minimum 3\)/);
  });

  it("refuses a missing rate round", () => {
    expect(trustRate("USDT/USD", undefined, RULE)).toEqual({ rate: null, reason: "no USDT/USD round" });
  });

  it("a venue reporting USDT/USD 0 is rejected by validation; the rest still make the rate", async () => {
    const v = await rateOf(["0", "1.0001", "0.9999", "1.0000"]);
    expect(v.rate).toBe(parseDecimal("1.0000"));
  });

  it("a venue reporting USDT/USD 1e9: the MAD filter drops it and the rate stands", async () => {
    const v = await rateOf(["1000000000", "1.0001", "0.9999", "1.0000"]);
    expect(v.rate).toBe(parseDecimal("1.0000"));
  });

  it("a venue reporting USDT/USD 1e9 that no filter removes (kind none): dispersion refuses the rate", async () => {
    const v = await rateOf(["1000000000", "1.0001", "0.9999", "1.0000"], "none");
    expect(v.rate).toBeNull();
    expect(v.reason).toMatch(/disagree by [\d.]+ bps \(maximum 50\)/);
  });

  it("refuses a rate whose venues disagree (a fast depeg read at different moments)", async () => {
    // 0.95 to 0.96 is 105 bps of the median: above 50.
    const v = await rateOf(["0.9500", "0.9550", "0.9600"], "none");
    expect(v.rate).toBeNull();
    // At the limit it is still trusted: 0.9975..1.0025 is exactly 50 bps of 1.0.
    expect((await rateOf(["0.9975", "1.0000", "1.0025"], "none")).rate).toBe(parseDecimal("1"));
  });
});

describe("convertFeedQuotes: USD feeds from USDT, USDC and EUR books", () => {
  const verdicts = (usdt: Fixed | null, usdc: Fixed | null, eur: Fixed | null = null) =>
    new Map<string, RateVerdict>([
      ["USDT/USD", usdt === null ? { rate: null, reason: "USDT/USD refused" } : { rate: usdt }],
      ["USDC/USD", usdc === null ? { rate: null, reason: "USDC/USD refused" } : { rate: usdc }],
      ["EUR/USD", eur === null ? { rate: null, reason: "EUR/USD refused" } : { rate: eur }],
    ]);
  const btc = [
    { quote: quote("kraken", "100000"), currency: "USD" },
    { quote: quote("binance", "105263.15789"), currency: "USDT" },
    { quote: quote("okx", "100100"), currency: "USDC" },
  ];

  it("converts USDT and USDC quotes at their own rates in the same round; USD quotes untouched", () => {
    const out = convertFeedQuotes(btc, "USD", PAIRS, verdicts(parseDecimal("0.95"), parseDecimal("0.999")));
    expect(out.dropped).toEqual([]);
    expect(out.quotes.map((q) => q.price)).toEqual([parseDecimal("100000"), parseDecimal("99999.9999955"), parseDecimal("99999.9")]);
    // bid and ask convert with the price; the source keeps its id.
    expect(out.quotes[1].bid).toBe(((parseDecimal("105263.15789") - 1n) * parseDecimal("0.95") + 5n * 10n ** 17n) / 10n ** 18n);
    expect(out.quotes[1].source).toBe("binance");
  });

  it("drops the quotes whose rate is not trustworthy, with the reason, and keeps the others", () => {
    const out = convertFeedQuotes(btc, "USD", PAIRS, verdicts(null, parseDecimal("1")));
    expect(out.quotes.map((q) => q.source)).toEqual(["kraken", "okx"]);
    expect(out.dropped).toEqual([{ source: "binance", reason: "quoted in USDT, no trustworthy rate: USDT/USD refused" }]);
    const none = convertFeedQuotes(btc, "USD", PAIRS, new Map());
    expect(none.dropped.map((d) => d.reason)).toEqual([
      "quoted in USDT, no trustworthy rate: USDT/USD not observed",
      "quoted in USDC, no trustworthy rate: USDC/USD not observed",
    ]);
  });

  it("EUR quotes: untouched in an EUR feed, converted in a USD feed when EUR has a rate, at par when it has none", () => {
    const eur = [{ quote: quote("kraken", "92000", "BTC/EUR"), currency: "EUR" }];
    expect(convertFeedQuotes(eur, "EUR", PAIRS, new Map()).quotes[0].price).toBe(parseDecimal("92000"));
    const usd = convertFeedQuotes(eur, "USD", PAIRS, verdicts(null, null, parseDecimal("1.08")));
    expect(usd.quotes[0].price).toBe(parseDecimal("99360"));
    const noEur = ratePairsOf({ ...RULE, rates: { USDT: "USDT/USD" } }, FEEDS);
    expect(convertFeedQuotes(eur, "USD", noEur, new Map()).quotes[0].price).toBe(parseDecimal("92000"));
  });

  it("a USDT quote in a EUR feed is not converted with the USDT/USD rate (the rate pair must be USDT/EUR)", () => {
    const q = [{ quote: quote("binance", "92000", "BTC/EUR"), currency: "USDT" }];
    const out = convertFeedQuotes(q, "EUR", PAIRS, verdicts(parseDecimal("0.5"), null));
    expect(out.quotes[0].price).toBe(parseDecimal("92000"));
  });

  it("ratePairsOf ignores a rate whose feed is missing or has another base", () => {
    const pairs = ratePairsOf({ ...RULE, rates: { USDT: "USDC/USD", DAI: "DAI/USD" } }, FEEDS);
    expect([...pairs]).toEqual([]);
  });
});

describe("sourceQuoteCurrency: each source's book currency per pair", () => {
  it.each([
    ["binance", "BTC/USD", undefined, "USDT"],
    ["okx", "ETH/USD", undefined, "USDT"],
    ["bybit", "BTC/USD", undefined, "USDT"],
    ["gateio", "BTC/USD", undefined, "USDT"],
    ["kucoin", "BTC/USD", undefined, "USDT"],
    ["htx", "BTC/USD", undefined, "USDT"],
    ["cryptocom", "BTC/USD", undefined, "USDT"],
    ["kraken", "BTC/USD", undefined, "USD"],
    ["coinbase", "BTC/USD", undefined, "USD"],
    ["bitstamp", "BTC/USD", undefined, "USD"],
    ["bitfinex", "BTC/USD", undefined, "USD"],
    ["gemini", "BTC/USD", undefined, "USD"],
    ["coingecko", "BTC/USD", undefined, "USD"],
    ["cryptocompare", "BTC/USD", undefined, "USD"],
    ["binance", "BTC/USD", "BTCUSDC", "USDC"],
    ["binance", "BTC/USD", "BTCFDUSD", "FDUSD"],
    ["binance", "BTC/EUR", undefined, "EUR"],
    ["bitfinex", "BTC/USD", "tBTCUST", "USDT"],
    ["kraken", "BTC/USD", "XBTUSDT", "USDT"],
    ["kraken", "USDT/USD", undefined, "USD"],
    ["coinbase", "USDC/USD", undefined, "USD"],
    ["bitfinex", "USDT/USD", undefined, "USD"],
  ])("%s %s (symbol %s) is quoted in %s", (id, pair, symbol, want) => {
    expect(sourceQuoteCurrency(getAdapter(id), pair, symbol)).toBe(want);
  });

  it("the config's quoteCurrency wins; a generic source quotes in the pair's currency", () => {
    expect(sourceQuoteCurrency(getAdapter("binance"), "BTC/USD", undefined, "USD")).toBe("USD");
    expect(sourceQuoteCurrency({ id: "my-fx", defaultSymbol: () => "EURUSDT" }, "EUR/USD")).toBe("USD");
  });
});
