import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, parseUnits, toQuantity } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { makeProvider } from "./provider";
import { DEFAULT_FEE_CAP_GWEI, FALLBACK_FEE_CAP_GWEI, MAX_FEE_BUMPS, TxManager, defaultFeeCap } from "./tx-manager";

/** Issue 13, item 14: fee caps and a bounded bump schedule, against Hardhat's JSON-RPC node. */
let chain: LocalChain;
let provider: JsonRpcProvider;
const gwei = (n: number | string) => parseUnits(String(n), "gwei");

beforeAll(async () => {
  chain = await startLocalChain({ compile: false });
  provider = makeProvider(chain.url, chain.chainId);
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

async function setBaseFee(wei: bigint): Promise<void> {
  await provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(wei)]);
  await provider.send("evm_mine", []);
}

function manager(key: string, over: Partial<ConstructorParameters<typeof TxManager>[0]> = {}) {
  const broadcasts: bigint[] = [];
  const m = new TxManager({ provider, key: new Wallet(key).signingKey, chainId: chain.chainId, onBroadcast: (b) => broadcasts.push(b.maxFeePerGas), ...over });
  return { m, broadcasts };
}

describe("fee caps", () => {
  it("has a default cap per chain, and a fallback for chains it does not know", () => {
    expect(defaultFeeCap(1)).toBe(gwei(DEFAULT_FEE_CAP_GWEI[1]));
    expect(defaultFeeCap(42161)).toBe(gwei(DEFAULT_FEE_CAP_GWEI[42161]));
    expect(defaultFeeCap(999_999)).toBe(gwei(FALLBACK_FEE_CAP_GWEI));
    expect(manager(chain.accounts[2]).m.feeCap).toBe(defaultFeeCap(31337));
    expect(manager(chain.accounts[2], { maxFeePerGasCap: gwei(7) }).m.feeCap).toBe(gwei(7));
  });

  it("Black Thursday: with the base fee 20x the cap it sends nothing, waits, and gives up at the deadline", async () => {
    const { m, broadcasts } = manager(chain.accounts[3], { maxFeePerGasCap: gwei(50), sendDeadlineMs: 2_000, feeWaitPollMs: 200 });
    await setBaseFee(gwei(1_000));
    const before = await provider.getTransactionCount(m.address, "latest");
    const balance = await provider.getBalance(m.address);
    const t0 = Date.now();
    const o = await m.send({ to: Wallet.createRandom().address, data: "0x", label: "spike" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500); // it waited for the fee to come down
    expect(o).toMatchObject({ status: "failed", broadcasts: 0, error: { kind: "fee-above-cap" } });
    expect(o.error?.message).toMatch(/above the fee cap 50000000000 wei: not sending/);
    expect(broadcasts).toEqual([]);
    expect(await provider.getTransactionCount(m.address, "latest")).toBe(before);
    expect(await provider.getBalance(m.address)).toBe(balance);
    await setBaseFee(gwei(1));
  });

  it("waits out a spike and sends under the cap once the base fee is back below it", async () => {
    const cap = gwei(50);
    const { m, broadcasts } = manager(chain.accounts[4], { maxFeePerGasCap: cap, sendDeadlineMs: 20_000, feeWaitPollMs: 200 });
    await setBaseFee(gwei(1_000));
    const pending = m.send({ to: Wallet.createRandom().address, data: "0x", label: "after the spike" });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(broadcasts).toEqual([]); // still waiting
    await setBaseFee(gwei(2));
    const o = await pending;
    expect(o.status).toBe("confirmed");
    const tx = await provider.getTransaction(o.hash!);
    expect(tx!.maxFeePerGas! <= cap).toBe(true);
    expect(broadcasts.every((f) => f <= cap)).toBe(true);
  });

  it("stops waiting as soon as the report is no longer needed", async () => {
    let needed = true;
    const { m } = manager(chain.accounts[5], { maxFeePerGasCap: gwei(50), sendDeadlineMs: 20_000, feeWaitPollMs: 100 });
    await setBaseFee(gwei(1_000));
    const pending = m.send({ to: Wallet.createRandom().address, data: "0x", label: "landed elsewhere", stillNeeded: async () => needed });
    await new Promise((r) => setTimeout(r, 500));
    needed = false;
    expect(await pending).toMatchObject({ status: "skipped", broadcasts: 0 });
    await setBaseFee(gwei(1));
  });
});

describe("bump schedule", () => {
  async function withoutAutomine<T>(run: () => Promise<T>): Promise<T> {
    await provider.send("evm_setAutomine", [false]);
    try {
      return await run();
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
  }

  it(`bumps a stuck transaction at most ${MAX_FEE_BUMPS} times (x1.2 each), however long it waits`, async () => {
    const { m, broadcasts } = manager(chain.accounts[6], { bumpAfterMs: 150, sendDeadlineMs: 20_000 });
    const o = await withoutAutomine(async () => {
      const pending = m.send({ to: Wallet.createRandom().address, data: "0x", label: "stuck" });
      await new Promise((r) => setTimeout(r, 2_500)); // ~16 bump intervals
      await provider.send("evm_mine", []);
      return pending;
    });
    expect(o.status).toBe("confirmed");
    expect(broadcasts).toHaveLength(1 + MAX_FEE_BUMPS);
    for (let i = 1; i < broadcasts.length; i++) expect(broadcasts[i]).toBe((broadcasts[i - 1] * 120n) / 100n + 1n);
    expect(broadcasts[broadcasts.length - 1] < (broadcasts[0] * 173n) / 100n + 10n).toBe(true);
  });

  it("never bumps past the cap", async () => {
    const probe = manager(chain.accounts[7]);
    // A cap a little above the first offer leaves room for exactly one bump.
    const first = await withoutAutomine(async () => {
      const p = probe.m.send({ to: Wallet.createRandom().address, data: "0x", label: "probe" });
      await new Promise((r) => setTimeout(r, 100));
      await provider.send("evm_mine", []);
      await p;
      return probe.broadcasts[0];
    });
    const cap = (first * 130n) / 100n;
    const { m, broadcasts } = manager(chain.accounts[8], { bumpAfterMs: 150, sendDeadlineMs: 20_000, maxFeePerGasCap: cap });
    const o = await withoutAutomine(async () => {
      const pending = m.send({ to: Wallet.createRandom().address, data: "0x", label: "capped" });
      await new Promise((r) => setTimeout(r, 1_500));
      await provider.send("evm_mine", []);
      return pending;
    });
    expect(o.status).toBe("confirmed");
    expect(broadcasts.length).toBe(2);
    expect(broadcasts.every((f) => f <= cap)).toBe(true);
  });
});
