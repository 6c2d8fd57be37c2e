import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { NodeConfig } from "../config";
import { adapterResolver, resolveBaseUrl, resolveSymbol } from "../config";
import { formatDecimal } from "../quotes/decimal";
import { readAddressesFile } from "../node/from-config";
import { minimumBalance, SOURCE_TIMEOUT_MS, type DoctorTarget, type Finding, type SourceProbe } from "./checks";
import { loadSigner } from "../keys/signer";

/**
 * Maps a node config to what the doctor checks. Problems found while reading the config's own
 * files (keystore, password, addresses file) become findings too, so one run names all of them.
 */
export interface PreparedDoctor {
  target: DoctorTarget | null;
  /** Findings made while preparing (key, addresses file). */
  findings: Finding[];
}

export async function doctorTarget(cfg: NodeConfig, configPath: string): Promise<PreparedDoctor> {
  const base = dirname(resolve(configPath));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const n = cfg.node;
  const findings: Finding[] = [];

  let signer: string | null = null;
  try {
    const wallet = await loadSigner({
      keystore: at(n.keystore.path),
      password: { env: n.keystore.passwordEnv, file: n.keystore.passwordFile ? at(n.keystore.passwordFile) : undefined },
    });
    signer = wallet.address;
    findings.push({ check: "key", status: "ok", detail: `keystore ${n.keystore.path} decrypts to ${signer}` });
  } catch (err) {
    findings.push({ check: "key", status: "fail", detail: (err as Error).message });
  }

  let aggregator = n.chain.aggregator ?? null;
  if (!aggregator) {
    const file = at(n.chain.addressesFile!);
    if (!existsSync(file)) {
      findings.push({
        check: "aggregator",
        status: "fail",
        detail: `addresses file ${n.chain.addressesFile} does not exist: run oracle-node deploy --out ${n.chain.addressesFile}`,
      });
    } else {
      try {
        aggregator = readAddressesFile(file).aggregator;
      } catch (err) {
        findings.push({ check: "aggregator", status: "fail", detail: (err as Error).message });
      }
    }
  }

  const sources = sourceProbes(cfg);
  const minBalanceWei = await minimumBalance(n.chain.rpcUrl, n.chain.chainId).catch(() => 0n);
  // Without a key or an aggregator the chain checks still run with what there is: a placeholder
  // address makes the signer/transmitter checks fail by name rather than disappear.
  const target: DoctorTarget = {
    rpcUrl: n.chain.rpcUrl,
    expectedChainId: n.chain.chainId,
    aggregator: aggregator ?? "0x0000000000000000000000000000000000000000",
    signer: signer ?? "0x0000000000000000000000000000000000000000",
    transmitter: signer ?? "0x0000000000000000000000000000000000000000",
    peers: n.peers.filter((p) => p.address !== undefined).map((p) => ({ index: p.index, address: p.address! })),
    minBalanceWei,
    sources,
  };
  return { target, findings };
}

export function sourceProbes(cfg: NodeConfig): SourceProbe[] {
  const adapterFor = adapterResolver(cfg);
  const probes: SourceProbe[] = [];
  for (const feed of cfg.feeds) {
    for (const s of feed.sources) {
      probes.push({
        feed: feed.id,
        source: s.id,
        probe: async () => {
          const adapter = adapterFor(s.id);
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), SOURCE_TIMEOUT_MS);
          try {
            const [r] = await adapter.fetch([{ pair: feed.pair, symbol: resolveSymbol(s, feed.pair) }], {
              baseUrl: resolveBaseUrl(cfg, s),
              timeoutMs: cfg.sources.timeoutMs,
              maxRetries: 0,
              now: Date.now,
              signal: controller.signal,
            });
            if (r.ok) return { ok: true, price: formatDecimal(r.quote.price) };
            // SourceError messages read "<source>: <class>: <detail>"; the finding names the source already.
            const detail = r.error.message.replace(`${r.error.source}: ${r.error.failure}: `, "");
            return { ok: false, error: `${r.error.failure}: ${detail}` };
          } finally {
            clearTimeout(timer);
          }
        },
      });
    }
  }
  return probes;
}
