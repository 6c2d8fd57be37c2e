import type { z } from "zod";

/**
 * Cross-field rules of `chains[]` (more chains served by one process): every chain instance
 * needs its own name, peer port, API port and SQLite file (one transport and one store per
 * chain), an aggregator or an addresses file, one password source for its own key, known feed
 * ids, and each RPC endpoint once. Raw input: they run even when the schema found type errors.
 */
type Ctx = z.RefinementCtx;
type Path = Array<string | number>;
type RawObj = Record<string, unknown>;

const obj = (x: unknown): RawObj => (x && typeof x === "object" && !Array.isArray(x) ? (x as RawObj) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const issue = (ctx: Ctx, path: Path, message: string) => ctx.addIssue({ code: "custom", path, message });
/** The schema defaults of the fields the rules compare (config/schema.ts NodeSchema). */
const DEFAULT_LISTEN_PORT = 7001;
const DEFAULT_API_PORT = 8080;
const DEFAULT_DATABASE = "data/oracle-node.db";

export function checkChains(rawChains: unknown, rawNode: unknown, feedIds: ReadonlySet<string>, ctx: Ctx): void {
  const chains = arr(rawChains).map(obj);
  if (chains.length === 0) return;
  const node = obj(rawNode);
  const apiOn = obj(node.api).enabled !== false;
  const ports = new Map<unknown, string>([[obj(node.listen).port ?? DEFAULT_LISTEN_PORT, "node.listen.port"]]);
  if (apiOn) ports.set(obj(node.api).port ?? DEFAULT_API_PORT, "node.api.port");
  const databases = new Map<unknown, string>([[obj(node.database).path ?? DEFAULT_DATABASE, "node.database.path"]]);
  const names = new Map<unknown, number>();
  chains.forEach((c, i) => {
    const at = (...p: Path): Path => ["chains", i, ...p];
    once(names, c.name, i, () => issue(ctx, at("name"), `chain name "${String(c.name)}" is already chains[${names.get(c.name)}].name`));
    claim(ports, obj(c.listen).port, `chains[${i}].listen.port`, (other) => issue(ctx, at("listen", "port"), `port is already ${other}`));
    if (c.apiPort !== undefined) claim(ports, c.apiPort, `chains[${i}].apiPort`, (other) => issue(ctx, at("apiPort"), `port is already ${other}`));
    claim(databases, obj(c.database).path, `chains[${i}].database.path`, (other) => issue(ctx, at("database", "path"), `file is already ${other}`));
    const chain = obj(c.chain);
    if (c.chain !== undefined && chain.aggregator === undefined && chain.addressesFile === undefined) {
      issue(ctx, at("chain"), "set aggregator (an address) or addressesFile (written by `oracle-node deploy`)");
    }
    checkUrls(chain.rpcUrl, arr(chain.fallbackRpcUrls), at("chain", "fallbackRpcUrls"), ctx);
    const ks = c.keystore === undefined ? null : obj(c.keystore);
    if (ks && (ks.passwordEnv === undefined) === (ks.passwordFile === undefined)) {
      issue(ctx, at("keystore"), "set exactly one of passwordEnv (an environment variable name) or passwordFile");
    }
    const seen = new Set<unknown>();
    arr(c.feeds).forEach((id, k) => {
      if (typeof id === "string" && !feedIds.has(id)) issue(ctx, at("feeds", k), `unknown feed "${id}"; feeds: ${[...feedIds].join(", ")}`);
      if (seen.has(id)) issue(ctx, at("feeds", k), `feed "${String(id)}" is listed twice`);
      seen.add(id);
    });
  });
}

/** Each RPC endpoint once: a fallback equal to the primary (or another fallback) is no failover. */
export function checkUrls(primary: unknown, fallbacks: unknown[], at: Path, ctx: Ctx): void {
  const norm = (u: unknown) => (typeof u === "string" ? u.replace(/\/+$/, "") : undefined);
  const seen = new Map<string, number>();
  fallbacks.forEach((u, i) => {
    const n = norm(u);
    if (n === undefined) return;
    if (n === norm(primary)) issue(ctx, [...at, i], "is the primary rpcUrl again");
    else if (seen.has(n)) issue(ctx, [...at, i], `${n} is already ${at.join(".").replace(/\.(\d+)\./g, "[$1].")}[${seen.get(n)}]`);
    else seen.set(n, i);
  });
}

function once(seen: Map<unknown, number>, key: unknown, i: number, dup: () => void): void {
  if (key === undefined) return;
  if (seen.has(key)) dup();
  else seen.set(key, i);
}

function claim(owners: Map<unknown, string>, key: unknown, who: string, dup: (other: string) => void): void {
  if (key === undefined) return;
  const other = owners.get(key);
  if (other !== undefined) dup(other);
  else owners.set(key, who);
}
