import { Interface } from "ethers";
import type { EquivocationProof } from "./equivocation";

/**
 * The economics contract's ABI as the node uses it (stake, unbond, withdraw, claim, raiseAlert,
 * proveEquivocation and their events). PROVISIONAL: written before the contract's interface
 * landed; replaced by the compiled interface artifact once it is on the branch.
 */
const ABI = ["function proveEquivocation(bytes reportA, bytes signatureA, bytes reportB, bytes signatureB)"];

let cached: Interface | null = null;

export function economicsInterface(): Interface {
  cached ??= new Interface(ABI);
  return cached;
}

/** Calldata of proveEquivocation for a proof the node found. */
export function encodeProveEquivocation(p: EquivocationProof): string {
  return economicsInterface().encodeFunctionData("proveEquivocation", [p.reportA, p.signatureA, p.reportB, p.signatureB]);
}
