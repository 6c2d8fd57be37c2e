import { HDNodeWallet, Mnemonic } from "ethers";

/**
 * An in-process Hardhat JSON-RPC chain on 127.0.0.1 for the demo and tests: Hardhat's own EDR
 * node behind its HTTP server, automining every transaction, with the standard funded accounts.
 */

/** Hardhat's default test mnemonic: its 20 accounts start with 10,000 ETH each. Public knowledge: never use on a real chain. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** Hardhat funds this many accounts of the mnemonic. */
const FUNDED_ACCOUNTS = 20;

export interface LocalChain {
  url: string;
  chainId: number;
  /** Private keys of the funded accounts (0 = deployer by convention). */
  accounts: string[];
  close(): Promise<void>;
}

export function fundedAccountKeys(count = FUNDED_ACCOUNTS): string[] {
  const mnemonic = Mnemonic.fromPhrase(HARDHAT_MNEMONIC);
  return Array.from({ length: count }, (_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).privateKey);
}

export interface StartChainOptions {
  port?: number;
  /** Compile the contracts first (a no-op when artifacts are current). Default true. */
  compile?: boolean;
  /**
   * Replaces hardhat.config.ts's chain id. Only before this process first touches the Hardhat
   * network (one in-process chain per process): a second chain runs in its own process
   * (scripts/demo/chain-process.ts).
   */
  chainId?: number;
}

export async function startLocalChain(opts: StartChainOptions = {}): Promise<LocalChain> {
  // Loaded lazily: requiring hardhat reads hardhat.config.ts from the working directory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as typeof import("hardhat");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TASK_NODE_CREATE_SERVER, TASK_COMPILE } = require("hardhat/builtin-tasks/task-names") as typeof import("hardhat/builtin-tasks/task-names");
  if (opts.chainId !== undefined) hre.config.networks.hardhat.chainId = opts.chainId;
  if (opts.compile ?? true) await hre.run(TASK_COMPILE, { quiet: true });
  const server = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: "127.0.0.1",
    port: opts.port ?? 0,
    provider: hre.network.provider,
  })) as { listen(): Promise<{ address: string; port: number }>; close(): Promise<void> };
  const { port } = await server.listen();
  const chainId = Number(await hre.network.provider.request({ method: "eth_chainId" }));
  return {
    url: `http://127.0.0.1:${port}`,
    chainId,
    accounts: fundedAccountKeys(),
    close: () => server.close(),
  };
}
