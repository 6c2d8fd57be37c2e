import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createKeystore } from "../../oracle-node/src/keys/keystore";

/**
 * The demo's node identities: one fresh key per node, written as an encrypted keystore (cheap
 * scrypt: these keys live for one demo run) with a random password in a 0600 file next to it,
 * exactly as an operator would run a node. The demo funds each key for gas from a Hardhat account.
 */
export interface NodeIdentity {
  name: string;
  address: string;
  keystore: string;
  passwordFile: string;
}

/** ETH each node gets for gas: thousands of transmissions at Hardhat's fees. */
const NODE_FUNDING_ETH = "10";

export async function createNodeIdentities(dir: string, count: number): Promise<NodeIdentity[]> {
  const out: NodeIdentity[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `node-${i}`;
    const passwordFile = join(dir, `${name}.password`);
    writeFileSync(passwordFile, randomBytes(18).toString("base64url") + "\n", { mode: 0o600 });
    const keystore = join(dir, `${name}.keystore.json`);
    const password = readFileSync(passwordFile, "utf8").trim();
    const address = await createKeystore(keystore, password, { cost: "light" });
    out.push({ name, address, keystore, passwordFile });
  }
  return out;
}

/** Sends each address NODE_FUNDING_ETH from the funder, waiting for every receipt. */
export async function fundAddresses(rpcUrl: string, funderKey: string, addresses: string[]): Promise<void> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
  try {
    const funder = new Wallet(funderKey, provider);
    let nonce = await provider.getTransactionCount(funder.address, "pending");
    const txs = [];
    for (const to of addresses) txs.push(await funder.sendTransaction({ to, value: parseEther(NODE_FUNDING_ETH), nonce: nonce++ }));
    await Promise.all(txs.map((t) => t.wait()));
  } finally {
    provider.destroy();
  }
}
