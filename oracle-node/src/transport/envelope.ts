import { getAddress, keccak256, recoverAddress, toUtf8Bytes, type SigningKey } from "ethers";
import { z } from "zod";
import { canonicalJson } from "./canonical-json";

/**
 * The signed envelope every peer message travels in. The sender's secp256k1 signature covers
 * every field (canonical JSON), including the recipient, the config digest and the epoch/round
 * the message belongs to, a random nonce and the send time: a message cannot be redirected to
 * another node, replayed in another round or config, or altered in flight.
 */
export const ENVELOPE_VERSION = 1;
/** Domain tag so a message signature can never be mistaken for a report or observation one. */
export const ENVELOPE_DOMAIN = "oracle-net/envelope/v1";

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_32 = /^0x[0-9a-fA-F]{64}$/;

export const EnvelopeSchema = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  type: z.string().min(1).max(40),
  from: z.string().regex(HEX_ADDRESS),
  to: z.string().regex(HEX_ADDRESS),
  configDigest: z.string().regex(HEX_32),
  epoch: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  round: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  sentAt: z.number().int().nonnegative(),
  payload: z.unknown(),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});

export type Envelope = z.infer<typeof EnvelopeSchema>;
export type UnsignedEnvelope = Omit<Envelope, "signature">;

export function envelopeHash(e: UnsignedEnvelope): string {
  const { v, type, from, to, configDigest, epoch, round, nonce, sentAt, payload } = e;
  const body = canonicalJson({
    v,
    type,
    from: from.toLowerCase(),
    to: to.toLowerCase(),
    configDigest: configDigest.toLowerCase(),
    epoch,
    round,
    nonce,
    sentAt,
    payload,
  });
  return keccak256(toUtf8Bytes(ENVELOPE_DOMAIN + "\n" + body));
}

export function signEnvelope(key: SigningKey, e: UnsignedEnvelope): Envelope {
  return { ...e, signature: key.sign(envelopeHash(e)).serialized };
}

/** The checksummed address that signed the envelope, or null when the signature is unusable. */
export function envelopeSigner(e: Envelope): string | null {
  try {
    return getAddress(recoverAddress(envelopeHash(e), e.signature));
  } catch {
    return null;
  }
}
