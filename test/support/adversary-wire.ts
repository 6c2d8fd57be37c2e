import { randomBytes } from "node:crypto";
import { SigningKey, Wallet, computeAddress, getAddress } from "ethers";
import { ENVELOPE_VERSION, EnvelopeSchema, envelopeSigner, signEnvelope, type Envelope } from "../../oracle-node/src/transport/envelope";
import { MESSAGE_PATH } from "../../oracle-node/src/transport/peer-network";

/**
 * The adversary's side of the wire: envelopes built and signed with the repo's own envelope code
 * (so a committee key makes them authentic), raw HTTP posts that never throw, and a tally of what
 * each attack got back. No protocol logic here: ./adversary.ts decides what to send.
 */
export interface AdversarySpec {
  /** A committee member's private key, or absent for an outsider (a fresh random key, in no committee). */
  privateKey?: string;
  /** The on-chain signer set, in committee order. */
  signers: string[];
  /** Peer address -> base URL ("http://127.0.0.1:7001"), every member but this one. */
  peers: Record<string, string>;
  configDigest: string;
  chainId: number;
  aggregator: string;
  f: number;
  /** Feed indices the committee serves. */
  feeds: number[];
  /** Member only: the peer port to listen on (the member's own port, so peers' requests reach it). */
  listenPort?: number;
  /** JSON-RPC URL, for the stale-report attack (the member transmits a withheld report itself). */
  chainUrl?: string;
  /** Attack names from ATTACKS to run; absent: all this role can perform. */
  attacks?: string[];
  /** Fellow faulty members: never attacked (their counts would only measure the adversary). */
  allies?: string[];
  /** Outsider: slow connections held per node port. */
  slowConnections?: number;
}

export interface PostResult {
  status: number;
  text: string;
  ms: number;
}

/** Counts per attack and outcome ("401", "409 replayed", "timeout", "signed", ...). */
export class Tally {
  readonly counts: Record<string, Record<string, number>> = {};
  add(attack: string, outcome: string, n = 1): void {
    const a = (this.counts[attack] ??= {});
    a[outcome] = (a[outcome] ?? 0) + n;
  }
  total(attack: string): number {
    return Object.values(this.counts[attack] ?? {}).reduce((s, v) => s + v, 0);
  }
}

export class Wire {
  readonly key: SigningKey;
  readonly address: string;
  /** Committee index of this key, -1 for an outsider. */
  readonly index: number;
  /** The last envelopes this key sent (raw text and target), for the replay attack. */
  readonly sent: Array<{ url: string; text: string; at: number }> = [];

  constructor(readonly spec: AdversarySpec) {
    this.key = spec.privateKey ? new SigningKey(spec.privateKey) : Wallet.createRandom().signingKey;
    this.address = getAddress(computeAddress(this.key.publicKey));
    this.index = spec.signers.findIndex((s) => getAddress(s) === this.address);
  }

  get peers(): Array<[string, string]> {
    const skip = new Set([this.address, ...(this.spec.allies ?? []).map((a) => getAddress(a))]);
    return Object.entries(this.spec.peers).filter(([a]) => !skip.has(getAddress(a)));
  }

  seal(to: string, type: string, epoch: number, round: number, payload: unknown, sentAt = Date.now()): Envelope {
    return signEnvelope(this.key, {
      v: ENVELOPE_VERSION,
      type,
      from: this.address,
      to: getAddress(to),
      configDigest: this.spec.configDigest,
      epoch,
      round,
      nonce: randomBytes(16).toString("hex"),
      sentAt,
      payload,
    });
  }

  /** POSTs a raw body to a node's message endpoint; status 0 for a network error or timeout. */
  async post(url: string, body: string | Buffer, timeoutMs = 2_000): Promise<PostResult> {
    const t0 = Date.now();
    try {
      const res = await fetch(url.replace(/\/$/, "") + MESSAGE_PATH, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, text: text.slice(0, 2_000), ms: Date.now() - t0 };
    } catch (err) {
      return { status: 0, text: (err as Error).name === "TimeoutError" ? "timeout" : "unreachable", ms: Date.now() - t0 };
    }
  }

  /** Sends a sealed message and returns the peer's verified reply envelope, if it sent one. */
  async send(
    to: string,
    url: string,
    type: string,
    epoch: number,
    round: number,
    payload: unknown,
    timeoutMs = 2_000,
  ): Promise<{ r: PostResult; reply: Envelope | null }> {
    const text = JSON.stringify(this.seal(to, type, epoch, round, payload));
    this.sent.push({ url, text, at: Date.now() });
    if (this.sent.length > 50) this.sent.splice(0, this.sent.length - 50);
    const r = await this.post(url, text, timeoutMs);
    if (r.status !== 200) return { r, reply: null };
    try {
      const env = EnvelopeSchema.parse(JSON.parse(r.text));
      const signer = envelopeSigner(env);
      return { r, reply: signer && signer === getAddress(to) ? env : null };
    } catch {
      return { r, reply: null };
    }
  }
}

/** A short outcome label for a tally: the status and the refusal code the node sent. */
export function outcome(r: PostResult): string {
  if (r.status === 0) return r.text;
  try {
    const code = (JSON.parse(r.text) as { error?: string }).error;
    return code ? `${r.status} ${code}` : String(r.status);
  } catch {
    return String(r.status);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
