import type { Command } from "commander";
import { JsonRpcProvider, Network, formatEther, formatUnits, getAddress, isAddress, type Signer } from "ethers";
import { ConfigError, formatConfigErrors, loadConfig, type NodeConfig } from "../../config";
import { deployFeeds, handOver, type Deployment } from "../../chain/deploy";
import { DEFAULT_REWARD_PARAMS, type RewardParams } from "../../chain/deploy-economics";
import { loadSigner } from "../../keys/signer";
import { addressesJson, deployEconomicsForConfig, feedSpecsFromConfig, maxFaulty, parseAddressList, writeAddressesFile } from "../../deploy/from-config";
import type { EconomicsAddresses } from "../../node/from-config";
import { decimalAmount } from "../option-parsers";

/** An RPC that does not tell its chain id within this long is not worth deploying to. */
const RPC_TIMEOUT_MS = 10_000;

/**
 * `oracle-node deploy`: deploys the feeds of a node config (one QuorumAggregator holding every
 * feed, a FeedProxy per feed, the FeedRegistry and the example LendingConsumer) to any JSON-RPC
 * endpoint, sets the committee, and writes the addresses file node configs name in
 * `node.chain.addressesFile`. With `--economics` also the stake and rewards contracts
 * (deployEconomicsForConfig), the deployer staking on behalf of every signer: a local deploy.
 */

interface EconomicsFlags {
  economics: boolean;
  rewardBudget?: bigint;
  reimbursementPot?: bigint;
  gasPriceCapGwei?: bigint;
}

/** `--economics`: deploys and wires them; returns the addresses file's entry and the Deployment with its re-set config. */
async function economicsStep(
  deployer: Signer,
  cfg: NodeConfig,
  d: Deployment,
  signers: string[],
  o: EconomicsFlags,
): Promise<{ economics?: EconomicsAddresses; deployment: Deployment }> {
  if (!o.economics) return { deployment: d };
  const rewards: Partial<RewardParams> = {};
  if (o.rewardBudget !== undefined) rewards.budget = o.rewardBudget;
  if (o.reimbursementPot !== undefined) rewards.reimbursementPot = o.reimbursementPot;
  if (o.gasPriceCapGwei !== undefined) rewards.gasPriceCap = o.gasPriceCapGwei;
  const r = await deployEconomicsForConfig(deployer, cfg, d, signers, rewards);
  process.stderr.write(
    `economics: token ${r.economics.token}, staking ${r.economics.staking}, rewards ${r.economics.rewards}; ${signers.length} signer(s) staked by the deployer; accounting mode ${r.details.rewardParams?.mode}, gas price cap ${formatUnits(r.details.rewardParams?.gasPriceCap ?? 0n, "gwei").replace(/\.0$/, "")} gwei\n`,
  );
  return { economics: r.economics, deployment: r.deployment };
}
export function register(program: Command): void {
  program
    .command("deploy")
    .description("deploy aggregator, proxies, registry and example consumer for a config's feeds; write the addresses file")
    .requiredOption("--rpc <url>", "JSON-RPC endpoint of the target chain")
    .requiredOption("--config <file>", "node config whose feeds to deploy (its node.chain.chainId must match the RPC)")
    .requiredOption("--out <file>", "addresses file to write (JSON)")
    .requiredOption("--signers <addresses>", "comma-separated signer addresses, in committee order")
    .option("--transmitters <addresses>", "comma-separated transmitter addresses (default: the signers)")
    .option("--f <n>", "faulty oracles tolerated, 3f < n (default: the largest allowed)")
    .option("--owner <address>", "final owner of the contracts (default: the deployer)")
    .option("--no-consumer", "skip the example LendingConsumer")
    .option("--keystore <file>", "deployer keystore")
    .option("--password-env <var>", "environment variable holding the keystore password")
    .option("--password-file <file>", "file holding the keystore password")
    .option("--private-key-env <var>", "environment variable holding the deployer's private key (instead of a keystore)")
    .option(
      "--economics",
      "also deploy OracleToken, OracleStaking and OracleRewards, stake the minimum for every signer from the deployer and turn accounting on",
    )
    .option(
      "--reward-budget <tokens>",
      `with --economics: reward tokens minted to the deployer and funded (default ${formatEther(DEFAULT_REWARD_PARAMS.budget)})`,
      decimalAmount(18),
    )
    .option("--reimbursement-pot <eth>", "with --economics: native coin for the transmitters' gas reimbursement (default 0)", decimalAmount(18))
    .option("--gas-price-cap-gwei <gwei>", "with --economics: the reimbursement's gas price cap (default: the chain's, docs/economics.md)", decimalAmount(9))
    .action(deployAction);
}

interface DeployFlags extends EconomicsFlags {
  rpc: string;
  config: string;
  out: string;
  signers: string;
  transmitters?: string;
  f?: string;
  owner?: string;
  consumer: boolean;
  keystore?: string;
  passwordEnv?: string;
  passwordFile?: string;
  privateKeyEnv?: string;
}

async function deployAction(o: DeployFlags): Promise<void> {
  let cfg;
  try {
    cfg = loadConfig(o.config);
  } catch (err) {
    throw new Error(err instanceof ConfigError ? formatConfigErrors(err) : (err as Error).message);
  }
  const feeds = feedSpecsFromConfig(cfg);
  const signers = parseAddressList(o.signers, "--signers");
  if (o.owner !== undefined && !isAddress(o.owner)) throw new Error(`--owner ${JSON.stringify(o.owner)} is not an address`);
  const transmitters = o.transmitters ? parseAddressList(o.transmitters, "--transmitters") : signers;
  if (!o.economics && (o.rewardBudget ?? o.reimbursementPot ?? o.gasPriceCapGwei) !== undefined) {
    throw new Error("--reward-budget, --reimbursement-pot and --gas-price-cap-gwei need --economics");
  }
  const f = o.f === undefined ? maxFaulty(signers.length) : Number(o.f);
  if (!Number.isInteger(f) || f < 1 || 3 * f >= signers.length) {
    throw new Error(`--f ${o.f ?? f}: need 1 <= f and 3f < n = ${signers.length} signers`);
  }
  const wallet = await loadSigner({ keystore: o.keystore, password: { env: o.passwordEnv, file: o.passwordFile }, privateKeyEnv: o.privateKeyEnv });

  const chainId = await checkChainId(o.rpc, o.config, cfg.node.chain.chainId);
  const provider = new JsonRpcProvider(o.rpc, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
  try {
    const deployer = wallet.connect(provider);
    const balance = await provider.getBalance(deployer.address);
    process.stderr.write(
      `deploying ${feeds.length} feed(s) to chain ${chainId} from ${deployer.address} (${formatEther(balance)} ETH), n=${signers.length} f=${f}\n`,
    );
    // The economics wiring (setStaking, accounting, the config re-set) is owner-only: the hand-over waits for it.
    const feedsDeployed = await deployFeeds(deployer, { feeds, signers, transmitters, f, owner: o.owner, withConsumer: o.consumer, handOverLater: true });
    const { economics, deployment } = await economicsStep(deployer, cfg, feedsDeployed, signers, o);
    if (o.owner && getAddress(o.owner) !== getAddress(deployer.address)) {
      await handOver(deployer, [deployment.aggregator, deployment.registry, deployment.consumer, economics?.staking, economics?.token], o.owner);
      process.stderr.write(`ownership offered to ${o.owner}: it calls acceptOwnership() on each contract (the token, if any, moved at once)\n`);
    }
    const json = addressesJson(
      deployment,
      cfg.feeds.map((x) => x.id),
      economics,
    );
    writeAddressesFile(o.out, json);
    process.stderr.write(`aggregator ${json.aggregator}, registry ${json.registry}${json.consumer ? `, consumer ${json.consumer}` : ""}; wrote ${o.out}\n`);
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } finally {
    provider.destroy();
  }
}

function rejectAfter(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

/** The RPC's chain id, which must be the one the config names (a deployment to the wrong chain is refused). */
async function checkChainId(rpc: string, configPath: string, expected: number): Promise<number> {
  const probe = new JsonRpcProvider(rpc, undefined, { staticNetwork: Network.from(expected) });
  let chainId: number;
  try {
    chainId = Number(await Promise.race([probe.send("eth_chainId", []), rejectAfter(RPC_TIMEOUT_MS, `RPC ${rpc} did not answer within ${RPC_TIMEOUT_MS} ms`)]));
  } catch (err) {
    throw new Error(`RPC ${rpc} is unreachable: ${(err as Error).message}`);
  } finally {
    probe.destroy();
  }
  if (chainId !== expected) throw new Error(`chain id mismatch: ${rpc} serves chain ${chainId}, ${configPath} names chain ${expected}`);
  return chainId;
}
