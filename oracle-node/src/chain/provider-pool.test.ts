import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { RpcTamper } from "../../../test/support/rpc-tamper";
import { ProviderPool, type ProviderPoolOptions } from "./provider-pool";
import { makeProvider } from "./provider";
import { TxManager } from "./tx-manager";
import { aggregatorInterface } from "./aggregator";
import { createMetrics } from "../metrics/metrics";
import { Telemetry } from "../metrics/telemetry";

let chain: LocalChain;
const tampers: RpcTamper[] = [];
const pools: ProviderPool[] = [];

beforeAll(async () => {
  chain = await startLocalChain();
}, 120_000);

afterEach(async () => {
  for (const p of pools.splice(0)) p.destroy();
  await Promise.all(tampers.splice(0).map((t) => t.stop()));
});

afterAll(async () => {
  await chain?.close();
});

async function endpoints(n: number): Promise<RpcTamper[]> {
  const list = Array.from({ length: n }, () => new RpcTamper(chain.url));
  await Promise.all(list.map((t) => t.start()));
  tampers.push(...list);
  return list;
}

function pool(urls: string[], over: Partial<ProviderPoolOptions> = {}): ProviderPool {
  const p = new ProviderPool({ chainId: chain.chainId, urls, healthCheckMs: 60_000, maxLagBlocks: 3, recoverChecks: 2, timeoutMs: 500, ...over });
  pools.push(p);
  return p;
}

async function mine(blocks: number): Promise<void> {
  const direct = makeProvider(chain.url, chain.chainId);
  await direct.send("hardhat_mine", [`0x${blocks.toString(16)}`]);
  direct.destroy();
}

describe("ProviderPool health checks", () => {
  it("marks every honest endpoint healthy and prefers the primary", async () => {
    const [a, b] = await endpoints(2);
    const p = pool([a.url, b.url]);
    const states = await p.checkNow();
    expect(states.map((s) => s.status)).toEqual(["healthy", "healthy"]);
    expect(states.map((s) => s.preferred)).toEqual([true, false]);
    await p.getBlockNumber();
    expect(a.count("eth_blockNumber")).toBe(2); // one check, one read
    expect(b.count("eth_blockNumber")).toBe(1); // the check only
  });

  it("demotes an endpoint answering another chain id and never reads from it", async () => {
    const [a, b] = await endpoints(2);
    a.mode = { kind: "wrong-chain", chainId: 1 };
    const p = pool([a.url, b.url]);
    const states = await p.checkNow();
    expect(states[0]).toMatchObject({ status: "wrong-chain", preferred: false, lastError: `chain id 1, expected ${chain.chainId}` });
    expect(states[1]).toMatchObject({ status: "healthy", preferred: true });
    const before = a.count("eth_getBalance");
    await p.getBalance(Wallet.createRandom().address);
    expect(a.count("eth_getBalance")).toBe(before);
  });

  it("demotes a lagging endpoint and promotes it after recoverChecks good checks", async () => {
    const [a, b] = await endpoints(2);
    await mine(10);
    a.mode = { kind: "lag", blocks: 5 };
    const p = pool([a.url, b.url], { maxLagBlocks: 3, recoverChecks: 2 });
    let states = await p.checkNow();
    expect(states[0].status).toBe("lagging");
    expect(states[0].lastError).toMatch(/5 blocks behind/);
    expect(states[1].preferred).toBe(true);
    a.mode = { kind: "lag", blocks: 2 }; // within maxLagBlocks now, and not below its own earlier head
    states = await p.checkNow();
    expect(states[0].status).toBe("lagging"); // one good check is not enough
    states = await p.checkNow();
    expect(states[0].status).toBe("healthy");
    expect(states[0].demotions).toBe(1);
  });

  it("demotes an endpoint whose head goes backwards until it is past its old head", async () => {
    const [a, b] = await endpoints(2);
    const p = pool([a.url, b.url], { maxLagBlocks: 10, recoverChecks: 1 });
    await mine(4);
    await p.checkNow();
    a.mode = { kind: "lag", blocks: 3 }; // within maxLagBlocks, but lower than it said before
    let states = await p.checkNow();
    expect(states[0].status).toBe("backwards");
    expect(states[0].preferred).toBe(false);
    await mine(1);
    states = await p.checkNow();
    expect(states[0].status).toBe("backwards"); // still below the head it reported
    await mine(3);
    states = await p.checkNow();
    expect(states[0].status).toBe("healthy");
  });

  it("demotes an endpoint that errors or hangs, within the call timeout", async () => {
    const [a, b, c] = await endpoints(3);
    a.mode = { kind: "down" };
    b.mode = { kind: "hang" };
    const p = pool([a.url, b.url, c.url], { timeoutMs: 300 });
    const t0 = Date.now();
    const states = await p.checkNow();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(states.map((s) => s.status)).toEqual(["failing", "failing", "healthy"]);
    expect(states[0].lastError).toMatch(/HTTP 503/);
    expect(states[1].lastError).toMatch(/timeout after 300 ms/);
  });

  it("rejects answers that are not JSON-RPC quantities (a lying head)", async () => {
    const [a] = await endpoints(1);
    const p = pool([a.url, "http://127.0.0.1:1"]);
    const states = await p.checkNow();
    expect(states[0].status).toBe("healthy");
    expect(states[1].status).toBe("failing");
  });
});

describe("ProviderPool reads and broadcasts", () => {
  it("fails a read over to the next endpoint when the primary dies, without a health check", async () => {
    const [a, b] = await endpoints(2);
    const p = pool([a.url, b.url]);
    await p.checkNow();
    a.mode = { kind: "down" };
    const head = await p.getBlockNumber();
    expect(head).toBeGreaterThanOrEqual(0);
    const states = p.states();
    expect(states[0]).toMatchObject({ status: "failing", preferred: false, errors: 1 });
    expect(states[1].preferred).toBe(true);
  });

  it("sends the same signed bytes to every endpoint: one nonce, one transaction", async () => {
    const [a, b, c] = await endpoints(3);
    c.mode = { kind: "down" };
    const p = pool([a.url, b.url, c.url]);
    await p.checkNow();
    const m = new TxManager({ provider: p, key: new Wallet(chain.accounts[12]).signingKey, chainId: chain.chainId, iface: aggregatorInterface() });
    const start = await p.getTransactionCount(m.address, "latest");
    const to = Wallet.createRandom().address;
    const outcomes = await Promise.all([1, 2].map((i) => m.send({ to, data: "0x", label: `t${i}` })));
    expect(outcomes.map((o) => o.status)).toEqual(["confirmed", "confirmed"]);
    expect(outcomes.map((o) => o.nonce)).toEqual([start, start + 1]);
    expect(await p.getTransactionCount(m.address, "latest")).toBe(start + 2);
    expect(a.count("eth_sendRawTransaction")).toBe(2);
    expect(b.count("eth_sendRawTransaction")).toBe(2);
    // A failing endpoint is still sent the bytes (it may be back); its 503 does not fail the send.
    expect(c.count("eth_sendRawTransaction")).toBe(2);
    expect(p.states()[2].status).toBe("failing");
  });

  it("keeps checking in the background and re-promotes a recovered primary", async () => {
    const [a, b] = await endpoints(2);
    a.mode = { kind: "down" };
    const seen: string[] = [];
    const p = pool([a.url, b.url], { healthCheckMs: 40, recoverChecks: 2, onChange: (s) => seen.push(s[0].status) });
    await p.startHealthChecks();
    expect(p.states()[0].status).toBe("failing");
    a.mode = { kind: "honest" };
    const deadline = Date.now() + 5_000;
    while (p.states()[0].status !== "healthy" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(p.states()[0]).toMatchObject({ status: "healthy", preferred: true });
    expect(seen.filter((s) => s === "healthy").length).toBeGreaterThanOrEqual(1);
    await p.stopHealthChecks();
  });
});

describe("ProviderPool metrics", () => {
  it("exports each endpoint's status, head and demotions, replacing the status series on change", async () => {
    const [a, b] = await endpoints(2);
    const metrics = createMetrics({ processMetrics: false });
    const telemetry = new Telemetry(new Map(), metrics);
    const p = pool([a.url, b.url], { onChange: (s) => telemetry.rpcProviders(s) });
    await p.checkNow();
    a.mode = { kind: "wrong-chain", chainId: 5 };
    await p.checkNow();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/oracle_rpc_provider_up\{provider="0",status="wrong-chain"\} 0/);
    expect(text).not.toMatch(/oracle_rpc_provider_up\{provider="0",status="healthy"\}/);
    expect(text).toMatch(/oracle_rpc_provider_up\{provider="1",status="healthy"\} 1/);
    expect(text).toMatch(/oracle_rpc_provider_demotions\{provider="0"\} 1/);
    expect(text).toMatch(/oracle_rpc_provider_head\{provider="1"\} \d+/);
  });
});
