import { AbiCoder, getAddress, keccak256, recoverAddress, type SigningKey } from "ethers";

/**
 * A signed observation: one oracle's filtered median for one feed, bound to the config digest,
 * the epoch and round it answers, and the feed's index. Followers check every observation in a
 * proposed report against the observer's on-chain signer address, so a leader cannot invent or
 * alter observations.
 */
export const OBSERVATION_DOMAIN = "oracle-net/observation/v1";

export interface ObservationContext {
  configDigest: string;
  epoch: number;
  round: number;
}

export function observationHash(ctx: ObservationContext, feedIndex: number, value: bigint): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["string", "bytes32", "uint32", "uint32", "uint32", "int256"],
      [OBSERVATION_DOMAIN, ctx.configDigest, ctx.epoch, ctx.round, feedIndex, value],
    ),
  );
}

export function signObservation(key: SigningKey, ctx: ObservationContext, feedIndex: number, value: bigint): string {
  return key.sign(observationHash(ctx, feedIndex, value)).serialized;
}

/** The checksummed signer of an observation signature, or null when it does not recover. */
export function observationSigner(ctx: ObservationContext, feedIndex: number, value: bigint, signature: string): string | null {
  try {
    return getAddress(recoverAddress(observationHash(ctx, feedIndex, value), signature));
  } catch {
    return null;
  }
}
