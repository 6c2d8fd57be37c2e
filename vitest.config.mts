import { defineConfig } from "vitest/config";

// vitest runs the oracle-node side; Hardhat's mocha runs test/contracts. Keep them apart.
export default defineConfig({
  test: {
    include: ["oracle-node/**/*.test.ts", "models/**/*.test.ts", "test/node/**/*.test.ts", "test/e2e/**/*.test.ts"],
    setupFiles: ["./test/vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
