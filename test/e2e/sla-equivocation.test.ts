import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider, Wallet, type ContractTransactionResponse } from "ethers";
import { startNode, type RunningNode } from "../../oracle-node/src/node/start-node";
import { createMetrics } from "../../oracle-node/src/metrics";
import { MSG, type FinalReport } from "../../oracle-node/src/protocol/messages";
import { signReport } from "../../oracle-node/src/protocol/report";
import { encodeAndDigest, toReport } from "../../oracle-node/src/protocol/signed-report";
import { compactSignature, parseEconomicsError, stakingInterface } from "../../oracle-node/src/economics/contract";
import { Wire } from "../support/adversary-wire";
import { setupCommittee, runtimeOptions, TEST_TIMING, type Committee } from "./harness/committee";
import { deployCommitteeEconomics, type CommitteeEconomics } from "./harness/economics";
import { memberReport, type MemberSignSpec } from "./harness/member-signer";
import { waitFor } from "./harness/wait";
import { killAfterAnswer, type SignAnswer } from "./harness/kill-after-answer";
import { createLogger } from "../../oracle-node/src/log/logger";

/**
 * Issue 14's equivocation proofs end to end, on chain: 4 oracles (f = 1) with stake, members 0-2
 * real nodes with `node.economics.submitProofs` on, member 3 a test adversary holding its real
 * key. (1) Member 3 signs two different reports for one (epoch, round) and sends both to the
 * honest nodes: the nodes' own proveEquivocation lands, member 3 loses the slash share of its
 * stake, the proving node is credited its capped share, and the same proof from an outside
 * account is refused as a replay. (2) Honest member 2, its node stopped, signs with its real
 * follower and its own SQLite file and is SIGKILLed right after each signature (issue 13.11 on
 * the real committee): restarted and asked again and again for other reports of the round it
 * refuses, re-signs the one report identically, and proveEquivocation with those two signatures
 * reverts: it is never slashed.
 */
const VENUES = ["binance", "coinbase", "kraken", "bitstamp", "okx"];
const EQUIVOCATOR = 3;
const HONEST_KILLED = 2;
/** Neither a committee signer, an operator (accounts 5..8), nor the owner. */
const OUTSIDER_ACCOUNT = 15;
let c: Committee;
let econ: CommitteeEconomics;
let provider: JsonRpcProvider;
let staking: Contract;
const nodes: Array<RunningNode | null> = [];
/** Each honest node's warn and error log lines (JSON). */
const logs: string[][] = [[], [], []];
const metrics: Array<ReturnType<typeof createMetrics>> = [0, 1, 2].map(() => createMetrics({ processMetrics: false }));
const dir = mkdtempSync(join(tmpdir(), "oracle-sla-equiv-"));

beforeAll(async () => {
  c = await setupCommittee({ n: 4, f: 1, feeds: [{ id: "BTC/USD", pair: "BTC/USD", decimals: 8, sources: VENUES, deviationBps: 50, heartbeatSec: 3600 }] });
  econ = await deployCommitteeEconomics(c, { heartbeats: {} });
  provider = new JsonRpcProvider(c.chain.url, c.chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
  staking = new Contract(econ.staking, stakingInterface(), new Wallet(c.chain.accounts[OUTSIDER_ACCOUNT], provider));
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await startNode(
        runtimeOptions(c, i, dir, {
          timing: TEST_TIMING,
          metrics: metrics[i],
          filter: { kind: "none" },
          economics: { address: econ.staking, submitProofs: true },
          logger: createLogger({ name: `node-${i}`, level: "warn", destination: { write: (line: string) => void logs[i].push(line) } }),
        }),
      ),
    );
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.flatMap((n) => (n ? [n.stop()] : [])));
  provider?.destroy();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function revertName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const e = err as { data?: string; info?: { error?: { data?: string } }; message: string };
    return parseEconomicsError(e.data ?? e.info?.error?.data)?.name ?? `unparsed: ${e.message.split("\n")[0]}`;
  }
  return "no revert";
}

const activeStake = async (i: number): Promise<bigint> => ((await staking.stakeOf(c.addresses[i])) as { active: bigint }).active;

function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(name + "{") && want.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** Member 3's final report for (0, 200) with this value, signed with its real key; and the packed report. */
function equivocatorReport(ts: number, value: bigint): { final: FinalReport; encoded: string; signature: string } {
  const body = { observationsTimestamp: ts, feeds: [{ feedIndex: 0, observers: [0, 1, 3], observations: [value, value, value].map(String) }] };
  const { encoded, digest } = encodeAndDigest(toReport(econ.configDigest, 0, 200, body), c.chain.chainId, c.deployment.aggregator);
  const signature = signReport(new Wallet(c.keys[EQUIVOCATOR]).signingKey, digest);
  return { final: { ...body, signatures: [signature] }, encoded, signature };
}

describe("equivocation proofs on chain (issue 14)", () => {
  it("a member that signs two reports for one round is proven by an honest node's own transaction and slashed; a replay is refused", async () => {
    await waitFor(() => nodes[0]!.state().feeds.every((f) => f.onchain !== null), 45_000, "first round on chain without member 3");
    const before = await activeStake(EQUIVOCATOR);
    const honestBefore = await Promise.all([0, 1, 2].map(activeStake));
    const peers: Record<string, string> = {};
    for (let i = 0; i < 3; i++) peers[c.addresses[i]] = `http://127.0.0.1:${nodes[i]!.port}`;
    const wire = new Wire({
      privateKey: c.keys[EQUIVOCATOR],
      signers: c.addresses,
      peers,
      configDigest: econ.configDigest,
      chainId: c.chain.chainId,
      aggregator: c.deployment.aggregator,
      f: c.f,
      feeds: [0],
    });
    const ts = Math.floor(Date.now() / 1000);
    const a = equivocatorReport(ts, 6_700_000_000_000n);
    const b = equivocatorReport(ts, 6_700_000_000_001n);
    for (const r of [a, b]) await Promise.all(wire.peers.map(([to, url]) => wire.send(to, url, MSG.finalReport, 0, 200, r.final)));

    const proven = staking.filters.EquivocationProven(c.addresses[EQUIVOCATOR]);
    await waitFor(async () => (await staking.queryFilter(proven, 0)).length > 0, 30_000, "EquivocationProven on chain");
    const [event] = (await staking.queryFilter(proven, 0)) as unknown as Array<{
      args: { prover: string; slashed: bigint; proverReward: bigint; configDigest: string };
    }>;
    const p = econ.params;
    const slashed = (before * BigInt(p.equivocationSlashBps)) / 10_000n;
    expect(event.args.slashed).toBe(slashed);
    expect(event.args.configDigest).toBe(econ.configDigest);
    expect(await activeStake(EQUIVOCATOR)).toBe(before - slashed);
    // The prover is one of the honest nodes (from its own key), credited min(share, cap).
    const provers = c.addresses.slice(0, 3);
    expect(provers).toContain(event.args.prover);
    const share = (slashed * BigInt(p.proverRewardBps)) / 10_000n;
    expect(event.args.proverReward).toBe(share < p.proverRewardCap ? share : p.proverRewardCap);
    expect((await staking.payoutOf(event.args.prover)) as bigint).toBe(event.args.proverReward);
    // Each honest node found the proof; exactly one submission was accepted.
    await waitFor(
      async () => (await Promise.all(metrics.map((m) => m.registry.metrics()))).every((t) => sample(t, "oracle_equivocations_total", { oracle: "3" }) === 1),
      20_000,
      "every honest node's proof counted",
    );
    const texts = await Promise.all(metrics.map((m) => m.registry.metrics()));
    expect(texts.map((t) => sample(t, "oracle_equivocations_total", { oracle: "3", submitted: "true" })).reduce((s, v) => s + v, 0)).toBe(1);
    // The others' submissions were refused, and their logs say why (the staking contract's error by name).
    const outcomes = logs.map((l) => l.map((x) => JSON.parse(x) as { msg: string; detail?: string }).find((x) => x.msg.startsWith("equivocation proof ")));
    expect(outcomes.filter((o) => o?.msg === "equivocation proof submitted")).toHaveLength(1);
    for (const o of outcomes.filter((x) => x?.msg === "equivocation proof not accepted"))
      expect(o!.detail).toMatch(/^reverted: (AlreadyProven\(|reverted on chain)/);
    // The same evidence from an outside prover: already proven, nothing slashed twice.
    const replay = staking.proveEquivocation.staticCall(a.encoded, compactSignature(a.signature), b.encoded, compactSignature(b.signature));
    expect(await revertName(replay)).toBe("AlreadyProven");
    expect(await activeStake(EQUIVOCATOR)).toBe(before - slashed);
    expect(await Promise.all([0, 1, 2].map(activeStake))).toEqual(honestBefore);
  }, 90_000);

  it("an honest node SIGKILLed right after signing and restarted signs one report per round: its two signatures prove nothing on chain", async () => {
    await nodes[HONEST_KILLED]!.stop();
    nodes[HONEST_KILLED] = null;
    const before = await activeStake(HONEST_KILLED);
    const ts = Math.floor(Date.now() / 1000);
    const spec = (observations: Record<number, string>, at = ts): MemberSignSpec => ({
      db: join(dir, `node-${HONEST_KILLED}.sqlite`),
      keys: c.keys,
      index: HONEST_KILLED,
      configDigest: econ.configDigest,
      chainId: c.chain.chainId,
      aggregator: c.deployment.aggregator,
      f: c.f,
      epoch: 50_000,
      round: 3,
      observationsTimestamp: at,
      observations,
      own: "100002",
    });
    const asked = spec({ 0: "100000", 1: "100001", 3: "100003" });
    const others = [spec({ 0: "100000", 1: "100001", 3: "100004" }), spec({ 0: "100000", 1: "100001", 3: "100003" }, ts - 1)];
    const first = await signAndDie(asked);
    expect(first.signal).toBe("SIGKILL");
    expect(first.signature).toMatch(/^0x[0-9a-f]{130}$/);
    // Restarted on the same file after each kill: every other report of the round is refused.
    for (const other of others) {
      const r = await signAndDie(other);
      expect(r).toMatchObject({ signature: null, code: "conflict", signal: "SIGKILL" });
    }
    const again = await signAndDie(asked);
    expect(again.signature).toBe(first.signature);
    // On chain: its two signatures cover one report; with a different report they do not recover to it.
    const report = memberReport(asked);
    const sig = compactSignature(first.signature!);
    expect(await revertName(staking.proveEquivocation.staticCall(report, sig, report, compactSignature(again.signature!)))).toBe("SameReport");
    const forged = await revertName(staking.proveEquivocation.staticCall(report, sig, memberReport(others[0]), sig));
    expect(["NotMember", "SignerMismatch"]).toContain(forged);
    // Sent for real (gas limit given, so no estimate stops it first): it reverts on chain.
    const sent = (
      staking.proveEquivocation(report, sig, report, compactSignature(again.signature!), { gasLimit: 500_000 }) as Promise<ContractTransactionResponse>
    ).then((t) => t.wait());
    await expect(sent).rejects.toThrow();
    expect(await activeStake(HONEST_KILLED)).toBe(before);
    expect(await staking.queryFilter(staking.filters.EquivocationProven(c.addresses[HONEST_KILLED]), 0)).toEqual([]);
  }, 90_000);
});

/** Runs harness/sign-and-die-member.ts with `spec` and SIGKILLs it the moment it printed its answer. */
function signAndDie(spec: MemberSignSpec): Promise<SignAnswer> {
  return killAfterAnswer("test/e2e/harness/sign-and-die-member.ts", [], { SIGN_AND_DIE_SPEC: JSON.stringify(spec) });
}
