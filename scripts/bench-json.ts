/**
 * `npm run bench:json`: the lossless JSON parse of the answers the node reads, two ways:
 * lossless-json (what the node uses: every number through keepNumber) and a candidate fast path
 * (scan the number tokens; native JSON.parse when every one is exact, else lossless-json). The
 * node keeps the fast path out until this prints a ratio clearly below 1 on the round's data.
 * Data: the bodies of one fetch round of 100 feeds against the in-process venue simulator
 * (batch and every-market answers included), and the recorded fixtures of every venue.
 *
 * Options (env): BENCH_MS (time per data set, default 4000).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ASSETS } from "../oracle-node/src/simulator/assets";
import { startSimulator } from "../oracle-node/src/simulator/simulator";
import { SourceFetcher, type FetchJob } from "../oracle-node/src/sources/fetcher";
import { keepNumber, parseJsonLossless } from "../oracle-node/src/sources/http/parse-json";
import { getAdapter, SOURCE_IDS } from "../oracle-node/src/sources/registry";

const BENCH_MS = Number(process.env.BENCH_MS ?? 4000);
const TRIALS = 15;
const FEEDS = 100;
const TIMEOUT_MS = 2_000;

/** Every run of digits that could be a JSON number (strings included: a conservative scan). */
const NUMBER_TOKEN_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** True when every number-like token of the text is exactly its double. */
function numbersAreExact(text: string): boolean {
  NUMBER_TOKEN_RE.lastIndex = 0;
  for (let m = NUMBER_TOKEN_RE.exec(text); m !== null; m = NUMBER_TOKEN_RE.exec(text)) {
    if (typeof keepNumber(m[0]) !== "number") return false;
  }
  return true;
}

/** The candidate: native JSON.parse when the scan proves it exact, else lossless-json. */
function scanThenNative(text: string): unknown {
  return numbersAreExact(text) ? JSON.parse(text) : parseJsonLossless(text);
}

/** 100 pairs of the simulator's crypto assets, every source asked for each. */
function pairs(): string[] {
  const bases = ASSETS.filter((a) => a.kind === "crypto").map((a) => a.symbol);
  const out: string[] = [];
  for (const quote of ["USD", "USDT", "BTC", "EUR", "ETH"]) for (const base of bases) if (base !== quote && out.length < FEEDS) out.push(`${base}/${quote}`);
  return out;
}

/** Every URL one round of the node's fetcher sends, then each answer's body text. */
async function simulatorBodies(): Promise<string[]> {
  const sim = await startSimulator({ seed: 7, rateLimits: "off" });
  try {
    const urls = new Set<string>();
    const requests = pairs().map((pair) => ({ pair }));
    const jobs: FetchJob[] = SOURCE_IDS.map((id) => ({ sourceId: id, adapter: getAdapter(id), requests, baseUrl: sim.baseUrl(id) }));
    await new SourceFetcher({ rateLimits: false }).fetchAll(jobs, { timeoutMs: TIMEOUT_MS, now: Date.now, onRequest: (_id, url) => urls.add(url) });
    const texts = await Promise.all([...urls].map(async (u) => (await fetch(u)).text()));
    return texts.filter((t) => t.length > 0);
  } finally {
    await sim.close();
  }
}

function fixtureBodies(): string[] {
  const dir = join(__dirname, "..", "oracle-node", "src", "sources", "fixtures");
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const f = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, { text?: string; body?: unknown } | undefined>;
    for (const part of [f.ok, f.batch, f.allMarkets]) if (part) out.push(part.text ?? JSON.stringify(part.body));
  }
  return out;
}

/** One pass: every body parsed once (a malformed answer costs what it costs). */
function pass(parse: (t: string) => unknown, bodies: string[]): void {
  for (const b of bodies) {
    try {
      parse(b);
    } catch {
      // error pages: same cost on both paths
    }
  }
}

/**
 * Median microseconds per pass of each parser. The parsers take turns, TRIALS times, each turn
 * a batch of passes lasting about BENCH_MS / TRIALS: a load spike on the shared host then hits
 * both, and the median drops the spiky turns.
 */
function measure(parsers: Array<(t: string) => unknown>, bodies: string[]): number[] {
  for (const p of parsers) for (let i = 0; i < 20; i++) pass(p, bodies); // warm-up (JIT)
  const t0 = performance.now();
  pass(parsers[0], bodies);
  const passes = Math.max(1, Math.round(BENCH_MS / TRIALS / parsers.length / Math.max(performance.now() - t0, 0.01)));
  const samples = parsers.map(() => [] as number[]);
  for (let trial = 0; trial < TRIALS; trial++) {
    parsers.forEach((p, k) => {
      const t = performance.now();
      for (let i = 0; i < passes; i++) pass(p, bodies);
      samples[k].push(((performance.now() - t) * 1000) / passes);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

async function main(): Promise<void> {
  const sets: Array<[string, string[]]> = [
    ["simulator round", await simulatorBodies()],
    ["fixtures", fixtureBodies()],
  ];
  console.log(`bench:json — median µs per pass over every body (${TRIALS} alternating turns)\n`);
  console.log("data              bodies      bytes  scan-exact bodies  lossless-json µs  scan+JSON.parse µs  scan/lossless");
  for (const [name, bodies] of sets) {
    const bytes = bodies.reduce((n, b) => n + b.length, 0);
    const fast = bodies.filter(numbersAreExact).length;
    const [lib, node] = measure([parseJsonLossless, scanThenNative], bodies) as [number, number];
    console.log(
      `${name.padEnd(16)}  ${String(bodies.length).padStart(6)}  ${String(bytes).padStart(9)}  ${String(fast).padStart(17)}  ${lib.toFixed(0).padStart(16)}  ${node.toFixed(0).padStart(18)}  ${(node / lib).toFixed(2).padStart(13)}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(`bench:json: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
