import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { loadKeystore } from "../../oracle-node/src/keys/keystore";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import sparticuz from "@sparticuz/chromium";
import { startDemo, type DemoHandle, REPO_ROOT } from "../../scripts/demo/run";
import type { NodeState } from "../../oracle-node/src/api/state";
import { Contract, JsonRpcProvider, parseEther } from "ethers";
import { loadArtifact } from "../../oracle-node/src/chain/artifacts";
import { DEFAULT_REWARD_PARAMS, DEFAULT_STAKING_PARAMS } from "../../oracle-node/src/chain/deploy-economics";

/**
 * The dashboard as a user meets it: the demo network runs (chain, contracts, simulator, 4 node
 * processes, attacks), and a headless Chromium driven by playwright-core opens node-1's
 * dashboard. The page must draw each feed's chart and mark the quotes the node dropped.
 *
 * The browser comes through npm (`@sparticuz/chromium`, unpacked to the temp folder on first
 * use), so `npm install` is all the set-up; CHROMIUM_PATH points at another Chromium instead.
 * No browser is a failure, never a skip.
 */
/** Flags for a closed network: without the background-networking ones Chromium keeps dialing Google's hosts. */
const NETWORK_QUIET_ARGS = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function launchBrowser(): Promise<Browser> {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override}: no such file`);
    return chromium.launch({ executablePath: override, headless: true, args: ["--headless", "--disable-gpu", ...NETWORK_QUIET_ARGS] });
  }
  let executablePath: string;
  try {
    executablePath = await sparticuz.executablePath();
  } catch (err) {
    throw new Error(
      `no browser: @sparticuz/chromium did not unpack (${err instanceof Error ? err.message : String(err)}); run npm install, or set CHROMIUM_PATH`,
    );
  }
  const args = [...sparticuz.args, ...NETWORK_QUIET_ARGS.filter((a) => !sparticuz.args.includes(a))];
  return chromium.launch({ executablePath, headless: true, args });
}
/** Short calm period: the test needs the attacks, not the scenery. */
const CALM_MS = 6_000;
/** From the attacks to a dropped quote in node-1's view and a round on chain for every feed. */
const DROP_TIMEOUT_MS = 120_000;
const SCREENSHOT = join(REPO_ROOT, "test-results", "dashboard.png");

let demo: DemoHandle;
let browser: Browser | undefined;
let browserError: unknown;

/** The launched browser, or the launch error thrown into the calling test. */
function requireBrowser(): Browser {
  if (!browser) throw browserError instanceof Error ? browserError : new Error(`no browser: ${String(browserError)}`);
  return browser;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  // A missing browser must fail the tests that need it (a beforeAll error only marks them skipped).
  try {
    browser = await launchBrowser();
  } catch (err) {
    browserError = err;
  }
  demo = await startDemo({ calmMs: CALM_MS });
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
}, 60_000);

describe("dashboard in headless Chromium", () => {
  it("launches a headless Chromium that npm installed (or the one CHROMIUM_PATH names)", () => {
    const b = requireBrowser();
    expect(b.isConnected()).toBe(true);
    expect(b.version()).toMatch(/^\d+\.\d+/);
  });

  it("shows every feed's chart with the on-chain answer, and the dropped manipulated quotes with why", async () => {
    // The page under test is the dashboard of the node leading the rounds (the leader hears
    // from every peer, so its peers table has something to show); which node leads depends on
    // the config digest, so ask node-1.
    const first = await waitFor<NodeState & { protocol?: { leader: number } }>("node-1's state", 30_000, () => demo.nodeState(0));
    const leader = first.protocol?.leader ?? 0;
    const nodeIndex = leader >= 0 && leader < demo.dashboards.length ? leader : 0;
    const url = demo.dashboards[nodeIndex];
    // That node has dropped the flash-crashed kraken BTC/USD quote, and every feed has an answer.
    const state = await waitFor<NodeState>("a dropped kraken quote and an answer for every feed", DROP_TIMEOUT_MS, async () => {
      const s = await demo.nodeState(nodeIndex);
      if (!s || !demo.attacked()) return null;
      const btc = s.feeds.find((f) => f.id === "BTC/USD");
      const krakenDropped = btc?.history.some((p) => p.sources.some((q) => q.id === "kraken" && q.dropped && q.price !== null));
      return krakenDropped && s.feeds.every((f) => f.onchain !== null) ? s : null;
    });
    expect(state.feeds.map((f) => f.id)).toEqual(demo.feeds.map((f) => f.id));

    const page = await requireBrowser().newPage({ viewport: { width: 1400, height: 1000 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(url.replace(/\/$/, ""))) external.push(r.url());
    });
    await page.goto(url);

    const btc = page.locator('section.feed[data-feed="BTC/USD"]');
    await btc.locator("svg.chart path.onchain-line").waitFor({ state: "attached", timeout: 15_000 });
    for (const feed of demo.feeds) {
      const card = page.locator(`section.feed[data-feed="${feed.id}"]`);
      expect(await card.locator("svg.chart").count()).toBe(1);
      expect(await card.locator("svg.chart path.source-line").count()).toBeGreaterThan(0);
      expect(await card.locator('[data-field="answer"] .value').textContent()).toMatch(/^\d+(\.\d+)?$/);
    }
    // Red crosses on the chart, each with the reason in its tooltip.
    const markers = btc.locator('svg.chart g.drop-marker[data-source="kraken"]');
    expect(await markers.count()).toBeGreaterThan(0);
    const tooltip = await markers.first().locator("title").textContent();
    expect(tooltip).toMatch(/^kraken dropped at \d+(\.\d+)?: .+/);
    // The sources table names the dropped source and counts its drops.
    const krakenRow = btc.locator('table.sources tr[data-source="kraken"]');
    await krakenRow.waitFor({ state: "attached" });
    expect(await krakenRow.getAttribute("class")).toBe("dropped");
    expect(await krakenRow.locator("td.status").textContent()).toMatch(/^dropped: .+/);
    // Peers: the whole committee is listed, the node itself marked, its peers seen recently.
    expect(await page.locator("#peers tr.peer-self").count()).toBe(1);
    expect(await page.locator("#peers tr.peer-self, #peers tr.peer-up, #peers tr.peer-down").count()).toBe(4);
    expect(await page.locator("#peers tr.peer-up").count()).toBeGreaterThanOrEqual(1);
    // SLA: a row per committee member, each with an inclusion rate; the same rows in /metrics.
    await page.waitForSelector("#sla tr.sla-row", { timeout: 10_000 });
    expect(await page.locator("#sla tr.sla-row").count()).toBe(4);
    expect(await page.locator("#sla tr.sla-row.sla-self").count()).toBe(1);
    expect(await page.locator('#sla tr.sla-row [data-field="inclusion"]').first().textContent()).toMatch(/^\d+\.\d% \(\d+\/\d+\)$/);
    // The node reads the economics contracts from the addresses file: rewards and reimbursements in its own SLA rows.
    // (page reloads every poll: read the cells until one shows accrued rewards, none claimed or slashed)
    await waitFor("rewards in the dashboard's SLA rows", 20_000, async () =>
      (await page.locator('#sla tr.sla-row [data-field="rewards"]').allTextContents()).some((t) => /^(?!0 )\d+(\.\d+)? \/ 0 \/ 0$/.test(t)) ? true : null,
    );
    expect(await page.locator('#sla tr.sla-row [data-field="gas"]').first().textContent()).toMatch(/^\d+(\.\d+)? \/ \d+(\.\d+)?$/);

    // The same node's Prometheus metrics count what the page shows.
    const metrics = await (await fetch(`${url}metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? NaN);
    expect(value(/^oracle_source_drops_total\{[^}]*source="kraken"[^}]*\} (\d+)/m), "oracle_source_drops_total").toBeGreaterThan(0);
    expect(value(/^oracle_rounds_total\{[^}]*feed="BTC\/USD"[^}]*outcome="landed"[^}]*\} (\d+)/m), "oracle_rounds_total").toBeGreaterThan(0);
    expect(value(/^oracle_transmissions_total\{[^}]*\} (\d+)/m), "oracle_transmissions_total").toBeGreaterThan(0);
    expect(value(/^oracle_round_latency_seconds_count\{[^}]*stage="reported"[^}]*\} (\d+)/m), "oracle_round_latency_seconds_count").toBeGreaterThan(0);
    expect(value(/^oracle_onchain_age_seconds\{[^}]*feed="BTC\/USD"[^}]*\} ([\d.]+)/m), "oracle_onchain_age_seconds").toBeGreaterThanOrEqual(0);
    expect(value(/^oracle_model_score_count\{[^}]*feed="BTC\/USD"[^}]*\} (\d+)/m), "oracle_model_score_count").toBeGreaterThan(0);
    expect(value(/^oracle_sla_inclusion_ratio\{[^}]*oracle="0"[^}]*\} ([\d.]+)/m), "oracle_sla_inclusion_ratio").toBeGreaterThanOrEqual(0);
    expect(
      Math.max(...[0, 1, 2, 3].map((i) => value(new RegExp(`^oracle_sla_rewards_accrued\\{[^}]*oracle="${i}"[^}]*\\} ([\\d.e+]+)`, "m")))),
      "oracle_sla_rewards_accrued",
    ).toBeGreaterThan(0);
    expect(value(/^oracle_sla_rewards_claimed\{[^}]*oracle="0"[^}]*\} ([\d.e+]+)/m), "oracle_sla_rewards_claimed").toBe(0);
    expect(value(/^oracle_sla_slashed\{[^}]*oracle="0"[^}]*\} ([\d.e+]+)/m), "oracle_sla_slashed").toBe(0);
    expect(
      Math.max(...[0, 1, 2, 3].map((i) => value(new RegExp(`^oracle_sla_gas_reimbursed_wei\\{[^}]*oracle="${i}"[^}]*\\} ([\\d.e+]+)`, "m")))),
      "oracle_sla_gas_reimbursed_wei",
    ).toBeGreaterThan(0);
    expect(value(/^oracle_source_latency_seconds_count\{[^}]*outcome="ok"[^}]*\} (\d+)/m), "oracle_source_latency_seconds_count").toBeGreaterThan(0);

    // No feed of the demo leaves its bounds: no badge, the gauge at 0 for every feed.
    expect(await page.locator('[data-field="out-of-bounds"]').count()).toBe(0);
    for (const feed of demo.feeds)
      expect(value(new RegExp(`^oracle_feed_out_of_bounds\\{[^}]*feed="${feed.id.replace("/", "\\/")}"[^}]*\\} (\\d+)`, "m"))).toBe(0);

    mkdirSync(join(REPO_ROOT, "test-results"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
    expect(external).toEqual([]);
  }, 240_000);

  it("shows the out-of-bounds badge with the refused median when a feed's view says active", async () => {
    const url = demo.dashboards[0];
    const page = await requireBrowser().newPage({ viewport: { width: 1400, height: 1000 } });
    const since = Math.floor(Date.now() / 1000) - 600;
    // The node's real state, with BTC/USD marked as held out of bounds (the node's own wiring of
    // the on-chain record is tested where it lives; this checks what the page makes of it).
    await page.route("**/api/state", async (route) => {
      try {
        const response = await route.fetch();
        const state = (await response.json()) as NodeState;
        for (const f of state.feeds) {
          if (f.id === "BTC/USD") f.outOfBounds = { active: true, refusedMedian: "0.0042", since };
          else f.outOfBounds = { active: false, refusedMedian: "1", since };
        }
        await route.fulfill({ response, json: state });
      } catch (err) {
        // A poll still in flight when the page closes below: nothing to answer any more.
        if (!page.isClosed()) throw err;
      }
    });
    await page.goto(url);
    const badge = page.locator('section.feed[data-feed="BTC/USD"] [data-field="out-of-bounds"]');
    await badge.waitFor({ state: "visible", timeout: 15_000 });
    expect(await badge.textContent()).toMatch(/^out of bounds for 10 min: refused median 0\.0042, answer held at \d+(\.\d+)?$/);
    expect(await badge.getAttribute("data-since")).toBe(String(since));
    // Inactive records draw nothing.
    expect(await page.locator('[data-field="out-of-bounds"]').count()).toBe(1);
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.close();
  }, 60_000);

  it("keeps every node's password and private key out of its logs, which carry round ids", async () => {
    let roundLines = 0;
    for (let i = 1; i <= demo.dashboards.length; i++) {
      const log = readFileSync(join(demo.workDir, "logs", `node-${i}.log`), "utf8");
      const password = readFileSync(join(demo.workDir, `node-${i}.password`), "utf8").trim();
      const key = (await loadKeystore(join(demo.workDir, `node-${i}.keystore.json`), password)).privateKey;
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(password);
      expect(log).not.toContain(key.slice(2));
      roundLines += log.split("\n").filter((l) => /"roundId":"\d+:\d+"/.test(l)).length;
    }
    expect(roundLines).toBeGreaterThan(0);
  });

  it("runs with the economics on: every node staked, the rewards funded, and each oracle's accrued rewards in the summary's SLA rows", async () => {
    const file = JSON.parse(readFileSync(join(demo.workDir, "addresses.json"), "utf8")) as {
      aggregator: string;
      economics: { staking: string; rewards: string };
    };
    const provider = new JsonRpcProvider(demo.chainUrl, undefined, { cacheTimeout: -1 });
    try {
      const staking = new Contract(file.economics.staking, loadArtifact("OracleStaking").abi, provider);
      const rewards = new Contract(file.economics.rewards, loadArtifact("OracleRewards").abi, provider);
      const aggregator = new Contract(file.aggregator, loadArtifact("QuorumAggregator").abi, provider);
      const [signers] = (await aggregator.getOracles()) as [string[]];
      for (const s of signers) expect(((await staking.stakeOf(s)) as { active: bigint }).active).toBeGreaterThanOrEqual(DEFAULT_STAKING_PARAMS.minimumStake);
      expect(await staking.activeConfigDigest()).toBe(((await aggregator.latestConfigDetails()) as [bigint, bigint, string])[2]);
      expect(await rewards.totalFunded()).toBe(DEFAULT_REWARD_PARAMS.budget);
      expect((await rewards.reimbursementTotals())[0]).toBe(parseEther("10"));
      // Reports landed before this test: the SLA rows carry rewards (whole tokens), and they add up to what the contract owes.
      const rows = await waitFor("SLA rows with rewards", 30_000, async () => {
        const r = await demo.sla();
        return r.length === 4 && r.every((x) => x.rewardsAccrued !== null) ? r : null;
      });
      const owed = (await Promise.all(signers.map((s) => rewards.claimable(s) as Promise<bigint>))).reduce((a, b) => a + b, 0n);
      expect(owed).toBeGreaterThan(0n);
      const shown = rows.reduce((a, r) => a + parseEther(r.rewardsAccrued!), 0n);
      // Shown to 4 decimals, read a moment before `owed` (a report may land in between).
      expect(shown).toBeLessThanOrEqual(owed);
      expect(shown).toBeGreaterThan(0n);
    } finally {
      provider.destroy();
    }
  }, 60_000);
});
