import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, Interface } from "ethers";
import { startLocalChain, type LocalChain } from "../../../scripts/demo/chain";
import { deployContract, deployFeeds, type Deployment } from "./deploy";
import { loadArtifact } from "./artifacts";
import { aggregatorInterface, encodeTransmit } from "./aggregator";
import { makeProvider } from "./provider";
import { TxManager } from "./tx-manager";
import { classifyTxError } from "./tx-errors";

let chain: LocalChain;
let provider: JsonRpcProvider;
let deployment: Deployment;

beforeAll(async () => {
  chain = await startLocalChain();
  provider = makeProvider(chain.url, chain.chainId);
  const signers = chain.accounts.slice(1, 5).map((k) => new Wallet(k).address);
  deployment = await deployFeeds(new Wallet(chain.accounts[0], provider), {
    feeds: [{ description: "BTC / USD", decimals: 8, base: "BTC", quote: "USD" }],
    signers,
    transmitters: signers,
    f: 1,
  });
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

function manager(key: string, over: Partial<ConstructorParameters<typeof TxManager>[0]> = {}): TxManager {
  return new TxManager({ provider, key: new Wallet(key).signingKey, chainId: chain.chainId, iface: aggregatorInterface(), ...over });
}

describe("TxManager against a JSON-RPC node", () => {
  it("sends back-to-back transactions with its own nonces, each confirmed", async () => {
    const key = chain.accounts[10];
    const m = manager(key);
    const to = Wallet.createRandom().address;
    const start = await provider.getTransactionCount(m.address, "latest");
    const outcomes = await Promise.all([1, 2, 3].map((i) => m.send({ to, data: "0x", label: `t${i}`, tags: [`t${i}`] })));
    expect(outcomes.map((o) => o.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
    expect(outcomes.map((o) => o.nonce)).toEqual([start, start + 1, start + 2]);
  });

  it("reports a contract's custom error from the simulation, without sending anything", async () => {
    const m = manager(chain.accounts[1]);
    const before = await provider.getTransactionCount(m.address, "latest");
    const o = await m.send({ to: deployment.aggregator, data: encodeTransmit("0x01", "0x"), label: "garbage" });
    expect(o.status).toBe("reverted");
    expect(o.broadcasts).toBe(0);
    expect(o.error?.customError?.name).toMatch(/MalformedReport|ConfigDigestMismatch/);
    expect(await provider.getTransactionCount(m.address, "latest")).toBe(before);
  });

  it("names another contract's custom error with the request's own interface", async () => {
    const token = await deployContract("OracleToken", new Wallet(chain.accounts[0], provider), [new Wallet(chain.accounts[0]).address]);
    const iface = new Interface(loadArtifact("OracleToken").abi);
    // Account 12 holds no tokens: the transfer reverts with the token's ERC20InsufficientBalance.
    const req = { to: await token.getAddress(), data: iface.encodeFunctionData("transfer", [Wallet.createRandom().address, 1n]), label: "transfer" };
    const m = manager(chain.accounts[12]);
    const named = await m.send({ ...req, iface });
    expect(named).toMatchObject({ status: "reverted", broadcasts: 0 });
    expect(named.error?.customError?.name).toBe("ERC20InsufficientBalance");
    // Without it, the manager's interface (the aggregator's) does not know the error.
    expect((await m.send(req)).error?.customError).toBeUndefined();
  });

  it("resynchronises its nonce after someone else used it (nonce too low)", async () => {
    const key = chain.accounts[11];
    const m = manager(key);
    const to = Wallet.createRandom().address;
    expect((await m.send({ to, data: "0x", label: "a" })).status).toBe("confirmed");
    // The same key sends behind the manager's back: its cached nonce is now stale.
    const w = new Wallet(key, provider);
    await (await w.sendTransaction({ to, value: 1n })).wait();
    const o = await m.send({ to, data: "0x", label: "b" });
    expect(o.status).toBe("confirmed");
    expect(o.nonce).toBe((await provider.getTransactionCount(m.address, "latest")) - 1);
  });

  it("fails cleanly with an unfunded key", async () => {
    const m = manager(Wallet.createRandom().privateKey);
    const o = await m.send({ to: Wallet.createRandom().address, data: "0x", label: "poor" });
    expect(o.status === "failed" || o.status === "reverted").toBe(true);
    expect(o.error?.kind).toBe("insufficient-funds");
  });

  it("drops a waiting transaction that a newer one covers, keeps one for other feeds", async () => {
    const m = manager(chain.accounts[12]);
    const to = Wallet.createRandom().address;
    const first = m.send({ to, data: "0x", label: "in flight", tags: ["A"] });
    const stale = m.send({ to, data: "0x", label: "A old", tags: ["A"] });
    const other = m.send({ to, data: "0x", label: "B", tags: ["B"] });
    const fresh = m.send({ to, data: "0x", label: "A new", tags: ["A"] });
    expect((await stale).status).toBe("superseded");
    expect((await Promise.all([first, other, fresh])).map((o) => o.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
  });

  it("skips a transaction that is no longer needed", async () => {
    const m = manager(chain.accounts[13]);
    const o = await m.send({ to: Wallet.createRandom().address, data: "0x", label: "late", stillNeeded: async () => false });
    expect(o).toEqual({ status: "skipped", broadcasts: 0 });
  });
});

describe("classifyTxError", () => {
  const iface = new Interface(["error StaleReport(uint256 feedIndex, uint40 latest, uint40 reported)"]);
  it("classifies node wordings", () => {
    expect(classifyTxError(new Error("already known")).kind).toBe("already-known");
    expect(classifyTxError({ code: "NONCE_EXPIRED", message: "nonce has already been used" }).kind).toBe("nonce-too-low");
    expect(classifyTxError(new Error("Nonce too low. Expected nonce to be 5 but got 3.")).kind).toBe("nonce-too-low");
    expect(classifyTxError(new Error("replacement transaction underpriced")).kind).toBe("replacement-underpriced");
    expect(classifyTxError({ code: "INSUFFICIENT_FUNDS", message: "insufficient funds for gas * price + value" }).kind).toBe("insufficient-funds");
    expect(classifyTxError(new Error("connect ECONNREFUSED 127.0.0.1:8545")).kind).toBe("network");
    expect(classifyTxError(new Error("something odd")).kind).toBe("unknown");
  });
  it("decodes a custom error from nested revert data", () => {
    const data = iface.encodeErrorResult("StaleReport", [0, 5, 4]);
    const c = classifyTxError({ code: "CALL_EXCEPTION", info: { error: { data } } }, iface);
    expect(c).toMatchObject({ kind: "reverted", customError: { name: "StaleReport", args: ["0", "5", "4"] } });
  });
});
