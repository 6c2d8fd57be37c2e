import { Interface, Signature, type ErrorDescription } from "ethers";
import { loadArtifact } from "../chain/artifacts";
import type { EquivocationProof } from "./equivocation";

/**
 * The economics contracts as the node uses them, from the compiled interfaces (never a
 * hand-written ABI): IOracleStaking (stake, unbond, withdraw, alerts, equivocation proofs,
 * payouts), IOracleRewards (claims of rewards and gas reimbursement) and ISlaAccounting (the
 * aggregator's service counters and their events). Run `npx hardhat compile` first.
 */

const cached = new Map<string, Interface>();

function iface(name: "IOracleStaking" | "IOracleRewards" | "ISlaAccounting"): Interface {
  let hit = cached.get(name);
  if (!hit) {
    hit = new Interface(loadArtifact(name).abi);
    cached.set(name, hit);
  }
  return hit;
}

export const stakingInterface = (): Interface => iface("IOracleStaking");
export const rewardsInterface = (): Interface => iface("IOracleRewards");
export const slaAccountingInterface = (): Interface => iface("ISlaAccounting");

/**
 * A signature as proveEquivocation takes it: the bare EIP-2098 compact r(32) ‖ yParityAndS(32)
 * (OracleStaking `_recoverMember`). The node keeps 65-byte r‖s‖v signatures (and 64-byte compact
 * ones read from transmit calldata): a 65-byte value handed over as is would be read by the
 * contract as signerIndex ‖ r ‖ yParityAndS, so every form is normalised here.
 */
export function compactSignature(sig: string): string {
  return Signature.from(sig).compactSerialized;
}

/** Calldata of proveEquivocation for a proof the node found. */
export function encodeProveEquivocation(p: EquivocationProof): string {
  return stakingInterface().encodeFunctionData("proveEquivocation", [p.reportA, compactSignature(p.signatureA), p.reportB, compactSignature(p.signatureB)]);
}

/** The custom error (of either economics contract) in revert data, or null when it is none of theirs. */
export function parseEconomicsError(data: string | null | undefined): ErrorDescription | null {
  if (!data || data === "0x") return null;
  for (const i of [stakingInterface(), rewardsInterface(), slaAccountingInterface()]) {
    try {
      const e = i.parseError(data);
      if (e) return e;
    } catch {
      // not this interface's
    }
  }
  return null;
}
