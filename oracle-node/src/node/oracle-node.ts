import type { PollStats } from "./poll-schedule";
import type { RuntimeTiming } from "./options";
import type { NodeView } from "./node-view";
import type { NodeEmitter } from "../metrics/telemetry";
import type { TransportStats } from "../transport/peer-network";
import type { ReportProposal } from "../protocol/messages";
import type { SignResult } from "./follower";
import { sleep } from "./context";
import type { NodeParts } from "./wire";

export type { NodeEvents } from "../metrics/telemetry";

/**
 * One oracle node at run time, as the composition of its parts (built by `assembleNode`, wire.ts):
 * the poll schedule and observer (this node's own values), the chain view fed by the event
 * watcher, the leader's round and the follower's handlers, the pacemaker, the peer health and
 * the telemetry. This class only runs them: the poll schedule on node-cron, and two loops, each
 * `while (running) { work; sleep }`: the watch loop (what reached the chain, the config digest)
 * and the tick (the leader's round, the pacemaker's progress check, the peer probes). `stop()`
 * ends the schedule and the loops, waits for the work in flight and closes the store last.
 */
export class OracleNode {
  readonly address: string;
  readonly events: NodeEmitter;
  readonly timing: RuntimeTiming;
  readonly view: NodeView;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly p: NodeParts) {
    this.address = p.ctx.address;
    this.events = p.telemetry.events;
    this.timing = p.ctx.timing;
    this.view = p.view;
  }

  get port(): number {
    return this.p.net.port ?? 0;
  }

  currentEpoch(): { epoch: number; leader: number; myIndex: number } {
    return { epoch: this.p.pacemaker.epoch, leader: this.p.pacemaker.leader(), myIndex: this.p.ctx.myIndex };
  }

  transportStats(): TransportStats {
    return this.p.net.snapshot();
  }

  /** Per feed: polls started, ticks skipped while the previous poll still ran, failed polls. */
  pollStats(feedIndex: number): PollStats {
    return this.p.polls.statsFor(feedIndex);
  }

  /** Checks a proposal as this node's follower would and signs it, or says why not. */
  checkAndSign(proposal: ReportProposal, epoch: number, round: number): SignResult {
    return this.p.follower.checkAndSign(proposal, epoch, round);
  }

  async start(): Promise<void> {
    const { ctx, net, view, pacemaker } = this.p;
    await net.listen();
    const signers = ctx.committee.signers;
    view.setPeers(
      signers,
      signers.map((s) => (s === ctx.address ? `http://${this.p.listenHost}:${net.port}` : (this.p.peerUrls.get(s) ?? ""))),
    );
    this.running = true;
    view.setReady(true, []);
    this.p.polls.start();
    this.loops = [this.watchLoop(), this.tickLoop()];
    this.loops.push(
      ...this.p.faults.loops({
        name: ctx.name,
        from: ctx.address,
        peers: this.p.peerUrls,
        configDigest: () => ctx.committee.configDigest,
        epoch: () => pacemaker.epoch,
        running: () => this.running,
      }),
    );
    ctx.log.info(
      { index: ctx.myIndex, epoch: pacemaker.epoch, leader: pacemaker.leader(), port: net.port, configDigest: ctx.committee.configDigest },
      "node started",
    );
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.allSettled([this.p.polls.stop(), ...this.loops]);
    await this.p.transmitter.drain();
    await Promise.allSettled([this.p.sla.drain(), this.p.evidence.drain()]);
    await this.p.net.close();
    this.p.filterSaver.save(true);
    await this.p.filter.close();
    this.p.provider.destroy();
    this.p.store.close();
    this.p.ctx.log.info("node stopped");
  }

  /** What reached the chain, every `watchIntervalMs`; the aggregator's config every `configCheckMs`. */
  private async watchLoop(): Promise<void> {
    const { chain, pacemaker, telemetry, view, ctx } = this.p;
    let configCheckedAt = Date.now();
    while (this.running) {
      const started = Date.now();
      if (started - configCheckedAt > this.timing.configCheckMs) {
        configCheckedAt = started;
        await this.checkConfig();
      }
      for (const { t, seenAt } of await chain.poll()) {
        for (const u of t.feeds) pacemaker.feedLanded(u.feedIndex);
        for (const r of t.refused) {
          pacemaker.feedLanded(r.feedIndex);
          ctx.log.warn(
            { feedIndex: r.feedIndex, median: r.median.toString(), minAnswer: r.minAnswer.toString(), maxAnswer: r.maxAnswer.toString(), txHash: t.txHash },
            "median outside the feed's bounds: the contract kept the answer (MedianOutOfBounds)",
          );
        }
        pacemaker.chainReached(t.epoch, t.round);
        telemetry.landed(t, seenAt);
        this.p.sla.add(t);
      }
      view.setRpcHealthy(!chain.blind);
      await sleep(Math.max(0, ctx.timing.watchIntervalMs - (Date.now() - started)));
    }
  }

  private async tickLoop(): Promise<void> {
    const { leader, pacemaker, peers, ctx } = this.p;
    while (this.running) {
      try {
        await leader.tick();
        pacemaker.check();
        peers.probe(pacemaker.epoch);
      } catch (err) {
        ctx.log.error({ err: (err as Error).message, stack: (err as Error).stack }, "tick failed");
      }
      await sleep(this.timing.tickMs);
    }
  }

  /**
   * A new setConfig on chain (another committee, another digest) invalidates everything this node
   * signs: it says so once and emits "fatal"; `oracle-node start` then exits 1 so the supervisor
   * restarts it under the new config.
   */
  private async checkConfig(): Promise<void> {
    const digest = await this.p.chain.configChanged();
    if (digest === null) return;
    this.p.ctx.log.fatal(
      { running: this.p.ctx.committee.configDigest, onchain: digest },
      "the aggregator's config changed: restart the node to join the new committee",
    );
    this.p.view.setReady(false, ["config changed on chain"]);
    this.p.telemetry.fatal(`config digest changed on chain to ${digest}`);
  }
}
