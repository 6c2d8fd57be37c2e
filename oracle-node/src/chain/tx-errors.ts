import type { Interface } from "ethers";

/**
 * Classifies what a JSON-RPC node said about a transaction, whatever the node's wording
 * (geth, Hardhat/EDR, anvil, Nethermind), so the transaction manager reacts by kind and never by
 * crashing: resend, resync the nonce, bump the fee, give up, or accept a revert it expected.
 */
export type TxErrorKind =
  | "already-known"
  | "nonce-too-low"
  | "replacement-underpriced"
  | "insufficient-funds"
  | "reverted"
  | "network"
  /** Set by the transaction manager, not the node: the network's base fee stayed above the fee cap. */
  | "fee-above-cap"
  | "unknown";

export interface ClassifiedTxError {
  kind: TxErrorKind;
  message: string;
  /** The contract's custom error, decoded, when the node returned revert data. */
  customError?: { name: string; args: string[] };
}

const PATTERNS: Array<[TxErrorKind, RegExp]> = [
  ["already-known", /already known|known transaction|already imported|same hash was already|AlreadyKnown/i],
  ["nonce-too-low", /nonce too low|nonce has already been used|NONCE_EXPIRED|Expected nonce to be/i],
  ["replacement-underpriced", /replacement (transaction )?underpriced|REPLACEMENT_UNDERPRICED|replacement fee too low/i],
  ["insufficient-funds", /insufficient funds|INSUFFICIENT_FUNDS|sender doesn't have enough funds/i],
  ["network", /ECONNREFUSED|ECONNRESET|socket hang up|NETWORK_ERROR|TIMEOUT|timeout|fetch failed|ENOTFOUND|EPIPE|SERVER_ERROR|other side closed/i],
  ["reverted", /revert|CALL_EXCEPTION|execution reverted|custom error/i],
];

/** Revert data anywhere ethers or the node nested it. */
export function revertData(err: unknown, depth = 0): string | null {
  if (!err || typeof err !== "object" || depth > 6) return null;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(e.data)) return e.data;
  if (e.data && typeof e.data === "object") {
    const d = e.data as Record<string, unknown>;
    if (typeof d.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(d.data)) return d.data;
  }
  for (const k of ["error", "info", "cause", "payload"]) {
    const inner = revertData(e[k], depth + 1);
    if (inner) return inner;
  }
  return null;
}

function messageOf(err: unknown): string {
  if (!err || typeof err !== "object") return String(err);
  const e = err as { shortMessage?: string; message?: string; code?: string; info?: { error?: { message?: string } }; error?: { message?: string } };
  return [e.code, e.shortMessage ?? e.message, e.info?.error?.message, e.error?.message].filter(Boolean).join(": ");
}

export function classifyTxError(err: unknown, iface?: Interface): ClassifiedTxError {
  const message = messageOf(err);
  const data = revertData(err);
  if (data && iface) {
    try {
      const parsed = iface.parseError(data);
      if (parsed)
        return {
          kind: "reverted",
          message: `${parsed.name}(${parsed.args.map(String).join(", ")})`,
          customError: { name: parsed.name, args: parsed.args.map(String) },
        };
    } catch {
      /* not one of the contract's errors: fall through to the wording */
    }
  }
  for (const [kind, re] of PATTERNS) if (re.test(message)) return { kind, message };
  if (data) return { kind: "reverted", message };
  return { kind: "unknown", message };
}
