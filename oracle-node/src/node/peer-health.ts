import type { Logger } from "../log/logger";
import { MSG } from "../protocol/messages";
import { PeerSendError, type InboundMessage } from "../transport/peer-network";
import { senderIndex } from "./context";

/**
 * What this node knows of each peer's health, from every exchange whatever the round does with
 * the answer (a late answer still proves liveness): a peer that answered or wrote to us is up; a
 * refusal (4xx) comes from a reachable peer; a timeout, an unreachable URL, a 5xx or a bad reply
 * marks it down. A peer not heard from within `probeMs` gets a ping.
 */
export interface PeerSender {
  send(to: string, type: string, epoch: number, round: number, payload: unknown, timeoutMs?: number): Promise<InboundMessage | null>;
}

/** Where peer health is shown (the dashboard's view) and counted (metrics). */
export interface PeerHealthSink {
  peerOk(index: number): void;
  peerError(index: number, error: string): void;
  peerRefused(index: number, error: string): void;
}

export interface PeerHealthDeps {
  net: PeerSender;
  signers: readonly string[];
  myIndex: number;
  /** Per-message timeout (the round timeout). */
  timeoutMs: number;
  probeMs: number;
  sink: PeerHealthSink;
  peerUp?: (peer: string, up: boolean) => void;
  log: Logger;
  now?: () => number;
}

export class PeerHealth {
  /** Last exchange (or probe sent) per committee index. */
  private readonly contactAt = new Map<number, number>();
  private readonly now: () => number;

  constructor(private readonly d: PeerHealthDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Sends to committee member `index`, recording what the exchange says about its health. */
  send(index: number, type: string, epoch: number, round: number, payload: unknown, log: Logger = this.d.log): Promise<InboundMessage | null> {
    return this.d.net.send(this.d.signers[index], type, epoch, round, payload, this.d.timeoutMs).then(
      (reply) => {
        this.seen(index);
        return reply;
      },
      (err: unknown) => {
        this.failed(index, err, log);
        throw err;
      },
    );
  }

  /** Wraps an inbound handler: the transport calls it only for an authenticated, fresh message from a peer. */
  heard<T>(handler: (m: InboundMessage) => Promise<T>): (m: InboundMessage) => Promise<T> {
    return (m) => {
      this.seen(senderIndex(this.d.signers, m.from));
      return handler(m);
    };
  }

  /** Pings every peer this node has neither heard from nor probed within `probeMs`. */
  probe(epoch: number, now = this.now()): void {
    this.d.signers.forEach((_s, i) => {
      if (i === this.d.myIndex || now - (this.contactAt.get(i) ?? 0) < this.d.probeMs) return;
      this.contactAt.set(i, now);
      this.send(i, MSG.ping, epoch, 0, {}).catch(() => undefined);
    });
  }

  private seen(index: number): void {
    if (index < 0 || index === this.d.myIndex) return;
    this.contactAt.set(index, this.now());
    this.d.sink.peerOk(index);
    this.d.peerUp?.(this.d.signers[index], true);
  }

  private failed(index: number, err: unknown, log: Logger): void {
    const msg = err instanceof PeerSendError ? `${err.code}: ${err.message}` : ((err as Error)?.message ?? String(err));
    if (err instanceof PeerSendError && err.status !== null && err.status >= 400 && err.status < 500) {
      this.d.sink.peerRefused(index, msg);
      log.debug({ peer: index, err: msg }, "peer refused");
      return;
    }
    this.d.sink.peerError(index, msg);
    this.d.peerUp?.(this.d.signers[index], false);
    log.debug({ peer: index, err: msg }, "peer did not answer");
  }
}
