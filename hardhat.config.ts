import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";

// Solidity compiles offline: Hardhat 2 would download solc from a host that is not reachable
// here, so the build comes from the npm `solc` package (wasm). The version in `solidity` below
// must be the installed one; anything else fails loudly instead of silently using another.
const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  const installed: string = solc.version().replace(/\.Emscripten\.clang$/, "");
  if (!installed.startsWith(args.solcVersion + "+")) {
    throw new Error(
      `hardhat.config.ts: Solidity ${args.solcVersion} requested but npm solc ${installed} is installed; ` +
        `pin the npm 'solc' package to ${args.solcVersion}`,
    );
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: installed,
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Hardhat 2 forces `paris` for solc >= 0.8.20 unless told; OpenZeppelin 5 needs mcopy.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 1_000_000 },
      viaIR: false,
    },
  },
  paths: {
    sources: "./contracts",
    tests: "./test/contracts",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  networks: {
    hardhat: {
      // Deterministic chain for tests and the demo.
      chainId: 31337,
    },
    localhost: {
      url: "http://127.0.0.1:8545",
    },
  },
  mocha: {
    timeout: 120_000,
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
};

export default config;
