import { join } from "node:path";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { fundedAccountKeys } from "./chain";
import { spawnLocalChain, type ChildChain } from "./chain-process";
import { fundAddresses, type NodeIdentity } from "./node-keys";
import { freePorts } from "./nodes";
import { DEMO_FEEDS } from "./plan";
import { deployFeeds, type Deployment } from "../../oracle-node/src/chain/deploy";
import { addressesJson, feedSpecsFromConfig, writeAddressesFile } from "../../oracle-node/src/deploy/from-config";
import { parseConfig } from "../../oracle-node/src/config";

/**
 * `npm run demo -- --chains 2`: a second local chain (its own Hardhat process, chain id 31338)
 * served by the same node processes. Each node's config gets a `chains[]` entry (name "b"):
 * its own committee ports, SQLite file, API port and addresses file, the same key and every
 * feed (config/chain-instances.ts runs it as a second protocol instance); the contracts are
 * deployed on it for the same committee, as on the first chain.
 */
export const SECOND_CHAIN_ID = 31338;
export const SECOND_CHAIN_NAME = "b";

export interface SecondChain {
  chain: ChildChain;
  provider: JsonRpcProvider;
  peerPorts: number[];
  apiPorts: number[];
  addressesFile: string;
  deployment: Deployment | null;
  close(): Promise<void>;
}

/** Starts the second chain and funds the nodes' keys on it. */
export async function startSecondChain(workDir: string, identities: NodeIdentity[]): Promise<SecondChain> {
  const chain = await spawnLocalChain(SECOND_CHAIN_ID);
  const provider = new JsonRpcProvider(chain.url, Network.from(chain.chainId), { staticNetwork: true, cacheTimeout: -1 });
  const n = identities.length;
  const [peerPorts, apiPorts] = [await freePorts(n), await freePorts(n)];
  await fundAddresses(
    chain.url,
    fundedAccountKeys()[0],
    identities.map((x) => x.address),
  );
  return {
    chain,
    provider,
    peerPorts,
    apiPorts,
    addressesFile: join(workDir, "addresses.b.json"),
    deployment: null,
    close: async () => {
      provider.destroy();
      await chain.close();
    },
  };
}

/** Node i's `chains[]` entry for the second chain. */
export function secondChainEntry(b: SecondChain, id: NodeIdentity, i: number, dir: string): Record<string, unknown> {
  return {
    name: SECOND_CHAIN_NAME,
    chain: { rpcUrl: b.chain.url, chainId: b.chain.chainId, addressesFile: b.addressesFile, confirmations: 1 },
    peers: b.peerPorts.map((p, k) => ({ index: k, url: `http://127.0.0.1:${p}` })).filter((p) => p.index !== i),
    listen: { port: b.peerPorts[i] },
    database: { path: join(dir, `${id.name}.${SECOND_CHAIN_NAME}.sqlite`) },
    apiPort: b.apiPorts[i],
  };
}

/** The contracts on the second chain for the same committee and feeds, and its addresses file. */
export async function deploySecondChain(b: SecondChain, config: Record<string, unknown>, signers: string[], f: number): Promise<Deployment> {
  const deployer = new Wallet(fundedAccountKeys()[0], b.provider);
  const deployment = await deployFeeds(deployer, { feeds: feedSpecsFromConfig(parseConfig(config)), signers, transmitters: signers, f, withConsumer: true });
  writeAddressesFile(
    b.addressesFile,
    addressesJson(
      deployment,
      DEMO_FEEDS.map((x) => x.id),
    ),
  );
  b.deployment = deployment;
  return deployment;
}
