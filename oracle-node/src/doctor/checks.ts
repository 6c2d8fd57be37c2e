import { Contract, JsonRpcProvider, Network, formatEther, getAddress } from "ethers";
import { redactText, redactUrl } from "../log/redact";
import { computeConfigDigest } from "../protocol/report";

/**
 * `oracle-node doctor`'s checks: each answers one question about a node's setup and, when the
 * answer is no, names the problem and what to do. Pure of CLI concerns: the command maps a
 * NodeConfig to DoctorTarget and prints the findings.
 */
export type CheckStatus = "ok" | "fail" | "skip";

export interface Finding {
  /** Short id: rpc, chain-id, signer, transmitter, balance, config-digest, source:<feed>:<id>. */
  check: string;
  status: CheckStatus;
  /** What was found, one line; for failures, the problem and the fix. */
  detail: string;
}

/** Source probe: fetch one quote, resolve to a price text or throw/return an error message. */
export interface SourceProbe {
  feed: string;
  source: string;
  probe(): Promise<{ ok: true; price: string } | { ok: false; error: string }>;
}

export interface DoctorTarget {
  rpcUrl: string;
  expectedChainId: number;
  /** The aggregator every feed of the committee lives in. */
  aggregator: string;
  /** The node's signing address (from its keystore) and its transmitter address (often the same). */
  signer: string;
  transmitter: string;
  /**
   * Peers whose signer address the node's config names ahead of the chain: each must be the
   * contract's signer at that committee index.
   */
  peers?: Array<{ index: number; address: string }>;
  /** Wei the transmitter must hold: enough gas for a useful number of transmissions. */
  minBalanceWei: bigint;
  sources: SourceProbe[];
}

/** An RPC that does not answer eth_chainId in this long is unusable for a node. */
export const RPC_TIMEOUT_MS = 5_000;
/** A source that does not answer a single quote in this long will miss every round. */
export const SOURCE_TIMEOUT_MS = 10_000;

const AGGREGATOR_ABI = [
  "function getOracles() view returns (address[] signers, address[] transmitters, uint8 f)",
  "function latestConfigDetails() view returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest)",
  "function typeAndVersion() view returns (string)",
  "event ConfigSet(uint32 previousConfigBlockNumber, bytes32 configDigest, uint64 configCount, address[] signers, address[] transmitters, uint8 f, bytes offchainConfig)",
];

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** An error's message, with any credential in a URL inside it redacted (findings are printed and pasted). */
function message(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; code?: string };
  return redactText(e?.shortMessage ?? e?.message ?? String(err));
}

/** Runs every check; later chain checks are skipped (not failed) when the RPC is unreachable. */
export async function runDoctor(t: DoctorTarget): Promise<Finding[]> {
  const findings: Finding[] = [];
  // A static network: ethers must not retry network detection forever on a dead RPC, and the
  // chain id is checked here explicitly instead.
  const provider = new JsonRpcProvider(t.rpcUrl, undefined, { staticNetwork: Network.from(t.expectedChainId), cacheTimeout: -1 });
  const rpc = redactUrl(t.rpcUrl);
  try {
    let chainId: number | null = null;
    try {
      chainId = Number(await withTimeout(provider.send("eth_chainId", []), RPC_TIMEOUT_MS, `RPC ${rpc}`));
      const block = Number(await withTimeout(provider.send("eth_blockNumber", []), RPC_TIMEOUT_MS, `RPC ${rpc}`));
      findings.push({ check: "rpc", status: "ok", detail: `RPC ${rpc} answers (block ${block})` });
    } catch (err) {
      findings.push({ check: "rpc", status: "fail", detail: `RPC ${rpc} is unreachable: ${message(err)}` });
    }

    if (chainId === null) {
      for (const check of ["chain-id", "aggregator", "signer", "transmitter", "balance", "config-digest"]) {
        findings.push({ check, status: "skip", detail: "skipped: no RPC" });
      }
    } else {
      findings.push(
        chainId === t.expectedChainId
          ? { check: "chain-id", status: "ok", detail: `chain id ${chainId}` }
          : { check: "chain-id", status: "fail", detail: `chain id mismatch: the RPC serves chain ${chainId}, the config expects ${t.expectedChainId}` },
      );
      findings.push(...(await checkAggregator(provider, t, chainId)));
      findings.push(await checkBalance(provider, t));
    }
    findings.push(...(await checkSources(t.sources)));
  } finally {
    provider.destroy();
  }
  // Findings are printed and pasted into tickets: no credential in any of them (a source error can quote its URL too).
  return findings.map((f) => ({ ...f, detail: redactText(f.detail) }));
}

async function checkAggregator(provider: JsonRpcProvider, t: DoctorTarget, chainId: number): Promise<Finding[]> {
  const out: Finding[] = [];
  const code = await provider.getCode(t.aggregator).catch(() => "0x");
  if (code === "0x") {
    out.push({ check: "aggregator", status: "fail", detail: `no contract at ${t.aggregator} on chain ${chainId}: wrong address or wrong chain` });
    for (const check of ["signer", "transmitter", "config-digest"]) out.push({ check, status: "skip", detail: "skipped: no aggregator" });
    return out;
  }
  const agg = new Contract(t.aggregator, AGGREGATOR_ABI, provider);
  let signers: string[];
  let transmitters: string[];
  let f: number;
  try {
    const [s, tr, ff] = (await agg.getOracles()) as [string[], string[], bigint];
    signers = s.map((a) => getAddress(a));
    transmitters = tr.map((a) => getAddress(a));
    f = Number(ff);
    const tv = (await agg.typeAndVersion().catch(() => "unknown")) as string;
    out.push({ check: "aggregator", status: "ok", detail: `${tv} at ${t.aggregator}: n=${signers.length}, f=${f}` });
  } catch (err) {
    out.push({ check: "aggregator", status: "fail", detail: `${t.aggregator} does not answer getOracles(): not a QuorumAggregator (${message(err)})` });
    for (const check of ["signer", "transmitter", "config-digest"]) out.push({ check, status: "skip", detail: "skipped: no aggregator" });
    return out;
  }

  const signer = getAddress(t.signer);
  const si = signers.indexOf(signer);
  out.push(
    si >= 0
      ? { check: "signer", status: "ok", detail: `key ${signer} is signer #${si} of the committee` }
      : {
          check: "signer",
          status: "fail",
          detail: `key ${signer} is not a configured signer of ${t.aggregator} (signers: ${signers.join(", ") || "none"}); the owner must setConfig with it`,
        },
  );
  const transmitter = getAddress(t.transmitter);
  const ti = transmitters.indexOf(transmitter);
  out.push(
    ti >= 0
      ? { check: "transmitter", status: "ok", detail: `${transmitter} is transmitter #${ti}` }
      : { check: "transmitter", status: "fail", detail: `${transmitter} is not a configured transmitter of ${t.aggregator}: its transmit calls would revert` },
  );
  out.push(await checkDigest(agg, t, chainId, { signers, transmitters, f }));
  return out;
}

/**
 * The digest the contract stores must be the digest of the committee it reports (recomputed here
 * from the ConfigSet event, so a node never signs under a digest it cannot reproduce), and that
 * committee must be the one the node's config names.
 */
async function checkDigest(
  agg: Contract,
  t: DoctorTarget,
  chainId: number,
  onchain: { signers: string[]; transmitters: string[]; f: number },
): Promise<Finding> {
  try {
    const [configCount, blockNumber, digest] = (await agg.latestConfigDetails()) as [bigint, bigint, string];
    if (configCount === 0n) return { check: "config-digest", status: "fail", detail: `${t.aggregator} has no config yet: the owner must call setConfig` };
    const events = await agg.queryFilter(agg.filters.ConfigSet(), Number(blockNumber), Number(blockNumber));
    const ev = events.find((e) => "args" in e && (e.args as unknown as { configDigest: string }).configDigest === digest);
    if (!ev || !("args" in ev)) return { check: "config-digest", status: "fail", detail: `no ConfigSet event for digest ${digest} in block ${blockNumber}` };
    const offchainConfig = (ev.args as unknown as { offchainConfig: string }).offchainConfig;
    const recomputed = computeConfigDigest({
      chainId: BigInt(chainId),
      contractAddress: t.aggregator,
      configCount,
      signers: onchain.signers,
      transmitters: onchain.transmitters,
      f: onchain.f,
      offchainConfig,
    });
    if (recomputed.toLowerCase() !== digest.toLowerCase()) {
      return {
        check: "config-digest",
        status: "fail",
        detail: `contract digest ${digest} differs from the digest this node computes (${recomputed}): report codec and contract disagree`,
      };
    }
    const wrong = (t.peers ?? []).filter((p) => onchain.signers[p.index] !== getAddress(p.address));
    if (wrong.length > 0) {
      const list = wrong
        .map((p) => `peer #${p.index} is ${getAddress(p.address)} in the config but ${onchain.signers[p.index] ?? "absent"} on chain`)
        .join("; ");
      return { check: "config-digest", status: "fail", detail: `the config's committee is not the contract's (digest ${digest}): ${list}` };
    }
    return { check: "config-digest", status: "ok", detail: `config digest ${digest} (config #${configCount}) matches` };
  } catch (err) {
    return { check: "config-digest", status: "fail", detail: `cannot read the config digest: ${message(err)}` };
  }
}

async function checkBalance(provider: JsonRpcProvider, t: DoctorTarget): Promise<Finding> {
  try {
    const balance = await provider.getBalance(t.transmitter);
    if (balance < t.minBalanceWei) {
      return {
        check: "balance",
        status: "fail",
        detail: `transmitter ${t.transmitter} holds ${formatEther(balance)} ETH, below the ${formatEther(t.minBalanceWei)} ETH needed for gas: fund it`,
      };
    }
    return { check: "balance", status: "ok", detail: `transmitter holds ${formatEther(balance)} ETH (>= ${formatEther(t.minBalanceWei)})` };
  } catch (err) {
    return { check: "balance", status: "fail", detail: `cannot read the balance of ${t.transmitter}: ${message(err)}` };
  }
}

async function checkSources(probes: SourceProbe[]): Promise<Finding[]> {
  return Promise.all(
    probes.map(async (p): Promise<Finding> => {
      const check = `source:${p.feed}:${p.source}`;
      try {
        const r = await withTimeout(p.probe(), SOURCE_TIMEOUT_MS, `source ${p.source}`);
        return r.ok
          ? { check, status: "ok", detail: `${p.source} answers ${p.feed} = ${r.price}` }
          : { check, status: "fail", detail: `${p.source} does not answer ${p.feed}: ${r.error}` };
      } catch (err) {
        return { check, status: "fail", detail: `${p.source} does not answer ${p.feed}: ${message(err)}` };
      }
    }),
  );
}

/** Gas of one transmit with a small committee, rounded up (bench:gas measures the exact figure). */
export const GAS_PER_TRANSMIT = 250_000n;
/** Transmissions the balance must cover before an operator has to top up. */
export const TRANSMISSIONS_OF_HEADROOM = 100n;

/** The balance floor: TRANSMISSIONS_OF_HEADROOM transmits at the current fee. */
export async function minimumBalance(rpcUrl: string, chainId: number): Promise<bigint> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: Network.from(chainId) });
  try {
    const fee = await withTimeout(provider.getFeeData(), RPC_TIMEOUT_MS, `RPC ${redactUrl(rpcUrl)}`);
    const perGas = fee.maxFeePerGas ?? fee.gasPrice ?? 1_000_000_000n;
    return perGas * GAS_PER_TRANSMIT * TRANSMISSIONS_OF_HEADROOM;
  } finally {
    provider.destroy();
  }
}

export function formatFindings(findings: Finding[]): string {
  const mark: Record<CheckStatus, string> = { ok: "ok  ", fail: "FAIL", skip: "skip" };
  return findings.map((f) => `${mark[f.status]}  ${f.check.padEnd(28)} ${f.detail}`).join("\n");
}
