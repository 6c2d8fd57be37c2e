// Lets vitest tests `import hre from "hardhat"` (hardhat.config.ts is loaded through require).
import "ts-node/register/transpile-only";
