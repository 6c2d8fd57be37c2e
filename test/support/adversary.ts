import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { JsonRpcProvider, Wallet, getAddress } from "ethers";
import { encodeTransmit } from "../../oracle-node/src/chain/aggregator";
import { leaderIndex } from "../../oracle-node/src/protocol/leader";
import { FinalReportSchema, MSG } from "../../oracle-node/src/protocol/messages";
import { signObservation } from "../../oracle-node/src/protocol/observation";
import { recoverSigner } from "../../oracle-node/src/protocol/report";
import { encodeAndDigest, toReport } from "../../oracle-node/src/protocol/signed-report";
import { EnvelopeSchema, envelopeSigner, type Envelope } from "../../oracle-node/src/transport/envelope";
import { MESSAGE_PATH } from "../../oracle-node/src/transport/peer-network";
import { sendJunkLoop } from "./faults";
import { leadEpoch, recordSignature, type LeaderState, type Withheld } from "./adversary-leader";
import { outsiderLoops } from "./adversary-outsider";
import { Tally, Wire, outcome, sleep, type AdversarySpec } from "./adversary-wire";

/**
 * A test adversary: a process holding a real committee key (a faulty member) or none (an
 * outsider) that speaks the wire protocol with the repo's own envelope and signing code, one
 * switch per attack of issue 13 it can perform. It stands in for the member's node on the
 * member's peer port (an honest node never runs with this key). Every attack counts what the
 * honest nodes answered (`stats()`), so a test or the chaos bench can assert on the refusals.
 */
export const MEMBER_ATTACKS = [
  "out-of-int120-observation", // 1: a signed observation of 2^200
  "withheld-final-report-replay", // 2: re-send a withheld final report every 10 s
  "stale-report-replay", // 3: transmit a withheld report on chain 30 s later
  "future-timestamp-leader", // 4: propose a report stamped 15 s ahead
  "oversized-reply", // 5: answer a request with a 40 MB body
  "trickle-reply", // 5/6: answer a request one byte at a time
  "resign-spam", // 8: a new report signed in every round for one due event
  "notbefore-spam", // 9: back-to-back observe requests with notBefore = now
  "ping-reply-to-observe", // 10: a ping reply to an observe request
  "equivocation", // 11: two reports for one (epoch, round)
  "envelope-replay", // 12: re-send captured envelopes
  "byzantine-junk", // test/support/faults.ts: forged, oversized and broken envelopes every second
] as const;
export const OUTSIDER_ATTACKS = [
  "slow-connections", // 6: trickling connections held open on every node port
  "junk-flood", // 7: unauthenticated envelopes from a peer's IP, 50 a second per node
  "oversized-request", // 5/6: bodies over the limit and a 1 GB content-length
] as const;
export const ATTACKS: readonly string[] = [...MEMBER_ATTACKS, ...OUTSIDER_ATTACKS];

const REPLY_ATTACKS = ["out-of-int120-observation", "ping-reply-to-observe", "oversized-reply", "trickle-reply"];
const OVERSIZED_REPLY_BYTES = 40 * 1024 * 1024;
const REPLAY_EVERY_MS = 10_000;
const STALE_AFTER_MS = 30_000;
const REQUEST_LIMIT_BYTES = 1024 * 1024;

export interface AdversaryStats {
  address: string;
  index: number;
  attacks: string[];
  epoch: number;
  counts: Record<string, Record<string, number>>;
  /** Honest-looking members that signed two different report digests for one (epoch, round). */
  equivocations: Array<{ signer: string; epoch: number; round: number; digests: string[] }>;
  withheld: number;
}

export class Adversary {
  readonly wire: Wire;
  readonly tally = new Tally();
  readonly attacks: Set<string>;
  private server: Server | null = null;
  private running = false;
  private loops: Promise<void>[] = [];
  private epoch = 0;
  private readonly led = new Set<number>();
  private readonly voted = new Set<number>();
  private replyTurn = 0;
  private oversized: Buffer | null = null;
  private readonly state: LeaderState;
  /** Final reports honest leaders sent us, replayed later under our own key. */
  private readonly captured: Array<{ env: Envelope }> = [];

  constructor(spec: AdversarySpec) {
    this.wire = new Wire(spec);
    const mine: readonly string[] = this.wire.index >= 0 ? MEMBER_ATTACKS : OUTSIDER_ATTACKS;
    this.attacks = new Set(spec.attacks ? spec.attacks.filter((a) => mine.includes(a)) : mine);
    this.state = { wire: this.wire, tally: this.tally, on: (a) => this.attacks.has(a), withheld: [], evidence: new Map() };
  }

  get isMember(): boolean {
    return this.wire.index >= 0;
  }

  async start(): Promise<void> {
    this.running = true;
    const on = (a: string) => this.attacks.has(a);
    if (this.isMember && this.wire.spec.listenPort !== undefined) await this.listen(this.wire.spec.listenPort);
    if (!this.isMember) {
      this.loops.push(...outsiderLoops(this.wire, this.tally, on, () => this.running));
      return;
    }
    this.loops.push(this.leaderLoop());
    if (on("withheld-final-report-replay")) this.loops.push(this.every(REPLAY_EVERY_MS, () => this.replayFinalReports()));
    if (on("stale-report-replay")) this.loops.push(this.every(2_000, () => this.transmitStale()));
    if (on("envelope-replay")) this.loops.push(this.every(3_000, () => this.replayEnvelopes()));
    if (on("byzantine-junk")) {
      const peers = new Map(this.wire.peers.map(([a, u]) => [getAddress(a), u]));
      const ctx = {
        name: "adversary",
        from: this.wire.address,
        peers,
        configDigest: () => this.wire.spec.configDigest,
        epoch: () => this.epoch,
        running: () => this.running,
      };
      this.loops.push(sendJunkLoop(ctx).then(() => undefined));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  stats(): AdversaryStats {
    const equivocations = [...this.state.evidence]
      .filter(([, d]) => d.size > 1)
      .map(([k, d]) => {
        const [signer, epoch, round] = k.split("|");
        return { signer, epoch: Number(epoch), round: Number(round), digests: [...d] };
      });
    return {
      address: this.wire.address,
      index: this.wire.index,
      attacks: [...this.attacks],
      epoch: this.epoch,
      counts: this.tally.counts,
      equivocations,
      withheld: this.state.withheld.length,
    };
  }

  private every(ms: number, fn: () => Promise<void>): Promise<void> {
    return (async () => {
      while (this.running) {
        await sleep(ms);
        if (this.running) await fn().catch((err) => this.tally.add("adversary-error", (err as Error).message.slice(0, 60)));
      }
    })();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.onRequest(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || req.url !== MESSAGE_PATH) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > REQUEST_LIMIT_BYTES) return void res.writeHead(413).end();
      chunks.push(c as Buffer);
    }
    let env: Envelope;
    try {
      env = EnvelopeSchema.parse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    } catch {
      return void res.writeHead(400).end();
    }
    const from = envelopeSigner(env);
    if (!from || !this.wire.spec.signers.some((s) => getAddress(s) === from)) return void res.writeHead(401).end();
    if (env.epoch > this.epoch) this.epoch = env.epoch;
    if (env.type === MSG.newEpoch) this.echoVote(env.epoch);
    if (env.type === MSG.finalReport) this.capture(env);
    if (env.type !== MSG.observeRequest && env.type !== MSG.ping) return void res.writeHead(204).end();
    await this.hostileReply(env, res);
  }

  /** The faulty member answers a request with the next enabled reply attack. */
  private async hostileReply(env: Envelope, res: ServerResponse): Promise<void> {
    const mine = REPLY_ATTACKS.filter((a) => this.attacks.has(a) && (env.type === MSG.observeRequest || a === "oversized-reply" || a === "trickle-reply"));
    if (mine.length === 0) return void res.writeHead(503, { "content-type": "application/json" }).end('{"error":"not-ready"}');
    const attack = mine[this.replyTurn++ % mine.length];
    this.tally.add(attack, "sent");
    if (attack === "oversized-reply") {
      this.oversized ??= Buffer.from('{"v":1,"pad":"' + "x".repeat(OVERSIZED_REPLY_BYTES) + '"}');
      return void res.writeHead(200, { "content-type": "application/json" }).end(this.oversized);
    }
    if (attack === "trickle-reply") {
      res.writeHead(200, { "content-type": "application/json" });
      for (let k = 0; k < 200 && this.running && !res.destroyed; k++) {
        res.write(k === 0 ? "{" : " ");
        await sleep(300);
      }
      return void res.end("}");
    }
    const from = env.from;
    if (attack === "ping-reply-to-observe") return this.sendSealed(res, this.wire.seal(from, MSG.ping, env.epoch, env.round, {}));
    const huge = 1n << 200n;
    const ctx = { configDigest: this.wire.spec.configDigest, epoch: env.epoch, round: env.round };
    const feeds = (env.payload as { feeds?: number[] }).feeds ?? [];
    const observations = feeds.map((feedIndex) => ({ feedIndex, value: huge.toString(), signature: signObservation(this.wire.key, ctx, feedIndex, huge) }));
    this.sendSealed(res, this.wire.seal(from, MSG.observation, env.epoch, env.round, { observations }));
  }

  private sendSealed(res: ServerResponse, env: Envelope): void {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(env));
  }

  /** Votes for any epoch an honest member votes for (so a silent faulty member does not stall the pacemaker). */
  private echoVote(epoch: number): void {
    if (this.voted.has(epoch)) return;
    this.voted.add(epoch);
    for (const [to, url] of this.wire.peers) void this.wire.send(to, url, MSG.newEpoch, epoch, 0, { epoch });
  }

  /** An honest leader's final report: its signers' digests go into the evidence, the report into the replay list. */
  private capture(env: Envelope): void {
    const fr = FinalReportSchema.safeParse(env.payload);
    if (!fr.success) return;
    try {
      const { digest } = encodeAndDigest(
        toReport(this.wire.spec.configDigest, env.epoch, env.round, fr.data),
        this.wire.spec.chainId,
        this.wire.spec.aggregator,
      );
      for (const sig of fr.data.signatures) recordSignature(this.state, recoverSigner(digest, sig), env.epoch, env.round, digest);
    } catch {
      return;
    }
    this.captured.push({ env });
    if (this.captured.length > 20) this.captured.shift();
  }

  private async leaderLoop(): Promise<void> {
    const n = this.wire.spec.signers.length;
    while (this.running) {
      const e = this.epoch;
      if (e > 0 && !this.led.has(e) && leaderIndex(e, n, this.wire.spec.configDigest) === this.wire.index) {
        this.led.add(e);
        await leadEpoch(
          this.state,
          e,
          () => this.epoch,
          () => this.running,
        ).catch((err) => this.tally.add("adversary-error", (err as Error).message.slice(0, 60)));
      }
      await sleep(50);
    }
  }

  /** Withheld reports (and honest leaders' captured ones) re-sent to every peer under their original epoch and round. */
  private async replayFinalReports(): Promise<void> {
    const items: Array<Pick<Withheld, "epoch" | "round" | "payload">> = [
      ...this.state.withheld,
      ...this.captured.map((c) => ({ epoch: c.env.epoch, round: c.env.round, payload: c.env.payload as Withheld["payload"] })),
    ];
    for (const w of items) {
      for (const [to, url] of this.wire.peers) {
        const { r } = await this.wire.send(to, url, MSG.finalReport, w.epoch, w.round, w.payload);
        this.tally.add("withheld-final-report-replay", outcome(r));
      }
    }
  }

  /** A withheld report older than STALE_AFTER_MS, transmitted on chain by this member itself. */
  private async transmitStale(): Promise<void> {
    const w = this.state.withheld.find((x) => !x.transmitted && Date.now() - x.at > STALE_AFTER_MS);
    if (!w || !this.wire.spec.chainUrl) return;
    w.transmitted = true;
    const provider = new JsonRpcProvider(this.wire.spec.chainUrl, this.wire.spec.chainId, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const wallet = new Wallet(this.wire.key, provider);
      const tx = await wallet.sendTransaction({ to: this.wire.spec.aggregator, data: encodeTransmit(w.encoded, w.signatures), gasLimit: 3_000_000 });
      const rcpt = await tx.wait(1, 10_000);
      this.tally.add("stale-report-replay", rcpt?.status === 1 ? "landed" : "reverted");
    } catch (err) {
      this.tally.add("stale-report-replay", /revert|CALL_EXCEPTION/i.test((err as Error).message) ? "reverted" : "error");
    } finally {
      provider.destroy();
    }
  }

  /** Envelopes this key sent in the last 25 s, posted again byte for byte. */
  private async replayEnvelopes(): Promise<void> {
    const recent = this.wire.sent.filter((s) => Date.now() - s.at < 25_000).slice(-10);
    for (const s of recent) this.tally.add("envelope-replay", outcome(await this.wire.post(s.url, s.text)));
  }
}
