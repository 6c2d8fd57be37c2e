import type { ExtraChainConfig, NodeConfig } from "./schema";

/**
 * One node process, many chains: the config as one single-chain config per chain, each run as
 * its own protocol instance (own config digest, committee, chain view, transmitter, peer port
 * and SQLite file). Instance 0 is `node.chain` with every feed: a config without `chains` is
 * exactly the one-chain case it always was. Instance k is `chains[k-1]` with the shared parts
 * (sources, filter, timing, logging, feeds, and `node.keystore` unless it names its own key).
 */
export interface ChainInstance {
  /** "" for `node.chain`, else `chains[].name`. */
  chainName: string;
  config: NodeConfig;
}

export function chainInstances(cfg: NodeConfig): ChainInstance[] {
  const first: NodeConfig = { ...cfg, chains: [] };
  return [{ chainName: "", config: first }, ...cfg.chains.map((c) => ({ chainName: c.name, config: extraInstance(cfg, c) }))];
}

function extraInstance(cfg: NodeConfig, e: ExtraChainConfig): NodeConfig {
  const n = cfg.node;
  const wanted = e.feeds ? new Set(e.feeds) : null;
  return {
    ...cfg,
    chains: [],
    node: {
      ...n,
      name: `${n.name}/${e.name}`,
      keystore: e.keystore ? { ...e.keystore } : n.keystore,
      chain: { ...e.chain, rpcHealth: { ...e.chain.rpcHealth } },
      peers: e.peers.map((p) => ({ index: p.index, url: p.url, address: p.address })),
      listen: { host: n.listen.host, port: e.listen.port },
      database: { path: e.database.path },
      api: { ...n.api, enabled: n.api.enabled && e.apiPort !== undefined, port: e.apiPort ?? n.api.port },
    },
    feeds: wanted ? cfg.feeds.filter((f) => wanted.has(f.id)) : cfg.feeds,
  };
}
