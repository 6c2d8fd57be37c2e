import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "./simulator";
import { get, shapeOf } from "../../../test/support/simulator/client";

/**
 * Every simulated API answers in the exact shape of the venue's example answer below: same keys,
 * same JSON types (strings where the venue sends strings, numbers where it sends numbers), same
 * symbol conventions. Each venue's fields and rules are described in docs/sources.md#<venue-id>
 * (e.g. docs/sources.md#binance, docs/sources.md#kraken).
 */
const REFERENCE: Array<{ venue: string; path: string; example: string }> = [
  { venue: "binance", path: "/binance/api/v3/ticker/price?symbol=BTCUSDT", example: `{"symbol":"BTCUSDT","price":"67123.45000000"}` },
  {
    venue: "binance",
    path: "/binance/api/v3/ticker/bookTicker?symbol=BTCUSDT",
    example: `{"symbol":"BTCUSDT","bidPrice":"67123.44000000","bidQty":"1.20300000","askPrice":"67123.45000000","askQty":"0.51000000"}`,
  },
  {
    venue: "binance",
    path: "/binance/api/v3/ticker/24hr?symbol=BTCUSDT",
    example: `{"symbol":"BTCUSDT","priceChange":"-83.13000000","priceChangePercent":"-0.124","weightedAvgPrice":"67010.10000000","prevClosePrice":"67206.58000000","lastPrice":"67123.45000000","lastQty":"0.00100000","bidPrice":"67123.44000000","bidQty":"1.20300000","askPrice":"67123.45000000","askQty":"0.51000000","openPrice":"67206.58000000","highPrice":"67900.00000000","lowPrice":"66500.00000000","volume":"18495.35066000","quoteVolume":"1239412345.12000000","openTime":1711300000000,"closeTime":1711386399999,"firstId":3220151555,"lastId":3220849281,"count":697727}`,
  },
  {
    venue: "coinbase",
    path: "/coinbase/products/BTC-USD/ticker",
    example: `{"ask":"67125.01","bid":"67124.10","volume":"12075.50668151","trade_id":577286929,"price":"67124.55","size":"0.00730812","time":"2024-03-25T11:10:41.270099Z","rfq_volume":"7.669923","conversions_volume":"0.00"}`,
  },
  { venue: "coinbase-spot", path: "/coinbase-spot/v2/prices/BTC-USD/spot", example: `{"data":{"amount":"67124.55","base":"BTC","currency":"USD"}}` },
  {
    venue: "kraken",
    path: "/kraken/0/public/Ticker?pair=XBTUSD",
    example: `{"error":[],"result":{"XXBTZUSD":{"a":["64587.50000","2","2.000"],"b":["64587.40000","11","11.000"],"c":["64587.40000","0.01026127"],"v":["5866.14264484","6251.33408493"],"p":["64487.45123","64670.54770"],"t":[56819,62596],"l":["62356.50000","62356.50000"],"h":["68075.00000","68075.00000"],"o":"67600.00000"}}}`,
  },
  {
    venue: "bitstamp",
    path: "/bitstamp/api/v2/ticker/btcusd/",
    example: `{"timestamp":"1710328241","open":"71448","high":"73656","low":"68626","last":"73285","volume":"135.29692054","vwap":"70853","bid":"73353","ask":"73367","side":"0","open_24":"72144","percent_change_24":"1.58"}`,
  },
  { venue: "bitfinex", path: "/bitfinex/v2/ticker/tBTCUSD", example: `[67120.0,12.53,67121.0,9.87,-850.0,-0.0125,67120.5,1534.22,68200.0,66300.0]` },
  {
    venue: "okx",
    path: "/okx/api/v5/market/ticker?instId=BTC-USDT",
    example: `{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"67123.4","lastSz":"0.0012","askPx":"67123.5","askSz":"1.2","bidPx":"67123.4","bidSz":"0.8","open24h":"66800","high24h":"67900","low24h":"66500","volCcy24h":"812345678.9","vol24h":"12100.5","sodUtc0":"66950","sodUtc8":"67010","ts":"1711360000123"}]}`,
  },
  {
    venue: "bybit",
    path: "/bybit/v5/market/tickers?category=spot&symbol=BTCUSDT",
    example: `{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","bid1Price":"67123.4","bid1Size":"2","ask1Price":"67123.5","ask1Size":"1.862172","lastPrice":"67123.45","prevPrice24h":"66800.1","price24hPcnt":"0.0048","highPrice24h":"67900","lowPrice24h":"66500","turnover24h":"243765620.65","volume24h":"3630.27771","usdIndexPrice":"67110.12"}]},"retExtInfo":{},"time":1711360000123}`,
  },
  {
    venue: "gemini",
    path: "/gemini/v1/pubticker/btcusd",
    example: `{"bid":"67123.40","ask":"67125.10","last":"67124.00","volume":{"BTC":"2210.505328803","USD":"148377477.46","timestamp":1711360200000}}`,
  },
  {
    venue: "kucoin",
    path: "/kucoin/api/v1/market/orderbook/level1?symbol=BTC-USDT",
    example: `{"code":"200000","data":{"time":1711360000123,"sequence":"13219431","price":"67123.4","size":"0.0012","bestBid":"67123.3","bestBidSize":"0.84","bestAsk":"67123.4","bestAskSize":"1.2"}}`,
  },
  {
    venue: "gateio",
    path: "/gateio/api/v4/spot/tickers?currency_pair=BTC_USDT",
    example: `[{"currency_pair":"BTC_USDT","last":"67123.4","lowest_ask":"67123.5","lowest_size":"0.51","highest_bid":"67123.4","highest_size":"1.23","change_percentage":"0.48","change_utc0":"0.30","change_utc8":"0.52","base_volume":"9123.55","quote_volume":"611234567.8","high_24h":"67900","low_24h":"66500"}]`,
  },
  {
    venue: "htx",
    path: "/htx/market/detail/merged?symbol=btcusdt",
    example: `{"ch":"market.btcusdt.detail.merged","status":"ok","ts":1711360000123,"tick":{"id":272156789143,"version":272156789143,"open":66800.0,"close":67123.4,"low":66500.0,"high":67900.0,"amount":12055.36,"vol":808561868.57,"count":420573,"bid":[67123.3,2.58112],"ask":[67123.4,0.002411]}}`,
  },
  {
    venue: "cryptocom",
    path: "/cryptocom/exchange/v1/public/get-tickers?instrument_name=BTC_USDT",
    example: `{"id":-1,"method":"public/get-tickers","code":0,"result":{"data":[{"i":"BTC_USDT","h":"67900.00","l":"66500.00","a":"67123.40","v":"3025.0123","vv":"203012143.88","c":"0.0048","b":"67123.39","k":"67123.40","oi":"0","t":1711360000123}]}}`,
  },
  {
    venue: "coingecko",
    path: "/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd&include_last_updated_at=true",
    example: `{"bitcoin":{"usd":67187.33,"last_updated_at":1711356300}}`,
  },
  { venue: "cryptocompare", path: "/cryptocompare/data/price?fsym=BTC&tsyms=USD", example: `{"USD":67187.33}` },
  { venue: "frankfurter", path: "/frankfurter/v1/latest?from=EUR&to=USD", example: `{"amount":1.0,"base":"EUR","date":"2024-03-22","rates":{"USD":1.0823}}` },
  {
    venue: "open-meteo",
    path: "/open-meteo/v1/forecast?latitude=52.52&longitude=13.41&current=temperature_2m",
    example: `{"latitude":52.52,"longitude":13.419998,"generationtime_ms":0.02,"utc_offset_seconds":0,"timezone":"GMT","timezone_abbreviation":"GMT","elevation":38.0,"current_units":{"time":"iso8601","interval":"seconds","temperature_2m":"°C"},"current":{"time":"2024-03-25T12:00","interval":900,"temperature_2m":8.4}}`,
  },
];

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11, clock: "manual", rateLimits: "off" });
});
afterAll(() => sim.close());

describe("simulated APIs answer in each venue's documented format", () => {
  it.each(REFERENCE.map((r) => [r.path, r]))("%s has the reference example's keys and JSON types", async (_p, ref) => {
    const a = await get(sim, ref.path);
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toMatch(/^application\/json/);
    expect(shapeOf(a.json)).toEqual(shapeOf(JSON.parse(ref.example)));
  });

  it("open.er-api answers with the documented envelope and every fiat rate", async () => {
    const a = await get(sim, "/open-er-api/v6/latest/USD");
    const body = a.json as Record<string, unknown>;
    expect(body.result).toBe("success");
    expect(body.base_code).toBe("USD");
    expect(typeof body.time_last_update_unix).toBe("number");
    expect(body.rates).toMatchObject({ USD: 1 });
    expect(typeof (body.rates as Record<string, unknown>).EUR).toBe("number");
  });

  it("Stooq answers CSV with the requested columns and a header line", async () => {
    const a = await get(sim, "/stooq/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv");
    expect(a.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = a.text.split("\r\n").filter((l) => l !== "");
    expect(lines[0]).toBe("Symbol,Date,Time,Open,High,Low,Close,Volume");
    expect(lines[1]).toMatch(/^AAPL\.US,\d{4}-\d{2}-\d{2},\d{2}:\d{2}:\d{2},[\d.]+,[\d.]+,[\d.]+,[\d.]+,\d+$/);
    expect(lines[1].split(",")[6]).toBe(sim.venueQuote("stooq", "AAPL/USD")?.price);
  });

  it("Kraken keys its answer by the canonical pair name, not the one sent", async () => {
    const a = await get(sim, "/kraken/0/public/Ticker?pair=XBTUSD,ETHUSD,SOLUSD,XBTUSDT,USDTUSD");
    expect(Object.keys((a.json as { result: object }).result).sort()).toEqual(["SOLUSD", "USDTUSD", "XBTUSDT", "XETHZUSD", "XXBTZUSD"]);
  });

  it("Bitfinex calls Tether UST, uses a colon for long codes and refuses other spellings", async () => {
    expect((await get(sim, "/bitfinex/v2/ticker/tBTCUST")).status).toBe(200);
    expect((await get(sim, "/bitfinex/v2/ticker/tDOGE:USD")).status).toBe(200);
    expect((await get(sim, "/bitfinex/v2/ticker/tBTCUSDT")).status).toBe(500);
    expect((await get(sim, "/bitfinex/v2/ticker/BTCUSD")).status).toBe(500);
  });

  it("case conventions are as strict as the venues': Binance upper, HTX and Bitstamp lower", async () => {
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=btcusdt")).json).toMatchObject({ code: -1100 });
    expect((await get(sim, "/htx/market/detail/merged?symbol=BTCUSDT")).json).toMatchObject({ status: "error", "err-code": "invalid-parameter" });
    expect((await get(sim, "/bitstamp/api/v2/ticker/BTCUSD/")).status).toBe(404);
  });

  it("binance.com lists no BTC/USD book (USDT and USDC only)", async () => {
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSD")).json).toEqual({ code: -1121, msg: "Invalid symbol." });
    expect((await get(sim, "/binance/api/v3/ticker/price?symbol=BTCUSDC")).status).toBe(200);
  });

  it("serves the batch endpoints: one answer for many symbols", async () => {
    const binance = (await get(sim, `/binance/api/v3/ticker/24hr?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}`)).json as Array<{ symbol: string }>;
    expect(binance.map((t) => t.symbol)).toEqual(["BTCUSDT", "ETHUSDT"]);
    const bitfinex = (await get(sim, "/bitfinex/v2/tickers?symbols=tBTCUSD,tETHUSD,tNOPE")).json as unknown[][];
    expect(bitfinex.map((t) => t[0])).toEqual(["tBTCUSD", "tETHUSD"]);
    expect(bitfinex[0]).toHaveLength(11);
    const gecko = (await get(sim, "/coingecko/api/v3/simple/price?ids=bitcoin,ethereum,nope&vs_currencies=usd,eur")).json as Record<string, object>;
    expect(Object.keys(gecko).sort()).toEqual(["bitcoin", "ethereum"]);
    expect(Object.keys(gecko.bitcoin).sort()).toEqual(["eur", "usd"]);
    const cc = (await get(sim, "/cryptocompare/data/pricemulti?fsyms=BTC,ETH&tsyms=USD")).json as Record<string, object>;
    expect(Object.keys(cc).sort()).toEqual(["BTC", "ETH"]);
    for (const path of [
      "/okx/api/v5/market/tickers?instType=SPOT",
      "/bybit/v5/market/tickers?category=spot",
      "/kucoin/api/v1/market/allTickers",
      "/gateio/api/v4/spot/tickers",
      "/htx/market/tickers",
      "/cryptocom/exchange/v1/public/get-tickers",
      "/bitstamp/api/v2/ticker/",
      "/coinbase-spot/v2/prices/USD/spot",
    ]) {
      const a = await get(sim, path);
      expect(a.status, path).toBe(200);
      expect(JSON.stringify(a.json).length, path).toBeGreaterThan(500);
    }
  });

  it("JSON-number venues send the price's decimal text unchanged (no float re-rounding)", async () => {
    const q = sim.venueQuote("htx", "BTC/USDT");
    const a = await get(sim, "/htx/market/detail/merged?symbol=btcusdt");
    expect(a.text).toContain(`"close":${q?.price}`);
  });
});

describe("pairs option", () => {
  it("limits every venue to the given pairs; their USDT books still count", async () => {
    const small = await startSimulator({ seed: 1, clock: "manual", rateLimits: "off", pairs: ["BTC/USD", "EUR/USD"] });
    try {
      expect((await get(small, "/binance/api/v3/ticker/price?symbol=BTCUSDT")).status).toBe(200);
      expect((await get(small, "/binance/api/v3/ticker/price?symbol=ETHUSDT")).json).toEqual({ code: -1121, msg: "Invalid symbol." });
      expect(((await get(small, "/okx/api/v5/market/tickers?instType=SPOT")).json as { data: Array<{ instId: string }> }).data.map((t) => t.instId)).toEqual([
        "BTC-USD",
        "BTC-USDT",
        "BTC-USDC",
      ]);
      expect((await get(small, "/frankfurter/v1/latest?from=EUR&to=USD")).status).toBe(200);
      expect((await get(small, "/frankfurter/v1/latest?from=EUR&to=GBP")).status).toBe(404);
    } finally {
      await small.close();
    }
    await expect(startSimulator({ pairs: ["NOPE/USD"] })).rejects.toThrow(/no asset NOPE/);
  });
});
