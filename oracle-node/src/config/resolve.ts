import { getAdapter, isSourceId } from "../sources/registry";
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
