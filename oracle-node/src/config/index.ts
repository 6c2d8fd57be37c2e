/** Node config: schema (the type), loader, error formatting, and resolution helpers. */
export { loadConfig, parseConfig, parseConfigText, type LoadOptions } from "./load";
export { ConfigError, formatConfigErrors, formatPath, type ConfigIssue } from "./errors";
export {
  NodeConfigSchema,
  FeedSchema,
  SourcesSchema,
  NodeSchema,
  type NodeConfig,
  type NodeConfigInput,
  type FeedConfig,
  type FeedSourceConfig,
  type SourcesConfig,
  type NodeSettings,
  type PeerConfig,
} from "./schema";
export { resolveBaseUrl, resolveSymbol, genericSource, adapterResolver, usedSourceIds, isBuiltInSource, resolveConfigPath, referencedFiles } from "./resolve";
