import type { z } from "zod";
import { parseDecimal } from "../quotes/decimal";
import { SOURCE_IDS } from "../sources/registry";
import { checkChains, checkUrls } from "./cross-field-chains";

/*
 * The fields the rules read, typed as what they may be before validation: each may be missing
 * or of the wrong type (then it is already reported, and skipped here). Local types, so this file
 * does not import the schema that imports it.
 */
interface RawSources {
  generic?: unknown;
  overrides?: unknown;
  baseUrlTemplate?: unknown;
}
interface RawFeed {
  id?: unknown;
  pair?: unknown;
  feedIndex?: unknown;
  sources?: unknown;
  minSources?: unknown;
  bounds?: unknown;
}
interface RawNode {
  keystore?: { passwordEnv?: unknown; passwordFile?: unknown };
  chain?: { aggregator?: unknown; addressesFile?: unknown; rpcUrl?: unknown; fallbackRpcUrls?: unknown };
  peers?: unknown;
  listen?: { host?: unknown; port?: unknown };
  api?: { enabled?: unknown; host?: unknown; port?: unknown };
}
type Raw<T> = { [K in keyof T]?: unknown };

/**
 * The config's cross-field rules: every problem becomes one issue at the path it concerns. They
 * run even when other fields have type errors (so one pass reports everything), and so read every
 * field defensively: a field of the wrong type is already reported and is skipped here.
 */
export function checkConfig(raw: unknown, ctx: Ctx): void {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return;
  const cfg = raw as { sources?: unknown; feeds?: unknown; node?: unknown; quoteConversion?: unknown; chains?: unknown };
  const known = checkSources(objectOr(cfg.sources), ctx);
  checkFeeds(list(cfg.feeds), known, ctx);
  checkNode(objectOr(cfg.node), ctx);
  checkConversion(objectOr(objectOr(cfg.quoteConversion).rates), list(cfg.feeds), ctx);
  const feedIds = new Set(list(cfg.feeds).flatMap((f) => (isText(objectOr(f).id) ? [objectOr(f).id as string] : [])));
  checkChains(cfg.chains, cfg.node, feedIds, ctx);
}

/** Each rate names a feed of the file whose pair is CURRENCY/QUOTE, and that feed needs no rate itself. */
function checkConversion(rates: Record<string, unknown>, rawFeeds: unknown[], ctx: Ctx): void {
  const feeds = rawFeeds.map((f) => objectOr(f) as RawFeed);
  for (const [currency, id] of Object.entries(rates)) {
    const path = ["quoteConversion", "rates", currency];
    const feed = feeds.find((f) => f.id === id);
    if (!feed) {
      issue(ctx, path, `names no feed of this file: ${JSON.stringify(id)}`);
      continue;
    }
    if (!isText(feed.pair) || !feed.pair.startsWith(`${currency}/`)) {
      issue(ctx, path, `feed ${JSON.stringify(id)} has pair ${JSON.stringify(feed.pair)}; a ${currency} rate needs a pair ${currency}/QUOTE`);
    } else if (rates[feed.pair.slice(currency.length + 1)] !== undefined) {
      issue(ctx, path, `feed ${JSON.stringify(id)} is quoted in a currency that is itself converted: rates do not chain`);
    }
  }
}

type Ctx = z.RefinementCtx;

/** Generic ids unique and not built in; overrides name known sources; the URL template. Returns the known source ids. */
function checkSources(sources: RawSources, ctx: Ctx): Set<string> {
  const generic = list(sources.generic).map((g) => objectOr(g) as Raw<{ id: string }>);
  const genericIds = generic.map((g) => (isText(g.id) ? g.id : undefined));
  generic.forEach((g, i) => {
    if (isText(g.id) && SOURCE_IDS.includes(g.id))
      issue(ctx, ["sources", "generic", i, "id"], `"${g.id}" is a built-in source id; give the generic source another id`);
  });
  for (const [id, idx] of duplicates(genericIds)) {
    if (id === undefined) continue;
    for (const i of idx.slice(1)) issue(ctx, ["sources", "generic", i, "id"], `duplicate generic source id "${id}"`);
  }
  const known = new Set([...SOURCE_IDS, ...genericIds.filter(isText)]);
  for (const id of Object.keys(objectOr(sources.overrides))) {
    if (!known.has(id)) issue(ctx, ["sources", "overrides", id], `unknown source "${id}"; known sources: ${[...known].join(", ")}`);
  }
  if (isText(sources.baseUrlTemplate) && sources.baseUrlTemplate.replace(/\{id\}/g, "x").includes("{")) {
    issue(ctx, ["sources", "baseUrlTemplate"], "the only placeholder allowed is {id}");
  }
  return known;
}

/** Feed ids and indices unique; each feed's sources known and listed once; minSources; bounds. */
function checkFeeds(raw: unknown[], known: Set<string>, ctx: Ctx): void {
  const feeds = raw.map((f) => objectOr(f) as RawFeed);
  for (const [id, idx] of duplicates(feeds.map((f) => (isText(f.id) ? f.id : undefined)))) {
    if (id === undefined) continue;
    for (const i of idx.slice(1)) issue(ctx, ["feeds", i, "id"], `duplicate feed id "${id}" (first at feeds[${idx[0]}])`);
  }
  const indices = feeds.map((f, i) => (typeof f.feedIndex === "number" ? f.feedIndex : i));
  for (const [fi, idx] of duplicates(indices)) {
    for (const i of idx.slice(1)) issue(ctx, ["feeds", i, "feedIndex"], `feed index ${fi} is already used by feeds[${idx[0]}]`);
  }
  const knownList = [...known].join(", ");
  feeds.forEach((feed, fi) => {
    const entries = list(feed.sources).map((s) => objectOr(s) as Raw<{ id: string }>);
    entries.forEach((s, si) => {
      if (isText(s.id) && !known.has(s.id)) issue(ctx, ["feeds", fi, "sources", si, "id"], `unknown source "${s.id}"; known sources: ${knownList}`);
    });
    for (const [id, idx] of duplicates(entries.map((s) => s.id))) {
      if (!isText(id)) continue;
      for (const i of idx.slice(1)) issue(ctx, ["feeds", fi, "sources", i, "id"], `source "${id}" is listed twice in this feed`);
    }
    if (typeof feed.minSources === "number" && Array.isArray(feed.sources) && feed.minSources > feed.sources.length) {
      issue(ctx, ["feeds", fi, "minSources"], `is ${feed.minSources} but the feed lists only ${feed.sources.length} source(s)`);
    }
    const b = feed.bounds !== null && typeof feed.bounds === "object" ? (feed.bounds as Raw<{ min: string; max: string }>) : undefined;
    if (b && isDecimal(b.min) && isDecimal(b.max) && parseDecimal(b.min) >= parseDecimal(b.max)) {
      issue(ctx, ["feeds", fi, "bounds"], `min (${b.min}) must be below max (${b.max})`);
    }
    if (b && isDecimal(b.min) && parseDecimal(b.min) < 0n) issue(ctx, ["feeds", fi, "bounds", "min"], "must not be negative");
  });
}

/** One password source; an aggregator or an addresses file; peers unique; the API on its own port. */
function checkNode(node: RawNode, ctx: Ctx): void {
  const ks = node.keystore;
  if (ks && typeof ks === "object" && (ks.passwordEnv === undefined) === (ks.passwordFile === undefined)) {
    issue(ctx, ["node", "keystore"], "set exactly one of passwordEnv (an environment variable name) or passwordFile");
  }
  const chain = node.chain;
  if (chain && typeof chain === "object" && chain.aggregator === undefined && chain.addressesFile === undefined) {
    issue(ctx, ["node", "chain"], "set aggregator (an address) or addressesFile (written by `oracle-node deploy`)");
  }
  if (chain && typeof chain === "object") checkUrls(chain.rpcUrl, list(chain.fallbackRpcUrls), ["node", "chain", "fallbackRpcUrls"], ctx);
  const peers = list(node.peers).map((p) => objectOr(p) as Raw<{ index: number; url: string }>);
  for (const [index, idx] of duplicates(peers.map((p) => p.index))) {
    if (typeof index !== "number") continue;
    for (const i of idx.slice(1)) issue(ctx, ["node", "peers", i, "index"], `peer index ${index} is already used by node.peers[${idx[0]}]`);
  }
  for (const [url, idx] of duplicates(peers.map((p) => (isText(p.url) ? p.url.replace(/\/+$/, "") : undefined)))) {
    if (url === undefined) continue;
    for (const i of idx.slice(1)) issue(ctx, ["node", "peers", i, "url"], `peer url ${url} is already used by node.peers[${idx[0]}]`);
  }
  const { listen, api } = node;
  if (
    listen &&
    api &&
    typeof listen === "object" &&
    typeof api === "object" &&
    api.enabled !== false &&
    typeof api.port === "number" &&
    listen.port === api.port &&
    listen.host === api.host
  ) {
    issue(ctx, ["node", "api", "port"], `${api.port} is also node.listen.port: the API needs its own port`);
  }
}

function issue(ctx: Ctx, path: Array<string | number>, message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

function duplicates<T>(items: readonly T[]): Map<T, number[]> {
  const seen = new Map<T, number[]>();
  items.forEach((x, i) => seen.set(x, [...(seen.get(x) ?? []), i]));
  return new Map([...seen].filter(([, idx]) => idx.length > 1));
}

/** Lists in a config that may still hold type errors: a non-list counts as empty. */
function list(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

/** An object in a config that may still hold type errors: anything else counts as empty. */
function objectOr(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

function isText(x: unknown): x is string {
  return typeof x === "string";
}

function isDecimal(x: unknown): x is string {
  if (typeof x !== "string") return false;
  try {
    parseDecimal(x);
    return true;
  } catch {
    return false;
  }
}
