import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startLocalChain, type LocalChain } from "../../scripts/demo/chain";
import { attach } from "../../oracle-node/src/chain/deploy";
import { DEFAULT_STAKING_PARAMS, SLA_GAS_OVERHEAD } from "../../oracle-node/src/chain/deploy-economics";
import { chainTarget } from "../../oracle-node/src/cli/chain-target";
import { loadConfig } from "../../oracle-node/src/config";
import { writeKeystore } from "../../oracle-node/src/keys/keystore";
import { economicsEntry, fromNodeConfig, readAddressesFile, type AddressesFile } from "../../oracle-node/src/node/from-config";
import { runCli } from "./cli-run";

/**
 * `oracle-node deploy --economics` as an operator runs it (a separate process against a real
 * JSON-RPC server), and the addresses file it writes read back by both readers: the node's
 * (fromNodeConfig) and the economics commands' (chainTarget).
 */
const PASSWORD = "deploy-economics-cli";
const GWEI = 10n ** 9n;
let chain: LocalChain;
let provider: JsonRpcProvider;
let dir: string;
let cfgPath: string;
let signers: string[];

function deploy(out: string, extra: string[]): ReturnType<typeof runCli> {
  return runCli(
    ["deploy", "--rpc", chain.url, "--config", cfgPath, "--out", out, "--signers", signers.join(","), "--private-key-env", "DEPLOYER_KEY", ...extra],
    {
      DEPLOYER_KEY: chain.accounts[0],
    },
  );
}

beforeAll(async () => {
  chain = await startLocalChain({ compile: false });
  provider = new JsonRpcProvider(chain.url, chain.chainId, { cacheTimeout: -1 });
  dir = mkdtempSync(join(tmpdir(), "deploy-econ-cli-"));
  signers = chain.accounts.slice(1, 5).map((k) => new Wallet(k).address);
  await writeKeystore(join(dir, "node-0.json"), chain.accounts[1], PASSWORD, { cost: "light" });
  const feed = (id: string, heartbeatSeconds: number) => ({
    id,
    description: id.replace("/", " / "),
    decimals: 8,
    pair: id,
    sources: [{ id: "binance", baseUrl: "http://127.0.0.1:9" }],
    minSources: 1,
    deviationThresholdBps: 50,
    heartbeatSeconds,
  });
  const cfg = {
    version: 1,
    node: {
      name: "node-0",
      keystore: { path: join(dir, "node-0.json"), passwordEnv: "DEPLOY_ECON_PW" },
      chain: { rpcUrl: chain.url, chainId: chain.chainId, addressesFile: join(dir, "addresses.json") },
      peers: signers.slice(1).map((address, i) => ({ index: i + 1, url: `http://127.0.0.1:${7100 + i}`, address })),
      filter: { kind: "mad" },
    },
    feeds: [feed("BTC/USD", 600), feed("ETH/USD", 900)],
  };
  cfgPath = join(dir, "node-0.yaml");
  writeFileSync(cfgPath, stringify(cfg));
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("oracle-node deploy --economics", () => {
  it("deploys and wires token, staking and rewards, writes economics {token, staking, rewards}, and both readers read the file back", async () => {
    const out = join(dir, "addresses.json");
    const r = await deploy(out, ["--economics", "--reward-budget", "123.5", "--reimbursement-pot", "0.25"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/4 signer\(s\) staked by the deployer; accounting mode 2, gas price cap 100 gwei/);
    const file = JSON.parse(readFileSync(out, "utf8")) as AddressesFile & { configDigest: string; configBlockNumber: number };
    expect(JSON.parse(r.stdout.trim())).toEqual(file);
    const e = file.economics as { token: string; staking: string; rewards: string };
    expect(Object.keys(e).sort()).toEqual(["rewards", "staking", "token"]);

    // The file names the config the wiring re-set: the one the staking contract admitted.
    const aggregator = attach("QuorumAggregator", file.aggregator, new Wallet(chain.accounts[0], provider));
    const [, block, digest] = await aggregator.getFunction("latestConfigDetails")();
    expect([file.configDigest, file.configBlockNumber]).toEqual([digest, Number(block)]);
    const staking = attach("OracleStaking", e.staking, aggregator.runner as Wallet);
    expect(await staking.getFunction("activeConfigDigest")()).toBe(digest);
    for (const s of signers) expect((await staking.getFunction("stakeOf")(s)).active).toBe(DEFAULT_STAKING_PARAMS.minimumStake);
    // Each feed's alert heartbeat is its config heartbeatSeconds.
    expect([await staking.getFunction("feedHeartbeat")(0), await staking.getFunction("feedHeartbeat")(1)]).toEqual([600n, 900n]);
    const rewards = attach("OracleRewards", e.rewards, aggregator.runner as Wallet);
    expect(await rewards.getFunction("token")()).toBe(e.token);
    expect(await rewards.getFunction("totalFunded")()).toBe(parseEther("123.5"));
    expect([...(await rewards.getFunction("reimbursementTotals")())]).toEqual([parseEther("0.25"), 0n]);
    expect([...(await aggregator.getFunction("slaParams")())]).toEqual([2n, 100n * GWEI, BigInt(SLA_GAS_OVERHEAD)]);

    // Reader 1: the economics commands (sla, stake, claim, ...).
    const target = await chainTarget({ rpc: chain.url, addresses: out });
    expect([target.aggregator, target.economics, target.rewards, target.configBlockNumber]).toEqual([
      file.aggregator,
      e.staking,
      e.rewards,
      file.configBlockNumber,
    ]);
    target.provider.destroy();
    // Reader 2: the node (its config names the addresses file).
    process.env.DEPLOY_ECON_PW = PASSWORD;
    const runtime = await fromNodeConfig(loadConfig(cfgPath), { configPath: cfgPath });
    expect([runtime.aggregator, runtime.economics?.address]).toEqual([file.aggregator, e.staking]);
  }, 120_000);

  it("with --owner: the economics wiring runs first, then every contract is offered to the owner, who accepts and administers it", async () => {
    const out = join(dir, "owned.json");
    const ownerWallet = new Wallet(chain.accounts[6], provider);
    const r = await deploy(out, ["--economics", "--owner", ownerWallet.address]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ownership offered to 0x/);
    const file = JSON.parse(readFileSync(out, "utf8")) as AddressesFile & { registry: string; consumer: string };
    const e = file.economics as { token: string; staking: string; rewards: string };
    const aggregator = attach("QuorumAggregator", file.aggregator, ownerWallet);
    const staking = attach("OracleStaking", e.staking, ownerWallet);
    // The wiring the deployer did as owner is in place: accounting on, the re-set config admitted.
    const [, , digest] = await aggregator.getFunction("latestConfigDetails")();
    expect(await staking.getFunction("activeConfigDigest")()).toBe(digest);
    expect((await aggregator.getFunction("slaParams")())[0]).toBe(2n);
    // Two-step contracts wait for the owner; the token (one step) is its already.
    for (const [name, address] of [
      ["QuorumAggregator", file.aggregator],
      ["FeedRegistry", file.registry],
      ["LendingConsumer", file.consumer],
      ["OracleStaking", e.staking],
    ] as const) {
      const c = attach(name, address, ownerWallet);
      expect(await c.getFunction("pendingOwner")(), name).toBe(ownerWallet.address);
      await (await c.getFunction("acceptOwnership")()).wait();
      expect(await c.getFunction("owner")(), name).toBe(ownerWallet.address);
    }
    expect(await attach("OracleToken", e.token, ownerWallet).getFunction("owner")()).toBe(ownerWallet.address);
    // The deployer no longer administers anything (0x118cdaa7: OwnableUnauthorizedAccount(address)).
    const asDeployer = attach("QuorumAggregator", file.aggregator, new Wallet(chain.accounts[0], provider));
    await expect(asDeployer.getFunction("setMaxReportAge")(0, 60)).rejects.toThrow(/data="0x118cdaa7/);
    await (await aggregator.getFunction("setMaxReportAge")(0, 60)).wait();
  }, 120_000);

  it("a malformed --owner is refused before anything is deployed", async () => {
    const r = await deploy(join(dir, "bad-owner.json"), ["--economics", "--owner", "0x1234"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--owner "0x1234" is not an address/);
  });

  it("without --economics writes no economics entry; its amount flags need it; a negative or malformed amount is a usage error", async () => {
    const out = join(dir, "plain.json");
    const [plain, orphan, negative, tooPrecise] = await Promise.all([
      deploy(out, []),
      deploy(join(dir, "x.json"), ["--reward-budget", "1"]),
      deploy(join(dir, "y.json"), ["--economics", "--reward-budget", "-1"]),
      deploy(join(dir, "z.json"), ["--economics", "--gas-price-cap-gwei", "1.0000000001"]),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect("economics" in JSON.parse(readFileSync(out, "utf8"))).toBe(false);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toMatch(/need --economics/);
    for (const x of [negative, tooPrecise]) expect(x.code, x.stderr).toBe(2);
  }, 120_000);

  it("the one reader refuses an economics entry that is not an address, naming the key; absent keys are left out", () => {
    const base = { aggregator: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    expect(() => economicsEntry({ ...base, economics: { token: base.aggregator, staking: "0x12", rewards: null } })).toThrow(
      /economics\.staking "0x12" is not an address/,
    );
    expect(() => economicsEntry({ ...base, economics: 7 as never })).toThrow(/economics 7 is not an address/);
    expect(economicsEntry({ ...base, economics: { staking: base.aggregator, rewards: null } as never })).toEqual({ staking: base.aggregator });
    expect(economicsEntry(readAddressesFileOf({ ...base }))).toEqual({});
  });
});

/** An addresses file on disk, read back the way the node reads it. */
function readAddressesFileOf(json: object): AddressesFile {
  const path = join(dir, `file-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(json));
  return readAddressesFile(path);
}
