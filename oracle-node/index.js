// Package entry for consumers (package.json "main"): loads the TypeScript sources through tsx,
// as the `oracle-node` bin does, and re-exports oracle-node/src/index.ts (the pull client).
"use strict";
require("tsx/cjs");
module.exports = require("./src/index.ts");
