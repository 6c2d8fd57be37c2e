import { describe, expect, it } from "vitest";
import { bitfinexSymbol, krakenPairKey, parseVenueSymbol, venueSymbol } from "./symbols";

describe("venue symbol conventions", () => {
  it("Kraken: XBT for BTC, X/Z-prefixed keys for legacy assets, plain keys for newer ones", () => {
    expect(krakenPairKey({ base: "BTC", quote: "USD" })).toBe("XXBTZUSD");
    expect(krakenPairKey({ base: "ETH", quote: "USD" })).toBe("XETHZUSD");
    expect(krakenPairKey({ base: "ETH", quote: "BTC" })).toBe("XETHXXBT");
    expect(krakenPairKey({ base: "BTC", quote: "USDT" })).toBe("XBTUSDT");
    expect(krakenPairKey({ base: "SOL", quote: "USD" })).toBe("SOLUSD");
    expect(krakenPairKey({ base: "DOGE", quote: "USD" })).toBe("XDGUSD");
    for (const sent of ["XBTUSD", "XXBTZUSD", "BTCUSD", "xbtusd"]) expect(parseVenueSymbol("kraken", sent), sent).toEqual({ base: "BTC", quote: "USD" });
    expect(parseVenueSymbol("kraken", "XDGUSD")).toEqual({ base: "DOGE", quote: "USD" });
  });

  it("Bitfinex: t-prefix, UST for Tether, a colon when a code is longer than three letters", () => {
    expect(bitfinexSymbol({ base: "BTC", quote: "USDT" })).toBe("tBTCUST");
    expect(bitfinexSymbol({ base: "DOGE", quote: "USD" })).toBe("tDOGE:USD");
    expect(parseVenueSymbol("bitfinex", "tBTCUST")).toEqual({ base: "BTC", quote: "USDT" });
    expect(parseVenueSymbol("bitfinex", "tDOGEUSD")).toBeUndefined();
    expect(parseVenueSymbol("bitfinex", "tBTCUSDT")).toBeUndefined();
  });

  it("separators and case per venue", () => {
    const m = { base: "ETH", quote: "USDT" };
    expect(venueSymbol("binance", m)).toBe("ETHUSDT");
    expect(venueSymbol("okx", m)).toBe("ETH-USDT");
    expect(venueSymbol("gateio", m)).toBe("ETH_USDT");
    expect(venueSymbol("htx", m)).toBe("ethusdt");
    expect(parseVenueSymbol("okx", "ETH-USDT")).toEqual(m);
    expect(parseVenueSymbol("okx", "ETHUSDT")).toBeUndefined();
    expect(parseVenueSymbol("coinbase", "eth-usd")).toEqual({ base: "ETH", quote: "USD" });
    expect(parseVenueSymbol("cryptocom", "ETH_USDT")).toEqual(m);
  });

  it("a venue refuses quote currencies it does not list", () => {
    expect(parseVenueSymbol("binance", "BTCUSD")).toBeUndefined();
    expect(parseVenueSymbol("kucoin", "BTC-USD")).toBeUndefined();
    expect(parseVenueSymbol("coinbase", "BTC-USD")).toEqual({ base: "BTC", quote: "USD" });
  });
});
