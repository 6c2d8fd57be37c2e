/**
 * `npm run bench:fetch`: rounds of 100 feeds x 10 sources through the node's SourceFetcher
 * against the local venue simulator (a separate process, so the CPU time printed is the node's
 * own). Prints requests sent per venue, wall time and CPU time per round.
 *
 * Options (env): BENCH_ROUNDS (default 5 measured rounds after 1 warm-up), BENCH_FEEDS (100),
 * BENCH_SOURCES (10).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { ASSETS } from "../oracle-node/src/simulator/assets";
import { VENUE_PROFILES } from "../oracle-node/src/simulator/venue-profiles";
import { SourceFetcher, type FetchJob } from "../oracle-node/src/sources/fetcher";
import { getAdapter, SOURCE_IDS } from "../oracle-node/src/sources/registry";
import { splitPair } from "../oracle-node/src/sources/symbols";
import type { SourceRequest } from "../oracle-node/src/sources/types";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FEEDS = Number(process.env.BENCH_FEEDS ?? 100);
const SOURCES_PER_FEED = Number(process.env.BENCH_SOURCES ?? 10);
/** Per-attempt timeout of a round, as the node's default config uses. */
const TIMEOUT_MS = 2_000;
/** The simulator must be up well within this. */
const SIM_START_TIMEOUT_MS = 30_000;
/** Venues that batch come first, so each feed's 10 sources include every batching venue. */
const SOURCE_ORDER = [...SOURCE_IDS].sort((a, b) => Number(getAdapter(b).batch) - Number(getAdapter(a).batch));
const USD_AS_USDT = new Set(["binance", "okx", "bybit", "kucoin", "gateio", "htx", "cryptocom"]);

/** The simulator in its own process; resolves with the base URL of each source. */
async function startSimulatorProcess(): Promise<{ child: ChildProcess; baseUrls: Record<string, string> }> {
  const bin = join(__dirname, "..", "oracle-node", "bin", "oracle-node.js");
  const child = spawn(process.execPath, [bin, "simulate", "--model", "--port", "0", "--rate-limits", "off", "--seed", "7"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("simulator did not start")), SIM_START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { child, baseUrls: (JSON.parse(line) as { baseUrls: Record<string, string> }).baseUrls };
}

/** Does the venue list the book the adapter will ask for (USD feeds read USDT where mapped)? */
function lists(sourceId: string, pair: string): boolean {
  const { quote } = splitPair(pair);
  const q = USD_AS_USDT.has(sourceId) && quote === "USD" ? "USDT" : quote;
  return (VENUE_PROFILES as Record<string, { quotes: readonly string[] }>)[sourceId].quotes.includes(q);
}

/** Feeds as a node config would have them: pairs of listed assets, each with 10 venues listing it. */
function chooseFeeds(): Array<{ pair: string; sources: string[] }> {
  const bases = ASSETS.filter((a) => a.kind === "crypto" || a.kind === "stable").map((a) => a.symbol);
  const quotes = ["USD", "BTC", "ETH", "EUR", "USDC", "USDT", "GBP"];
  const feeds: Array<{ pair: string; sources: string[] }> = [];
  for (const quote of quotes) {
    for (const base of bases) {
      if (base === quote || feeds.length >= FEEDS) continue;
      const pair = `${base}/${quote}`;
      const sources = SOURCE_ORDER.filter((id) => lists(id, pair)).slice(0, SOURCES_PER_FEED);
      if (sources.length === SOURCES_PER_FEED) feeds.push({ pair, sources });
    }
  }
  return feeds;
}

function jobsFor(feeds: Array<{ pair: string; sources: string[] }>, baseUrls: Record<string, string>): FetchJob[] {
  const bySource = new Map<string, SourceRequest[]>();
  for (const f of feeds) for (const s of f.sources) bySource.set(s, [...(bySource.get(s) ?? []), { pair: f.pair }]);
  return [...bySource].map(([sourceId, requests]) => ({ sourceId, adapter: getAdapter(sourceId), requests, baseUrl: baseUrls[sourceId] }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const { child, baseUrls } = await startSimulatorProcess();
  try {
    const feeds = chooseFeeds();
    const jobs = jobsFor(feeds, baseUrls);
    const quotes = jobs.reduce((n, j) => n + j.requests.length, 0);
    const fetcher = new SourceFetcher({ rateLimits: false });
    const rows: Array<{ wall: number; cpu: number; requests: number; ok: number; failed: Record<string, number> }> = [];
    let perSource = new Map<string, number>();
    for (let round = 0; round <= ROUNDS; round++) {
      const before = new Map(fetcher.stats.requests);
      const sentBefore = fetcher.totalRequests();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await fetcher.fetchAll(jobs, { timeoutMs: TIMEOUT_MS, now: Date.now });
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      let ok = 0;
      const failed: Record<string, number> = {};
      for (const results of out.values()) {
        for (const r of results) {
          if (r.ok) ok += 1;
          else failed[r.error.failure] = (failed[r.error.failure] ?? 0) + 1;
        }
      }
      perSource = new Map([...fetcher.stats.requests].map(([id, n]) => [id, n - (before.get(id) ?? 0)]));
      if (round > 0) rows.push({ wall, cpu: (cpu.user + cpu.system) / 1000, requests: fetcher.totalRequests() - sentBefore, ok, failed });
    }
    console.log(
      `bench:fetch — ${feeds.length} feeds x ${SOURCES_PER_FEED} sources = ${quotes} quotes per round, ${jobs.length} venues, simulator in a separate process, ${ROUNDS} measured rounds after 1 warm-up`,
    );
    if (feeds.length < FEEDS)
      console.log(`(asked for ${FEEDS} feeds: the simulator's assets make only ${feeds.length} pairs that ${SOURCES_PER_FEED} venues list)`);
    console.log("");
    console.log("round  requests  quotes ok  failed                 wall ms  node CPU ms");
    rows.forEach((r, i) => {
      const failed =
        Object.entries(r.failed)
          .map(([k, v]) => `${k}:${v}`)
          .join(",") || "0";
      console.log(
        `${String(i + 1).padStart(5)}  ${String(r.requests).padStart(8)}  ${String(r.ok).padStart(9)}  ${failed.padEnd(21)}  ${r.wall.toFixed(1).padStart(7)}  ${r.cpu.toFixed(1).padStart(11)}`,
      );
    });
    console.log(`median wall ${median(rows.map((r) => r.wall)).toFixed(1)} ms, median node CPU ${median(rows.map((r) => r.cpu)).toFixed(1)} ms per round\n`);
    console.log("venue          batch  pairs  requests/round");
    for (const j of jobs) {
      console.log(
        `${j.sourceId.padEnd(13)}  ${(j.adapter.batch ? "yes" : "no").padEnd(5)}  ${String(j.requests.length).padStart(5)}  ${String(perSource.get(j.sourceId) ?? 0).padStart(14)}`,
      );
    }
  } finally {
    child.kill("SIGTERM");
  }
}

main().catch((err: unknown) => {
  console.error(`bench:fetch: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
