#!/usr/bin/env node
// Entry point for the `oracle-node` command: loads the TypeScript CLI through tsx and runs it.
// main() is called explicitly: npm may start this file through a symlink named `oracle-node`
// (npx, a global install, node_modules/.bin), so the CLI must not guess from process.argv[1].
"use strict";
require("tsx/cjs");
const { main } = require("../src/cli/main.ts");
main(process.argv);
