import type { TxManager } from "../chain/tx-manager";
import type { EquivocationProof } from "../economics/equivocation";
import { encodeProveEquivocation, stakingInterface } from "../economics/contract";

/**
 * Sends an equivocation proof to the economics contract through the node's own transaction
 * manager (one nonce sequence with its transmissions). The tag keeps it from superseding a
 * transmission or being superseded by one; the staking interface names the contract's refusal
 * (AlreadyProven when another prover was first, ProofWindowClosed, ...) in the outcome.
 */
export function proofSubmitter(txm: TxManager, economics: string): (proof: EquivocationProof) => Promise<{ ok: boolean; detail: string }> {
  return async (proof) => {
    const out = await txm.send({
      to: economics,
      data: encodeProveEquivocation(proof),
      label: `prove-equivocation ${proof.signer} ${proof.epoch}.${proof.round}`,
      tags: [`equivocation:${proof.signer}:${proof.epoch}:${proof.round}`],
      iface: stakingInterface(),
    });
    const ok = out.status === "confirmed";
    return { ok, detail: ok ? `tx ${out.hash}` : `${out.status}${out.error ? `: ${out.error.message}` : ""}` };
  };
}
