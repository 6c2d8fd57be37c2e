import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider } from "ethers";
import { AggregatorReader } from "../../oracle-node/src/chain/aggregator";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { waitFor } from "./harness/wait";

/**
 * USDT trades at 0.95 for 10 minutes (issue 16; May 2022). Six of the nine venues of BTC/USD and
 * ETH/USD answer from their USDT books, which then quote fair / 0.95: read at par, the median
 * would move ~5 % with Tether. The committee converts them with the USDT/USD rate it computes in
 * the same round from five USD venues, and the on-chain answers stay within 20 bps of the USD fair
 * price throughout. Time is compressed: the simulator runs 20 market seconds per wall second, so
 * the 600-step (10 minute) depeg lasts 30 s; it is reached and left over 60 steps (3 s).
 */
const SPEED = 20;
const DEPEG_STEPS = 600;
const RAMP_STEPS = 60;
const USDT_VENUES = ["binance", "okx", "bybit", "gateio", "kucoin", "htx"];
const USD_VENUES = ["kraken", "coinbase", "bitstamp"];
const RATE_VENUES = ["kraken", "coinbase", "bitstamp", "bitfinex", "gemini"];
const MAX_ERROR_BPS = 20;

let c: Committee;
let provider: JsonRpcProvider;
let reader: AggregatorReader;
const nodes: RunningNode[] = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-depeg-"));

beforeAll(async () => {
  const crypto = { decimals: 8, sources: [...USDT_VENUES, ...USD_VENUES], deviationBps: 8, heartbeatSec: 3600, minSources: 5 };
  c = await setupCommittee({
    n: 4,
    f: 1,
    speed: SPEED,
    feeds: [
      { id: "USDT/USD", pair: "USDT/USD", decimals: 8, sources: RATE_VENUES, deviationBps: 10, heartbeatSec: 3600, minSources: 3 },
      { id: "BTC/USD", pair: "BTC/USD", ...crypto },
      { id: "ETH/USD", pair: "ETH/USD", ...crypto },
    ],
  });
  provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  reader = new AggregatorReader(provider, c.deployment.aggregator);
  const quoteConversion = { rates: { USDT: "USDT/USD" }, minRateSources: 3, maxRateDispersionBps: 50 };
  for (let i = 0; i < 4; i++) nodes.push(await startNode(runtimeOptions(c, i, dir, { timing: TEST_TIMING, quoteConversion })));
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  provider?.destroy();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** |on-chain answer - fair| in bps of fair, for feed index i of pair. */
async function errorBps(i: number, pair: string): Promise<number> {
  const fair = Number(c.sim.fairPrice(pair));
  const answer = Number((await reader.latest(i)).answer) / 1e8;
  return (Math.abs(answer - fair) / fair) * 10_000;
}

describe("a USDT depeg to 0.95 for 10 minutes", () => {
  it("keeps BTC/USD and ETH/USD on chain within 20 bps of the USD fair price throughout", async () => {
    await waitFor(() => nodes[0].state().feeds.every((f) => f.onchain !== null), 60_000, "first rounds on chain");
    await waitFor(async () => (await errorBps(1, "BTC/USD")) < MAX_ERROR_BPS && (await errorBps(2, "ETH/USD")) < MAX_ERROR_BPS, 10_000, "settled");
    c.sim.depeg("USDT", 0.95, DEPEG_STEPS, RAMP_STEPS);
    const endMs = Date.now() + ((DEPEG_STEPS + RAMP_STEPS) * 1000) / SPEED + 2_000;
    const worst = { btc: 0, eth: 0 };
    let samples = 0;
    let sawDepeg = false;
    let lowestRate = Infinity;
    while (Date.now() < endMs) {
      worst.btc = Math.max(worst.btc, await errorBps(1, "BTC/USD"));
      worst.eth = Math.max(worst.eth, await errorBps(2, "ETH/USD"));
      samples += 1;
      // Read at par, the USDT books would be ~5 % off: the check below could fail.
      const raw = Number(c.sim.venueQuote("binance", "BTC/USDT")!.price) / Number(c.sim.fairPrice("BTC/USD"));
      if (raw > 1.05) sawDepeg = true;
      lowestRate = Math.min(lowestRate, Number((await reader.latest(0)).answer) / 1e8);
      await new Promise((r) => setTimeout(r, 150));
    }
    console.log(
      `depeg e2e: worst on-chain error BTC/USD ${worst.btc.toFixed(2)} bps, ETH/USD ${worst.eth.toFixed(2)} bps over ${samples} samples; USDT/USD low ${lowestRate}`,
    );
    expect(sawDepeg).toBe(true);
    // The rate's own feed is published too: on chain it went down to ~0.95 with Tether.
    expect(Math.abs(lowestRate - 0.95) / 0.95).toBeLessThan(0.002);
    expect(samples).toBeGreaterThan(30);
    expect(worst.btc).toBeLessThanOrEqual(MAX_ERROR_BPS);
    expect(worst.eth).toBeLessThanOrEqual(MAX_ERROR_BPS);
    // After the depeg the peg is back and the converted USDT venues agree with the USD ones again.
    expect(Number(c.sim.fairPrice("USDT/USD"))).toBe(1);
  }, 110_000);
});
