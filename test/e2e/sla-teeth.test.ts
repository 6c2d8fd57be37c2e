import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { aggregatorInterface } from "../../oracle-node/src/chain/aggregator";
import { loadArtifact } from "../../oracle-node/src/chain/artifacts";
import { alert, connect, withdraw, EconomicsError } from "../../oracle-node/src/economics/actions";
import { parseEconomicsError, stakingInterface } from "../../oracle-node/src/economics/contract";
import { fetchSlaInput } from "../../oracle-node/src/economics/sla-fetch";
import { fetchEconomicsTotals } from "../../oracle-node/src/economics/economics-events";
import { computeSla, type SlaResult } from "../../oracle-node/src/economics/sla";
import { runCli } from "../node/cli-run";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { deployCommitteeEconomics, type CommitteeEconomics } from "./harness/economics";
import { waitFor } from "./harness/wait";

/**
 * Issue 14 end to end, one committee run: 7 in-process nodes (f = 2) with stake, rewards and
 * accounting on. (1) One node stopped for a few rounds: its inclusion and rewards stop, on chain
 * (OracleRewards.oracleTotals / claimable) and in the `sla` computation from events, while the
 * others' go on; the feed is fresh, so an alert is refused by the contract, by `actions.alert`
 * and by `oracle-node alert`. Restarted, it is included again. (2) f+1 nodes stopped: once the
 * feed is past heartbeat + grace (chain time moved with evm_increaseTime; the nodes' own timing
 * is untouched) an outside account alerts, every signer is slashed, the alerter withdraws its
 * capped share, and a second alert in the window is refused.
 * Equivocation and the honest kill -9 on chain: sla-equivocation.test.ts.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
const N = 7;
const F = 2;
/** The nodes' heartbeat: a report every few seconds keeps rounds (and rewards) coming; it is also the reports' age limit, so not lower. */
const NODE_HEARTBEAT_SEC = 5;
/** The staking contract's alert heartbeat and grace: far above the nodes' heartbeat, so a live committee is never alertable. */
const ALERT_HEARTBEAT_SEC = 60;
const ALERT_GRACE_SEC = 20;
const ROUNDS_DOWN = 3;
/**
 * The node stopped first: 1, or 2 when 1 leads the epoch (stopping the leader costs an epoch
 * change, a few seconds more).
 */
let DOWN = 1;
/** An account that is neither a committee signer, an operator (accounts 8..14) nor the owner. */
const OUTSIDER_ACCOUNT = 15;

let c: Committee;
let econ: CommitteeEconomics;
let provider: JsonRpcProvider;
let staking: Contract;
let rewards: Contract;
const nodes: Array<RunningNode | null> = [];
const dir = mkdtempSync(join(tmpdir(), "oracle-sla-teeth-"));

const start = async (i: number): Promise<void> => {
  nodes[i] = await startNode(
    runtimeOptions(c, i, dir, { timing: TEST_TIMING, filter: { kind: "none" }, economics: { address: econ.staking, submitProofs: true } }),
  );
};
const stop = async (i: number): Promise<void> => {
  await nodes[i]?.stop();
  nodes[i] = null;
};

beforeAll(async () => {
  c = await setupCommittee({
    n: N,
    f: F,
    feeds: [{ id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: NODE_HEARTBEAT_SEC }],
  });
  econ = await deployCommitteeEconomics(c, {
    heartbeats: { 0: ALERT_HEARTBEAT_SEC },
    params: { alertGracePeriod: ALERT_GRACE_SEC },
  });
  provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  staking = new Contract(econ.staking, stakingInterface(), provider);
  rewards = new Contract(econ.rewards, loadArtifact("OracleRewards").abi, provider);
  for (let i = 0; i < N; i++) await start(i);
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.flatMap((n) => (n ? [n.stop()] : [])));
  provider?.destroy();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

const TRANSMISSION_TOPIC = aggregatorInterface().getEvent("NewTransmission")!.topicHash;

/** Blocks of the aggregator's NewTransmission events after `fromBlock`. */
async function landedAfter(fromBlock: number): Promise<number[]> {
  const logs = await provider.getLogs({ address: c.deployment.aggregator, topics: [TRANSMISSION_TOPIC], fromBlock: fromBlock + 1, toBlock: "latest" });
  return logs.map((l) => l.blockNumber);
}

/** OracleRewards' exact totals and the claimable tokens of each committee address at `block`. */
async function totalsAt(block: number): Promise<Array<{ observations: bigint; transmissions: bigint; claimable: bigint }>> {
  return Promise.all(
    c.addresses.map(async (a) => {
      const [observations, transmissions] = (await rewards.oracleTotals(a, { blockTag: block })) as [bigint, bigint, bigint];
      return { observations, transmissions, claimable: (await rewards.claimable(a, { blockTag: block })) as bigint };
    }),
  );
}

/** What `oracle-node sla` computes for [fromBlock, toBlock], from the chain's events alone. */
async function slaOf(fromBlock: number, toBlock: number): Promise<SlaResult> {
  const sources = { provider, aggregator: c.deployment.aggregator, staking: econ.staking, rewards: econ.rewards };
  const input = await fetchSlaInput({
    provider,
    aggregator: c.deployment.aggregator,
    fromBlock,
    toBlock,
    economics: (a, b) => fetchEconomicsTotals(sources, a, b),
  });
  return computeSla(input);
}

/** The custom error a contract call reverts with, by name. */
async function revertName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const data = (err as { data?: string; info?: { error?: { data?: string } } }).data ?? (err as { info?: { error?: { data?: string } } }).info?.error?.data;
    return parseEconomicsError(data)?.name ?? `unparsed: ${(err as Error).message.split("\n")[0]}`;
  }
  return "no revert";
}

const outsider = (): Wallet => new Wallet(c.chain.accounts[OUTSIDER_ACCOUNT], provider);

describe("SLAs with teeth: 7 nodes, stake, rewards, alerts (issue 14)", () => {
  it("a stopped node's inclusion and rewards stop, on chain and in `sla`, while the others' go on; no alert on a fresh feed", async () => {
    await waitFor(async () => (await landedAfter(0)).length >= 1, 45_000, "a report of the full committee on chain");
    if (nodes[0]!.state().protocol.leader === DOWN) DOWN = 2;
    // Before: the node is included and paid.
    await waitFor(async () => ((await rewards.oracleTotals(c.addresses[DOWN])) as bigint[])[0] > 0n, 30_000, `node ${DOWN} included in a report`);
    const up = await slaOf(0, await provider.getBlockNumber());
    expect(up.oracles[DOWN].included).toBeGreaterThan(0);
    expect(up.oracles[DOWN].rewardsAccrued).toBeGreaterThan(0n);
    await stop(DOWN);
    // `oracle-node alert` on the fresh feed, run while the rounds go on (it is checked below).
    const cli = runCli(
      ["alert", "--feed", "0", "--rpc", c.chain.url, "--aggregator", c.deployment.aggregator, "--economics", econ.staking, "--private-key-env", "SLA_E2E_KEY"],
      { SLA_E2E_KEY: c.chain.accounts[OUTSIDER_ACCOUNT] },
    );
    // A round the stopped node observed may still land: count from the first report after it.
    const stoppedAt = await provider.getBlockNumber();
    await waitFor(async () => (await landedAfter(stoppedAt)).length >= 1, 30_000, "a report without the stopped node");
    const from = (await landedAfter(stoppedAt))[0] + 1;
    await waitFor(async () => (await landedAfter(from - 1)).length >= ROUNDS_DOWN, 45_000, `${ROUNDS_DOWN} reports while node ${DOWN} is down`);
    const to = await provider.getBlockNumber();

    const before = await totalsAt(from - 1);
    const after = await totalsAt(to);
    const sla = await slaOf(from, to);
    expect(sla.reports).toBeGreaterThanOrEqual(ROUNDS_DOWN);
    // The stopped node: nothing on chain, nothing in the computation from events.
    expect(after[DOWN]).toEqual(before[DOWN]);
    const down = sla.oracles[DOWN];
    expect(down.signer).toBe(c.addresses[DOWN]);
    expect([down.included, down.inclusionRate, down.signed, down.transmissionsLanded]).toEqual([0, 0, 0, 0]);
    expect(down.rewardsAccrued).toBe(0n);
    // The others: every report carries 2f+1 of their observations, all counted and paid.
    const others = sla.oracles.filter((o) => o.index !== DOWN);
    const included = others.reduce((s, o) => s + o.included, 0);
    expect(included).toBe(sla.reports * (2 * F + 1));
    expect(others.reduce((s, o) => s + o.transmissionsLanded, 0)).toBe(sla.reports);
    for (const o of others) {
      const onChainObs = after[o.index].observations - before[o.index].observations;
      const onChainTx = after[o.index].transmissions - before[o.index].transmissions;
      // The two views agree: event counts = on-chain counters, accrued = claimable change.
      expect(onChainObs).toBe(BigInt(o.included));
      expect(onChainTx).toBe(BigInt(o.transmissionsLanded));
      expect(o.rewardsAccrued).toBe(after[o.index].claimable - before[o.index].claimable);
      expect(o.rewardsAccrued).toBe(onChainObs * econ.rewardPerObservation + onChainTx * econ.rewardPerTransmission);
    }
    expect(others.reduce((s, o) => s + (o.rewardsAccrued ?? 0n), 0n)).toBeGreaterThan(0n);

    // The feed is fresh: the contract, the node's actions and the CLI all refuse an alert.
    expect(await revertName((staking.connect(outsider()) as Contract).raiseAlert.staticCall(0))).toBe("FeedNotStale");
    const refused = alert(connect(outsider(), econ.staking, econ.rewards), 0);
    await expect(refused).rejects.toThrow(EconomicsError);
    await expect(refused).rejects.toThrow(/feed 0 is fresh: no alert before block time \d+/);
    const refusedByCli = await cli;
    expect(refusedByCli.code).toBe(1);
    expect(refusedByCli.stderr).toMatch(/alert for feed 0 refused: feed 0 is fresh/);
    expect(((await staking.stakeOf(c.addresses[0])) as { active: bigint }).active).toBe(econ.params.minimumStake);
  }, 150_000);

  it("restarted, the node is included and paid again", async () => {
    const restartedAt = await provider.getBlockNumber();
    const [was] = await totalsAt(restartedAt).then((t) => [t[DOWN]]);
    await start(DOWN);
    await waitFor(
      async () => ((await rewards.oracleTotals(c.addresses[DOWN])) as bigint[])[0] > was.observations,
      45_000,
      `node ${DOWN}'s observation in a report again`,
    );
    expect((await rewards.claimable(c.addresses[DOWN])) as bigint).toBeGreaterThan(was.claimable);
    // Every member that answers is included in turn (the leader's choice of 2f+1 rotates,
    // docs/protocol.md): the high indices, never among the first to arrive in one process, too.
    await waitFor(
      async () => (await Promise.all(c.addresses.map(async (a) => ((await rewards.oracleTotals(a)) as bigint[])[0]))).every((o) => o > 0n),
      30_000,
      "every member's observation in a report",
    );
  }, 90_000);

  it("f+1 nodes stopped: past heartbeat + grace an outside account alerts, every signer is slashed, the alerter is paid its capped share once per window", async () => {
    const stopped = [N - 3, N - 2, N - 1];
    await Promise.all(stopped.map(stop));
    const p = econ.params;
    const stakes = await Promise.all(c.addresses.map(async (a) => ((await staking.stakeOf(a)) as { active: bigint }).active));
    // Four nodes left: fewer than 2f+1 observers, so the feed goes stale. Move chain time past
    // the deadline instead of waiting for it (a report already signed may still land: then the
    // deadline moves, and so does the clock).
    await waitFor(
      async () => {
        const [, deadline, alertable] = (await staking.alertState(0)) as [bigint, bigint, boolean];
        if (alertable) return true;
        const head = (await provider.getBlock("latest"))!.timestamp;
        await provider.send("evm_increaseTime", [Math.max(1, Number(deadline) - head + 1)]);
        await provider.send("evm_mine", []);
        return false;
      },
      30_000,
      "feed 0 alertable",
    );
    // Feed 0's latestRoundData: updatedAt is the last transmission's block time.
    const updatedAt = ((await new Contract(c.deployment.aggregator, aggregatorInterface(), provider).latestRoundData()) as bigint[])[3];
    const head = (await provider.getBlock("latest"))!.timestamp;
    expect(head).toBeGreaterThan(Number(updatedAt) + ALERT_HEARTBEAT_SEC + ALERT_GRACE_SEC);

    // A committee member, or an operator, alerting its own committee would be paid nothing.
    for (const insider of [new Wallet(c.keys[0], provider), econ.operators[0].connect(provider)]) {
      const [wouldSlash, wouldPay] = (await (staking.connect(insider) as Contract).raiseAlert.staticCall(0)) as [bigint, bigint];
      expect([wouldSlash, wouldPay]).toEqual([p.alertSlashAmount * BigInt(N), 0n]);
    }
    const alerter = outsider();
    const tokenOf = new Contract(econ.token, loadArtifact("OracleToken").abi, provider);
    const balance0 = (await tokenOf.balanceOf(alerter.address)) as bigint;
    const r = await alert(connect(alerter, econ.staking, econ.rewards), 0);
    const slashedEach = p.alertSlashAmount;
    expect(r.slashed).toBe(slashedEach * BigInt(N));
    const expectedReward =
      (r.slashed * BigInt(p.alertRewardBps)) / 10_000n < p.alertRewardCap ? (r.slashed * BigInt(p.alertRewardBps)) / 10_000n : p.alertRewardCap;
    expect(r.reward).toBe(expectedReward);
    expect(r.reward).toBeGreaterThan(0n);
    // Every signer of the config, running or stopped, lost exactly the set amount.
    for (let i = 0; i < N; i++) expect(((await staking.stakeOf(c.addresses[i])) as { active: bigint }).active).toBe(stakes[i] - slashedEach);
    const alertBlock = (await provider.getTransactionReceipt(r.hash))!.blockNumber;
    const sla = await slaOf(alertBlock, alertBlock);
    for (const o of sla.oracles) expect(o.slashed).toBe(slashedEach);
    // The payout is pulled: credited, then withdrawn by the alerter itself.
    expect((await staking.payoutOf(alerter.address)) as bigint).toBe(r.reward);
    const paid = await withdraw(connect(outsider(), econ.staking, econ.rewards), null);
    expect(paid.amount).toBe(r.reward);
    expect((await tokenOf.balanceOf(alerter.address)) as bigint).toBe(balance0 + r.reward);
    // A second alert in the same window: refused by the contract and by the action, nothing slashed.
    expect(await revertName((staking.connect(alerter) as Contract).raiseAlert.staticCall(0))).toBe("AlertWindowUsed");
    await expect(alert(connect(outsider(), econ.staking, econ.rewards), 0)).rejects.toThrow(/already raised for feed 0 in this heartbeat window/);
    expect(((await staking.stakeOf(c.addresses[0])) as { active: bigint }).active).toBe(stakes[0] - slashedEach);
    // The outage goes on into the next heartbeat-sized window: one more alert, one more slash.
    await provider.send("evm_increaseTime", [ALERT_HEARTBEAT_SEC]);
    await provider.send("evm_mine", []);
    const next = await alert(connect(outsider(), econ.staking, econ.rewards), 0);
    expect(next.slashed).toBe(slashedEach * BigInt(N));
    expect(((await staking.stakeOf(c.addresses[0])) as { active: bigint }).active).toBe(stakes[0] - 2n * slashedEach);
    expect(((await staking.alertState(0)) as [bigint])[0]).toBe(2n);
  }, 60_000);
});
