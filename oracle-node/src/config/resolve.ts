import { dirname, isAbsolute, resolve } from "node:path";
import { createGenericCsvSource, createGenericJsonSource, getAdapter, isSourceId, type SourceAdapter } from "../sources/registry";
import type { GenericSourceConfig } from "../sources/generic-config";
import type { FeedSourceConfig, NodeConfig } from "./schema";

/**
 * Questions the runtime asks of a validated config, answered in one place: where a feed's
 * source lives (base URL precedence) and which sources a node talks to.
 */

/**
 * The base URL for one feed's source, first match wins: the feed entry's baseUrl, the source's
 * entry in sources.overrides, sources.baseUrlTemplate with {id} expanded; undefined = the
 * source's documented URL.
 */
export function resolveBaseUrl(config: NodeConfig, entry: FeedSourceConfig): string | undefined {
  if (entry.baseUrl !== undefined) return trimSlash(entry.baseUrl);
  const override = config.sources.overrides[entry.id]?.baseUrl;
  if (override !== undefined) return trimSlash(override);
  if (config.sources.baseUrlTemplate !== undefined) return trimSlash(config.sources.baseUrlTemplate.replace(/\{id\}/g, entry.id));
  return undefined;
}

/** The generic source definition for an id, if the id names one. */
export function genericSource(config: NodeConfig, id: string): GenericSourceConfig | undefined {
  return config.sources.generic.find((g) => g.id === id);
}

/**
 * A memoizing lookup from a feed's source id to its adapter: a built-in venue adapter, or the
 * generic JSON/CSV source the config defines under that id (one instance per id, so a generic
 * source's per-round request sharing works across feeds).
 */
export function adapterResolver(config: NodeConfig): (id: string) => SourceAdapter {
  const adapters = new Map<string, SourceAdapter>();
  return (id: string): SourceAdapter => {
    let a = adapters.get(id);
    if (!a) {
      if (isSourceId(id)) a = getAdapter(id);
      else {
        const g = genericSource(config, id);
        if (!g) throw new Error(`source ${id} is neither built in nor defined under sources.generic`);
        a = g.kind === "json" ? createGenericJsonSource(g) : createGenericCsvSource(g);
      }
      adapters.set(id, a);
    }
    return a;
  };
}

/** Is this source id a built-in venue adapter (true) or a generic source from the config (false)? */
export function isBuiltInSource(id: string): boolean {
  return isSourceId(id);
}

/** Every distinct source id the config's feeds use, in first-use order. */
export function usedSourceIds(config: NodeConfig): string[] {
  return [...new Set(config.feeds.flatMap((f) => f.sources.map((s) => s.id)))];
}

/** The venue symbol a feed's source is asked for: the configured one or the adapter's default. */
export function resolveSymbol(entry: FeedSourceConfig, pair: string): string | undefined {
  if (entry.symbol !== undefined) return entry.symbol;
  return isSourceId(entry.id) ? getAdapter(entry.id).defaultSymbol(pair) : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** A path from the config, resolved against the config file's directory (as the node does). */
export function resolveConfigPath(configFile: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(resolve(configFile)), p);
}

/** The files a node reads at start-up, by config key, resolved against the config file. */
export function referencedFiles(config: NodeConfig, configFile: string): Array<{ key: string; file: string }> {
  const n = config.node;
  const out = [{ key: "node.keystore.path", file: resolveConfigPath(configFile, n.keystore.path) }];
  if (n.keystore.passwordFile !== undefined) out.push({ key: "node.keystore.passwordFile", file: resolveConfigPath(configFile, n.keystore.passwordFile) });
  if (n.chain.aggregator === undefined && n.chain.addressesFile !== undefined) {
    out.push({ key: "node.chain.addressesFile", file: resolveConfigPath(configFile, n.chain.addressesFile) });
  }
  if (n.filter.kind === "onnx") out.push({ key: "node.filter.modelPath", file: resolveConfigPath(configFile, n.filter.modelPath) });
  return out;
}
