import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { InterfaceAbi } from "ethers";

/**
 * Loads compiled contracts (ABI + bytecode) from Hardhat's artifacts/ directory, so plain ethers
 * code (the node's deploy command, the demo) can deploy and call them without Hardhat.
 */

/** The repository root: this file lives in oracle-node/src/chain/. */
const REPO_ROOT = resolve(__dirname, "../../..");

/** Contract name -> source path under contracts/. */
export const CONTRACT_SOURCES = {
  QuorumAggregator: "QuorumAggregator.sol",
  FeedProxy: "FeedProxy.sol",
  FeedRegistry: "FeedRegistry.sol",
  LendingConsumer: "examples/LendingConsumer.sol",
  OracleToken: "economics/OracleToken.sol",
  OracleStaking: "economics/OracleStaking.sol",
  OracleRewards: "economics/OracleRewards.sol",
  PerpConsumer: "examples/PerpConsumer.sol",
  IOracleStaking: "interfaces/IOracleStaking.sol",
  IOracleRewards: "interfaces/IOracleRewards.sol",
  ISlaAccounting: "interfaces/IOracleRewards.sol",
  IQuorumAggregator: "interfaces/IQuorumAggregator.sol",
  IFeedProxy: "interfaces/IFeedProxy.sol",
  IFeedRegistry: "interfaces/IFeedRegistry.sol",
} as const;

export type ContractName = keyof typeof CONTRACT_SOURCES;

export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  /** 0x-prefixed creation bytecode ("0x" for interfaces). */
  bytecode: string;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactError";
  }
}

const cache = new Map<string, Artifact>();

/** The artifact JSON path of a contract (artifacts/contracts/<source>/<Name>.json). */
export function artifactPath(name: ContractName, artifactsDir = join(REPO_ROOT, "artifacts")): string {
  return join(artifactsDir, "contracts", CONTRACT_SOURCES[name], `${name}.json`);
}

/**
 * Reads a compiled contract. Throws ArtifactError telling to run `npx hardhat compile` when the
 * artifact is missing, and a clear error when it is unreadable.
 */
export function loadArtifact(name: ContractName, artifactsDir?: string): Artifact {
  const path = artifactPath(name, artifactsDir);
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) {
    throw new ArtifactError(`compiled artifact for ${name} not found at ${path}: run \`npx hardhat compile\` in ${REPO_ROOT} first`);
  }
  let parsed: { contractName?: unknown; abi?: unknown; bytecode?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ArtifactError(`artifact ${path} is not valid JSON (${(err as Error).message}): run \`npx hardhat compile --force\``);
  }
  if (!Array.isArray(parsed.abi) || typeof parsed.bytecode !== "string") {
    throw new ArtifactError(`artifact ${path} has no abi/bytecode: run \`npx hardhat compile --force\``);
  }
  const artifact: Artifact = { contractName: name, abi: parsed.abi as InterfaceAbi, bytecode: parsed.bytecode };
  cache.set(path, artifact);
  return artifact;
}
