/**
 * The package entry (`require("ai-oracle-network")`, package.json "main" -> oracle-node/index.js):
 * what a consumer's code uses. The node itself runs through the `oracle-node` command.
 */
export * from "./pull";
export { decodeReport, encodeReport, expectedAnswer, expectedConfidence, reportDigest, type Report, type FeedReport } from "./protocol/report";
