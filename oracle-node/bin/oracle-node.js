#!/usr/bin/env node
// Entry point for the `oracle-node` command: runs the TypeScript CLI through tsx.
require("tsx/cjs");
require("../src/cli/main.ts");
