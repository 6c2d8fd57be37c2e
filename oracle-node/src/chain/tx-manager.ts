import { keccak256, Transaction, type Interface, type JsonRpcApiProvider, type SigningKey, computeAddress } from "ethers";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { redactText } from "../log/redact";
import { classifyTxError, type ClassifiedTxError } from "./tx-errors";

/**
 * The node's transaction manager (ethers v6). One transaction in flight at a time per key:
 * - its own nonce, read once from the chain ("pending") and advanced locally; resynchronised
 *   when the node says "nonce too low";
 * - simulation first (eth_estimateGas): a report the contract would reject (StaleReport when a
 *   backup's report is already on chain) costs no gas and is reported as a revert, not an error;
 * - signed locally, so the hash is known before broadcast: a broadcast lost to a dead RPC is
 *   resent as the same raw transaction (the node answers "already known"), never as a new one;
 * - EIP-1559 fees from the node, never above the fee cap (maxFeePerGasCap, else the chain's default
 *   from DEFAULT_FEE_CAP_GWEI); bumped by BUMP_PERCENT when not mined within bumpAfterMs, at most
 *   MAX_FEE_BUMPS times per transaction (x1.2^3 = x1.73 of the first offer at most) and never past
 *   the cap. When the network's base fee is above the cap (a fee spike such as Black Thursday),
 *   nothing is sent: the manager waits for the base fee to come back under the cap, re-checking
 *   that the report is still needed, until the send deadline. It never pays above the cap;
 * - "latest wins": a request waiting behind the one in flight is dropped (resolves as
 *   superseded) when a newer one covers all its tags (the feeds of a report), so an RPC outage
 *   cannot pile up a storm of stale reports, while a report for other feeds still waits its turn.
 */
export const BUMP_PERCENT = 20n; // above the 10% most nodes require for a replacement
/** Gas estimate headroom: a report's gas varies a little with its signers' storage slots. */
export const GAS_LIMIT_PERCENT = 130n;
export const DEFAULT_BUMP_AFTER_MS = 5_000; // several blocks on most chains, far more than automine
export const DEFAULT_SEND_DEADLINE_MS = 60_000; // a report older than this is useless anyway
export const RECEIPT_POLL_MS = 50; // loopback automine answers within a few ms
const RETRY_BACKOFF_MS = [200, 400, 800, 1_600, 3_200];
/** Fee data is reused this long (two RPC calls saved per transaction); a slow tx is bumped anyway. */
const FEE_CACHE_MS = 3_000;
/** Fee bumps of one transaction at most: the bump schedule is bounded whatever the deadline. */
export const MAX_FEE_BUMPS = 3;
/** While the base fee is above the cap, fees are re-read this often. */
export const FEE_WAIT_POLL_MS = 1_000;
/**
 * Default maxFeePerGas caps by chain id, gwei: several times a busy day's fee, far below a
 * spike's. A report is worth a few dollars of gas, not hundreds; an operator who wants more sets
 * node.chain.maxFeePerGasGwei. Chains not listed get FALLBACK_FEE_CAP_GWEI.
 */
export const DEFAULT_FEE_CAP_GWEI: Readonly<Record<number, number>> = {
  1: 300, // Ethereum mainnet: a busy day is 20-60, the 2020-03-12 spike passed 200
  11155111: 100, // Sepolia
  17000: 100, // Holesky
  10: 1, // OP Mainnet: base fees are ~0.001-0.05
  8453: 1, // Base
  42161: 2, // Arbitrum One: ~0.01-0.1
  137: 2_000, // Polygon PoS: spikes pass 1,000
  56: 20, // BNB Smart Chain
  43114: 200, // Avalanche C-Chain
  31337: 100, // Hardhat / anvil (starts at ~1)
};
export const FALLBACK_FEE_CAP_GWEI = 500;

/** The fee cap a node uses on `chainId` when its config sets none, wei. */
export function defaultFeeCap(chainId: number): bigint {
  return BigInt(DEFAULT_FEE_CAP_GWEI[chainId] ?? FALLBACK_FEE_CAP_GWEI) * 1_000_000_000n;
}

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export interface TxRequest {
  to: string;
  data: string;
  /** For logs and the transmission log. */
  label: string;
  /** Checked before each attempt: false when the transaction is no longer needed. */
  stillNeeded?: () => Promise<boolean>;
  /** What the transaction updates (feed ids): a newer request with all these tags supersedes it. */
  tags?: string[];
  /** The interface of `to`, to name its custom errors (default: the manager's, the aggregator's). */
  iface?: Interface;
}

export type TxOutcomeStatus = "confirmed" | "reverted" | "skipped" | "superseded" | "failed";

export interface TxOutcome {
  status: TxOutcomeStatus;
  hash?: string;
  nonce?: number;
  gasUsed?: bigint;
  blockNumber?: number;
  error?: ClassifiedTxError;
  /** Broadcasts of distinct raw transactions (1 unless fees were bumped). */
  broadcasts: number;
}

export interface TxManagerOptions {
  provider: JsonRpcApiProvider;
  key: SigningKey;
  chainId: number;
  /** Interface used to decode the contract's custom errors. */
  iface?: Interface;
  confirmations?: number;
  bumpAfterMs?: number;
  sendDeadlineMs?: number;
  /** Highest maxFeePerGas ever offered, wei (default: defaultFeeCap(chainId)). */
  maxFeePerGasCap?: bigint;
  /** How often fees are re-read while the base fee is above the cap (default FEE_WAIT_POLL_MS). */
  feeWaitPollMs?: number;
  logger?: Logger;
  /** Called for every broadcast raw transaction (the runtime logs and counts them). */
  onBroadcast?: (info: { hash: string; nonce: number; label: string; maxFeePerGas: bigint }) => void;
}

interface Pending {
  req: TxRequest;
  resolve: (o: TxOutcome) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TxManager {
  readonly address: string;
  private nonce: number | null = null;
  private busy = false;
  private readonly waiting: Pending[] = [];
  private readonly log: Logger;
  /** The fee cap in force, wei. */
  readonly feeCap: bigint;

  constructor(private readonly opts: TxManagerOptions) {
    this.address = computeAddress(opts.key.publicKey);
    this.feeCap = opts.maxFeePerGasCap ?? defaultFeeCap(opts.chainId);
    this.log = (opts.logger ?? silentLogger).child({ component: "tx" });
  }

  /** Queues a transaction; a newer request replaces one still waiting (latest wins). */
  send(req: TxRequest): Promise<TxOutcome> {
    return new Promise((resolve) => {
      const tags = new Set(req.tags ?? []);
      for (let i = this.waiting.length - 1; i >= 0; i--) {
        const old = this.waiting[i];
        if ((old.req.tags ?? []).every((t) => tags.has(t))) {
          this.waiting.splice(i, 1);
          old.resolve({ status: "superseded", broadcasts: 0 });
        }
      }
      this.waiting.push({ req, resolve });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.waiting.length > 0) {
        const job = this.waiting.shift()!;
        let outcome: TxOutcome;
        try {
          outcome = await this.run(job.req);
        } catch (err) {
          outcome = { status: "failed", error: classifyTxError(err, job.req.iface ?? this.opts.iface), broadcasts: 0 };
        }
        // ethers quotes the RPC URL (API key included) in its errors; the outcome is shown in the API and dashboard.
        if (outcome.error) outcome.error = { ...outcome.error, message: redactText(outcome.error.message) };
        job.resolve(outcome);
      }
    } finally {
      this.busy = false;
    }
  }

  private async run(req: TxRequest): Promise<TxOutcome> {
    const { provider } = this.opts;
    const deadline = Date.now() + (this.opts.sendDeadlineMs ?? DEFAULT_SEND_DEADLINE_MS);
    // 1. Simulate (and learn the gas limit).
    const gasLimit = await this.simulate(req, deadline);
    if (typeof gasLimit !== "bigint") return gasLimit;
    // 2. Sign and broadcast; then wait for the receipt, bumping the fee when it is slow.
    const hashes: string[] = [];
    let nonce = await this.currentNonce(deadline);
    if (nonce === null) return { status: "failed", error: { kind: "network", message: "no nonce: RPC unreachable" }, broadcasts: 0 };
    const offer = await this.feesUnderCap(req, deadline);
    if (!("maxFeePerGas" in offer)) return offer;
    let fees: Fees = offer;
    let bumps = 0;
    let raw = await this.sign(req, nonce, gasLimit, fees);
    let sentAt = 0;
    let accepted = false;
    let attempt = 0;
    while (Date.now() < deadline) {
      if (!accepted || Date.now() - sentAt > (this.opts.bumpAfterMs ?? DEFAULT_BUMP_AFTER_MS)) {
        const next = accepted ? await this.bumpedTx(req, nonce, gasLimit, fees, bumps) : null;
        if (next) {
          ({ fees, raw, bumps } = next);
          this.log.warn({ nonce, maxFeePerGas: fees.maxFeePerGas.toString(), label: req.label }, "transaction slow: fee bumped");
        }
        const hash = keccak256(raw);
        try {
          await provider.send("eth_sendRawTransaction", [raw]);
          this.noteBroadcast(hashes, hash, nonce, req.label, fees.maxFeePerGas);
          accepted = true;
          sentAt = Date.now();
        } catch (err) {
          const c = classifyTxError(err, req.iface ?? this.opts.iface);
          if (c.kind === "already-known") {
            if (!hashes.includes(hash)) hashes.push(hash);
            accepted = true;
            sentAt = Date.now();
          } else if (c.kind === "nonce-too-low") {
            // Mined already (ours, sent before an outage cut the answer), or the nonce moved on.
            const r = await this.findReceipt(hashes.length ? hashes : [hash]);
            if (r) return this.finish(r, nonce, hashes.length || 1);
            this.nonce = null;
            const fresh = await this.currentNonce(deadline);
            if (fresh === null) break;
            nonce = fresh;
            raw = await this.sign(req, nonce, gasLimit, fees);
            accepted = false;
            continue;
          } else if (c.kind === "replacement-underpriced") {
            const bumped = await this.bumpedTx(req, nonce, gasLimit, fees, bumps);
            if (!bumped) return { status: "failed", error: c, nonce, broadcasts: hashes.length };
            ({ fees, raw, bumps } = bumped);
            continue;
          } else if (c.kind === "network") {
            await sleep(RETRY_BACKOFF_MS[Math.min(attempt++, RETRY_BACKOFF_MS.length - 1)]);
            if (hashes.length === 0 && req.stillNeeded && !(await this.safeCheck(req.stillNeeded))) {
              return { status: "skipped", broadcasts: 0 };
            }
            continue;
          } else {
            // insufficient funds, a revert at broadcast, anything unknown: give this one up.
            if (c.kind !== "reverted") this.nonce = null;
            return { status: c.kind === "reverted" ? "reverted" : "failed", error: c, nonce, broadcasts: hashes.length };
          }
        }
        if (accepted) this.nonce = nonce + 1;
      }
      const r = await this.findReceipt(hashes);
      if (r) return this.finish(r, nonce, hashes.length);
      await sleep(RECEIPT_POLL_MS);
    }
    this.nonce = null; // unknown fate: read the chain's view before the next transaction
    return {
      status: "failed",
      error: { kind: "network", message: "deadline passed without a receipt" },
      nonce,
      hash: hashes.at(-1),
      broadcasts: hashes.length,
    };
  }

  /** The next step of the bounded fee schedule, signed; null once MAX_FEE_BUMPS were used (or the cap is reached). */
  private async bumpedTx(
    req: TxRequest,
    nonce: number,
    gasLimit: bigint,
    fees: Fees,
    bumps: number,
  ): Promise<{ fees: Fees; raw: string; bumps: number } | null> {
    const next = bumps < MAX_FEE_BUMPS ? this.bump(fees) : null;
    if (!next) return null;
    return { fees: next, raw: await this.sign(req, nonce, gasLimit, next), bumps: bumps + 1 };
  }

  /** The gas limit from eth_estimateGas with headroom; retries only network failures, until the deadline. */
  private async simulate(req: TxRequest, deadline: number): Promise<bigint | TxOutcome> {
    let attempt = 0;
    for (;;) {
      if (req.stillNeeded && !(await this.safeCheck(req.stillNeeded))) return { status: "skipped", broadcasts: 0 };
      try {
        const est = await this.opts.provider.estimateGas({ from: this.address, to: req.to, data: req.data });
        return (est * GAS_LIMIT_PERCENT) / 100n;
      } catch (err) {
        const c = classifyTxError(err, req.iface ?? this.opts.iface);
        if (c.kind !== "network") return { status: "reverted", error: c, broadcasts: 0 };
        if (Date.now() > deadline) return { status: "failed", error: c, broadcasts: 0 };
        await sleep(RETRY_BACKOFF_MS[Math.min(attempt++, RETRY_BACKOFF_MS.length - 1)]);
      }
    }
  }

  private noteBroadcast(hashes: string[], hash: string, nonce: number, label: string, maxFeePerGas: bigint): void {
    if (hashes.includes(hash)) return;
    hashes.push(hash);
    this.opts.onBroadcast?.({ hash, nonce, label, maxFeePerGas });
  }

  private async finish(
    r: { hash: string; status: number | null; gasUsed: bigint; blockNumber: number },
    nonce: number,
    broadcasts: number,
  ): Promise<TxOutcome> {
    const confirmations = this.opts.confirmations ?? 1;
    if (confirmations > 1) {
      const target = r.blockNumber + confirmations - 1;
      while ((await this.opts.provider.getBlockNumber().catch(() => 0)) < target) await sleep(RECEIPT_POLL_MS * 4);
    }
    if (r.status === 1) return { status: "confirmed", hash: r.hash, nonce, gasUsed: r.gasUsed, blockNumber: r.blockNumber, broadcasts };
    return {
      status: "reverted",
      hash: r.hash,
      nonce,
      gasUsed: r.gasUsed,
      blockNumber: r.blockNumber,
      broadcasts,
      error: { kind: "reverted", message: "reverted on chain" },
    };
  }

  private async findReceipt(hashes: string[]): Promise<{ hash: string; status: number | null; gasUsed: bigint; blockNumber: number } | null> {
    for (const h of hashes) {
      try {
        const r = await this.opts.provider.getTransactionReceipt(h);
        if (r) return { hash: r.hash, status: r.status, gasUsed: r.gasUsed, blockNumber: r.blockNumber };
      } catch {
        /* RPC down: keep waiting until the deadline */
      }
    }
    return null;
  }

  private async currentNonce(deadline: number): Promise<number | null> {
    let attempt = 0;
    while (this.nonce === null) {
      try {
        this.nonce = await this.opts.provider.getTransactionCount(this.address, "pending");
      } catch (err) {
        if (Date.now() > deadline) return null;
        this.log.warn({ err: classifyTxError(err).message }, "nonce read failed, retrying");
        await sleep(RETRY_BACKOFF_MS[Math.min(attempt++, RETRY_BACKOFF_MS.length - 1)]);
      }
    }
    return this.nonce;
  }

  private feeCache: { at: number; baseFee: bigint | null; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | null = null;

  /**
   * The first offer, under the cap; while the network's base fee is above the cap, waits (and
   * sends nothing) until it comes down, the report is no longer needed, or the deadline passes.
   */
  private async feesUnderCap(req: TxRequest, deadline: number): Promise<Fees | TxOutcome> {
    let warned = false;
    for (;;) {
      const market = await this.marketFees();
      if (market.baseFee === null || market.baseFee < this.feeCap) {
        const maxFeePerGas = market.maxFeePerGas > this.feeCap ? this.feeCap : market.maxFeePerGas;
        const maxPriorityFeePerGas = market.maxPriorityFeePerGas > maxFeePerGas ? maxFeePerGas : market.maxPriorityFeePerGas;
        return { maxFeePerGas, maxPriorityFeePerGas };
      }
      const message = `base fee ${market.baseFee} wei is above the fee cap ${this.feeCap} wei: not sending`;
      if (!warned) this.log.warn({ label: req.label, baseFee: market.baseFee.toString(), cap: this.feeCap.toString() }, "network fee above the cap: waiting");
      warned = true;
      if (Date.now() + (this.opts.feeWaitPollMs ?? FEE_WAIT_POLL_MS) > deadline)
        return { status: "failed", error: { kind: "fee-above-cap", message }, broadcasts: 0 };
      await sleep(this.opts.feeWaitPollMs ?? FEE_WAIT_POLL_MS);
      this.feeCache = null;
      if (req.stillNeeded && !(await this.safeCheck(req.stillNeeded))) return { status: "skipped", broadcasts: 0, error: { kind: "fee-above-cap", message } };
    }
  }

  /** The node's fee suggestion and the latest base fee (null: unknown, a pre-London chain or RPC down). */
  private async marketFees(): Promise<{ baseFee: bigint | null; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    if (this.feeCache && Date.now() - this.feeCache.at < FEE_CACHE_MS) return this.feeCache;
    let maxFeePerGas = 2_000_000_000n;
    let maxPriorityFeePerGas = 1_000_000_000n;
    let baseFee: bigint | null = null;
    try {
      const [fd, block] = await Promise.all([this.opts.provider.getFeeData(), this.opts.provider.getBlock("latest")]);
      if (fd.maxFeePerGas !== null) maxFeePerGas = fd.maxFeePerGas;
      if (fd.maxPriorityFeePerGas !== null) maxPriorityFeePerGas = fd.maxPriorityFeePerGas;
      baseFee = block?.baseFeePerGas ?? null;
      this.feeCache = { at: Date.now(), baseFee, maxFeePerGas, maxPriorityFeePerGas };
    } catch {
      /* keep the defaults: the broadcast itself will say whether they are enough */
    }
    return { baseFee, maxFeePerGas, maxPriorityFeePerGas };
  }

  /** Fees raised by BUMP_PERCENT, or null when the cap leaves no room for a valid replacement. */
  private bump(f: Fees): Fees | null {
    const up = (x: bigint) => (x * (100n + BUMP_PERCENT)) / 100n + 1n;
    const maxFeePerGas = up(f.maxFeePerGas);
    if (maxFeePerGas > this.feeCap) return null;
    return { maxFeePerGas, maxPriorityFeePerGas: up(f.maxPriorityFeePerGas) };
  }

  private async sign(req: TxRequest, nonce: number, gasLimit: bigint, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<string> {
    const tx = Transaction.from({ type: 2, chainId: this.opts.chainId, nonce, to: req.to, data: req.data, gasLimit, ...fees, value: 0n });
    tx.signature = this.opts.key.sign(tx.unsignedHash);
    return tx.serialized;
  }

  private async safeCheck(check: () => Promise<boolean>): Promise<boolean> {
    try {
      return await check();
    } catch {
      return true; // cannot tell (RPC down): assume still needed, the simulation will tell
    }
  }
}
