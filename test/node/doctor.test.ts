import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Wallet } from "ethers";
import { createServer, type Server } from "node:net";
import { startLocalChain, type LocalChain } from "../../scripts/demo/chain";
import { runDoctor, type DoctorTarget, type Finding } from "../../oracle-node/src/doctor/checks";

/** A loopback port with nothing listening: bind, read the port, close. */
async function deadPort(): Promise<number> {
  const srv: Server = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const byCheck = (fs: Finding[], check: string) => fs.find((f) => f.check === check);

let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain({ compile: false });
}, 120_000);
afterAll(async () => {
  await chain?.close();
});

function target(over: Partial<DoctorTarget>): DoctorTarget {
  const funded = new Wallet(chain.accounts[1]).address;
  return {
    rpcUrl: chain.url,
    expectedChainId: chain.chainId,
    aggregator: "0x000000000000000000000000000000000000dEaD",
    signer: funded,
    transmitter: funded,
    minBalanceWei: 10n ** 18n,
    sources: [],
    ...over,
  };
}

describe("doctor checks", () => {
  it("names a wrong chain id, an unfunded transmitter, a missing aggregator and a dead source", async () => {
    const port = await deadPort();
    const unfunded = Wallet.createRandom().address;
    const findings = await runDoctor(
      target({
        expectedChainId: 1,
        transmitter: unfunded,
        sources: [
          {
            feed: "BTC/USD",
            source: "binance",
            probe: async () => {
              const res = await fetch(`http://127.0.0.1:${port}/api/v3/ticker/bookTicker?symbol=BTCUSDT`);
              return { ok: true, price: await res.text() };
            },
          },
          { feed: "BTC/USD", source: "kraken", probe: async () => ({ ok: true, price: "67000.1" }) },
        ],
      }),
    );
    expect(byCheck(findings, "rpc")?.status).toBe("ok");
    expect(byCheck(findings, "chain-id")).toMatchObject({ status: "fail" });
    expect(byCheck(findings, "chain-id")?.detail).toContain(`serves chain ${chain.chainId}, the config expects 1`);
    expect(byCheck(findings, "balance")).toMatchObject({ status: "fail" });
    expect(byCheck(findings, "balance")?.detail).toContain(unfunded);
    expect(byCheck(findings, "aggregator")?.detail).toContain("no contract at 0x000000000000000000000000000000000000dEaD");
    expect(byCheck(findings, "source:BTC/USD:binance")).toMatchObject({ status: "fail" });
    expect(byCheck(findings, "source:BTC/USD:binance")?.detail).toMatch(/binance does not answer BTC\/USD: .*fetch failed|ECONNREFUSED/);
    expect(byCheck(findings, "source:BTC/USD:kraken")).toMatchObject({ status: "ok" });
  });

  it("says the RPC is unreachable and skips the chain checks instead of failing them", async () => {
    const port = await deadPort();
    const findings = await runDoctor(target({ rpcUrl: `http://127.0.0.1:${port}` }));
    expect(byCheck(findings, "rpc")).toMatchObject({ status: "fail" });
    expect(byCheck(findings, "rpc")?.detail).toContain(`RPC http://127.0.0.1:${port} is unreachable`);
    for (const check of ["chain-id", "balance", "signer", "config-digest"]) expect(byCheck(findings, check)?.status).toBe("skip");
  });

  it("passes chain id and balance for a funded key on the right chain", async () => {
    const findings = await runDoctor(target({}));
    expect(byCheck(findings, "chain-id")?.status).toBe("ok");
    expect(byCheck(findings, "balance")?.status).toBe("ok");
  });
});
