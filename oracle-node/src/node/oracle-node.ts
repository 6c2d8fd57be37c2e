import { EventEmitter } from "node:events";
import { writeSync } from "node:fs";
import { computeAddress, getAddress, type JsonRpcProvider } from "ethers";
import type { Logger } from "../log/logger";
import { silentLogger } from "../log/logger";
import { formatRoundId } from "../log/round";
import { createFilter, type RoundFilter } from "../filter/pipeline";
import { FilterState } from "../filter/state";
import { AggregatorReader, type Committee } from "../chain/aggregator";
import { makeProvider } from "../chain/provider";
import { TransmissionWatcher, type Transmission } from "../chain/transmission-watcher";
import { TxManager, type TxOutcome } from "../chain/tx-manager";
import { openStore, compareEpochRound, type NodeStore } from "../store/node-store";
import { PeerNetwork, PeerRefusal, PeerSendError, type InboundMessage } from "../transport/peer-network";
import { buildReportProposal, type CollectedObservation } from "../protocol/build-report";
import { checkReportProposal } from "../protocol/check-report";
import { leaderIndex, transmitPosition } from "../protocol/leader";
import {
  MESSAGE_SCHEMAS,
  MSG,
  type FinalReport,
  type ObservationReply,
  type ObserveRequest,
  type ReportProposal,
} from "../protocol/messages";
import { observationSigner, signObservation } from "../protocol/observation";
import { EpochVotes } from "../protocol/pacemaker";
import { encodeReport, packSignatures, recoverSigner, reportDigest, signReport, type Report } from "../protocol/report";
import { MAX_ROUND, minObservations, requiredSignatures } from "../protocol/report-answer";
import { overdue, roundDue, startupSinceMs, type OnchainView } from "../protocol/round-decision";
import { collect } from "./collect";
import { Observer, type ObservationSnapshot } from "./observer";
import { PollSchedule, type PollStats } from "./poll-schedule";
import { DEFAULT_TIMING, type RuntimeFeed, type RuntimeOptions, type RuntimeTiming } from "./options";
import { NodeView } from "./node-view";
import { sendJunkLoop } from "./test-faults";
import { Transmitter } from "./transmitter";

/**
 * One oracle node at run time: its own observations (each feed polled at its own interval by
 * the poll schedule, on node-cron), the event watcher that learns what
 * reached the chain, the leader's rounds (observe -> report -> signatures -> transmission), the
 * follower's handlers (observe, check and sign, schedule a backup transmission) and the
 * pacemaker that replaces a failing leader. Every other loop is `while (running) { work; sleep }`;
 * `stop()` ends the schedule and the loops, waits for the work in flight and closes the store last.
 */


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeEvents {
  transmission: [t: Transmission & { seenAt: number }];
  tx: [outcome: TxOutcome & { epoch: number; round: number; feeds: number[]; ms: number }];
  epoch: [epoch: number, leader: number];
  snapshot: [s: ObservationSnapshot];
  fatal: [reason: string];
  round: [info: { epoch: number; round: number; feeds: number[]; outcome: string; messages: number; bytes: number; stages: Record<string, number> }];
}

export class OracleNode {
  readonly address: string;
  readonly events = new EventEmitter();
  readonly timing: RuntimeTiming;
  private readonly log: Logger;
  private store!: NodeStore;
  private provider!: JsonRpcProvider;
  private reader!: AggregatorReader;
  private watcher!: TransmissionWatcher;
  private txm!: TxManager;
  private net!: PeerNetwork;
  private filter!: RoundFilter;
  private observer!: Observer;
  private polls!: PollSchedule;
  private committee!: Committee;
  private myIndex = -1;
  private readonly feeds: Map<number, RuntimeFeed>;
  private readonly peerUrls = new Map<string, string>();
  private readonly onchain = new Map<number, OnchainView & { roundId: string; confidence: bigint | null }>();
  /** Newest (epoch, round) on chain over all feeds (the committee's progress). */
  private chainEpoch = 0;
  private chainRound = 0;
  /** Newest (epoch, round) on chain per feed: the contract enforces freshness per feed. */
  private readonly feedER = new Map<number, { epoch: number; round: number }>();
  private epoch = 0;
  private leaderRound = 0;
  private wanted = 0;
  private lastVoteAt = 0;
  private votes = new EpochVotes();
  private readonly alarmSince = new Map<number, number>();
  private readonly pending = new Map<number, { epoch: number; round: number; until: number }>();
  private transmitter!: Transmitter;
  private running = false;
  private loops: Promise<void>[] = [];
  private lastRoundAt = 0;
  private lastFilterSave = 0;
  readonly view: NodeView;

  constructor(private readonly opts: RuntimeOptions) {
    this.address = getAddress(computeAddress(opts.key.publicKey));
    this.log = (opts.logger ?? silentLogger).child({ node: opts.name });
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.feeds = new Map(opts.feeds.map((f) => [f.feedIndex, f]));
    this.view = new NodeView(opts.name, this.address, opts.feeds, opts.chainId);
  }

  get port(): number {
    return this.net?.port ?? 0;
  }

  currentEpoch(): { epoch: number; leader: number; myIndex: number } {
    return { epoch: this.epoch, leader: this.committee ? this.leaderOf(this.epoch) : -1, myIndex: this.myIndex };
  }

  transportStats() {
    return this.net.snapshot();
  }

  /** Per feed: polls started, ticks skipped while the previous poll still ran, failed polls. */
  pollStats(feedIndex: number): PollStats {
    return this.polls.statsFor(feedIndex);
  }

  async start(): Promise<void> {
    const o = this.opts;
    // First: a poll interval that cannot be scheduled is a config error, before anything opens.
    this.polls = new PollSchedule({
      targets: o.feeds.map((f) => ({ key: f.feedIndex, name: f.id, intervalMs: f.pollIntervalMs ?? this.timing.pollIntervalMs })),
      poll: async (feeds) => {
        await this.observer.refresh(feeds);
      },
      pollAtStart: true,
      logger: this.log,
    });
    this.store = openStore(o.databasePath);
    this.provider = makeProvider(o.rpcUrl, o.chainId);
    this.reader = new AggregatorReader(this.provider, o.aggregator);
    this.committee = await this.retryRpc("read the committee", () => this.reader.committee());
    this.myIndex = this.committee.signers.findIndex((s) => s === this.address);
    if (this.myIndex < 0) throw new Error(`node key ${this.address} is not a signer in the aggregator's config ${this.committee.configDigest}`);
    if (this.committee.transmitters[this.myIndex] !== this.address) {
      this.log.warn({ transmitter: this.committee.transmitters[this.myIndex] }, "this node's key is not its transmitter: it will not transmit");
    }
    for (const p of o.peers) {
      const onchain = this.committee.signers[p.index];
      if (!onchain) throw new Error(`peer index ${p.index} is outside the committee of ${this.committee.signers.length}`);
      if (p.address && getAddress(p.address) !== onchain) throw new Error(`peer ${p.index} is configured as ${p.address} but the on-chain signer is ${onchain}`);
      this.peerUrls.set(onchain, p.url.replace(/\/+$/, ""));
    }
    for (const s of this.committee.signers) {
      if (s !== this.address && !this.peerUrls.has(s)) this.log.warn({ peer: s }, "on-chain signer has no peer URL in the config");
    }
    this.filter = await createFilter(o.filter);
    const saved = this.store.loadFilterState("filter");
    let filterState = new FilterState();
    if (saved) {
      try {
        filterState = FilterState.fromJSON(JSON.parse(saved.toString("utf8")));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "stored filter state unreadable: starting fresh");
      }
    }
    this.observer = new Observer(o.feeds, this.filter, filterState, this.timing.sourceTimeoutMs, this.log, o.sourcePolicy);
    this.observer.onSnapshot = (s) => this.onSnapshot(s);
    const metrics = o.metrics;
    if (metrics) this.observer.onSourceResponse = (source, seconds, outcome) => metrics.sourceLatency.observe({ source, outcome }, seconds);
    await this.retryRpc("read the feeds", () => this.refreshOnchain());
    this.watcher = new TransmissionWatcher(this.provider, o.aggregator, this.log);
    await this.retryRpc("read the head block", () => this.watcher.init());
    const storedEpoch = Number(this.store.getValue(this.epochKey()) ?? 0);
    this.enterEpoch(Math.max(storedEpoch, this.chainEpoch), "startup");
    this.txm = new TxManager({
      provider: this.provider,
      key: o.key,
      chainId: o.chainId,
      iface: this.reader.iface,
      confirmations: o.confirmations,
      maxFeePerGasCap: o.maxFeePerGasCap,
      logger: this.log,
      sendDeadlineMs: Math.max(30_000, this.timing.transmitStaggerMs * this.committee.signers.length * 2),
    });
    const transmits = this.committee.transmitters[this.myIndex] === this.address;
    this.transmitter = new Transmitter({
      txm: this.txm,
      store: this.store,
      view: this.view,
      events: this.events,
      metrics: o.metrics,
      feeds: this.feeds,
      aggregator: o.aggregator,
      log: this.log,
      staggerMs: this.timing.transmitStaggerMs,
      position: (epoch) => transmitPosition(this.myIndex, epoch, this.committee.signers.length, this.committee.configDigest),
      allOnChain: (feeds, epoch, round) => this.allOnChain(feeds, epoch, round),
      enabled: transmits,
    });
    this.net = new PeerNetwork({
      key: o.key,
      host: o.listenHost,
      port: o.listenPort,
      configDigest: () => this.committee.configDigest,
      isPeer: (a) => this.committee.signers.includes(getAddress(a)),
      peerUrl: (a) => this.peerUrls.get(getAddress(a)),
      schemas: MESSAGE_SCHEMAS,
      handlers: {
        [MSG.observeRequest]: this.heard((m) => this.onObserveRequest(m)),
        [MSG.reportProposal]: this.heard((m) => this.onReportProposal(m)),
        [MSG.finalReport]: this.heard((m) => this.onFinalReport(m)),
        [MSG.newEpoch]: this.heard((m) => this.onNewEpoch(m)),
        [MSG.ping]: this.heard(async () => null),
      },
      logger: this.log,
      onReject: (r) => this.opts.metrics?.peerRejectsTotal.inc({ reason: r.reason, peer: r.peer ?? "unknown" }),
    });
    await this.net.listen();
    this.view.setPeers(this.committee.signers, this.committee.signers.map((s) => (s === this.address ? `http://${o.listenHost}:${this.net.port}` : this.peerUrls.get(s) ?? "")));
    this.running = true;
    this.view.setReady(true, []);
    this.polls.start();
    this.loops = [this.watchLoop(), this.tickLoop()];
    if (o.fault === "byzantine") {
      this.loops.push(
        sendJunkLoop({
          from: this.address,
          peers: this.peerUrls,
          configDigest: () => this.committee.configDigest,
          epoch: () => this.epoch,
          running: () => this.running,
        }),
      );
    }
    this.log.info({ index: this.myIndex, epoch: this.epoch, leader: this.leaderOf(this.epoch), port: this.net.port, configDigest: this.committee.configDigest }, "node started");
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.allSettled([this.polls.stop(), ...this.loops]);
    await this.transmitter.drain();
    await this.net.close();
    this.saveFilterState(true);
    await this.filter.close();
    this.provider.destroy();
    this.store.close();
    this.log.info("node stopped");
  }

  // ------------------------------------------------------------------------------------------
  // Loops
  // ------------------------------------------------------------------------------------------

  private async watchLoop(): Promise<void> {
    let configCheckedAt = Date.now();
    while (this.running) {
      const started = Date.now();
      if (started - configCheckedAt > this.timing.configCheckMs) {
        configCheckedAt = started;
        await this.checkConfig();
      }
      for (const t of await this.watcher.poll()) this.onTransmission(t);
      this.view.setRpcHealthy(this.watcher.failures === 0);
      await sleep(Math.max(0, this.timing.watchIntervalMs - (Date.now() - started)));
    }
  }

  private async tickLoop(): Promise<void> {
    while (this.running) {
      try {
        if (this.isLeader() && Date.now() - this.lastRoundAt >= this.timing.minRoundIntervalMs) await this.leadRound();
        this.pacemakerCheck();
        this.probePeers();
      } catch (err) {
        this.log.error({ err: (err as Error).message, stack: (err as Error).stack }, "tick failed");
      }
      await sleep(this.timing.tickMs);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Leader
  // ------------------------------------------------------------------------------------------

  private isLeader(): boolean {
    return this.leaderOf(this.epoch) === this.myIndex;
  }

  private leaderOf(epoch: number): number {
    return leaderIndex(epoch, this.committee.signers.length, this.committee.configDigest);
  }

  private dueFeeds(snap: ObservationSnapshot, now: number): number[] {
    const due: number[] = [];
    // Blind to the chain (RPC failing): no new rounds, the last report is still queued to send.
    if (this.watcher.failures > 0) return due;
    for (const [idx, feed] of this.feeds) {
      const p = this.pending.get(idx);
      if (p && p.until > now) continue;
      const v = snap.feeds.get(idx)?.value ?? null;
      if (v === null) continue;
      if (roundDue(v, this.onchainView(idx), feed, now)) due.push(idx);
    }
    return due;
  }

  private async leadRound(): Promise<void> {
    const snap = this.observer.current();
    if (!snap) return;
    const due = this.dueFeeds(snap, Date.now());
    if (due.length === 0) return;
    if (this.leaderRound >= MAX_ROUND) {
      this.wantEpoch(this.epoch + 1, "round limit of the epoch reached");
      return;
    }
    this.lastRoundAt = Date.now();
    const epoch = this.epoch;
    const round = ++this.leaderRound;
    this.store.setValue(this.roundKey(epoch), String(round));
    const log = this.log.child({ roundId: formatRoundId(epoch, round) });
    const before = this.net.snapshot();
    const t0 = Date.now();
    // Each feed is polled on its own schedule: the request asks for data as new as the oldest due one.
    const notBefore = Math.min(...due.map((i) => snap.feeds.get(i)!.fetchedAt));
    const stages: Record<string, number> = { snapshotAgeMs: t0 - notBefore };
    const { configDigest, f, signers } = this.committee;
    const n = signers.length;
    const ctx = { configDigest, epoch, round };
    const request: ObserveRequest = { feeds: due, notBefore };

    // 1. Observations from every oracle (this one included), each signature checked.
    const collected: CollectedObservation[] = [];
    const perFeed = new Map<number, Set<number>>(due.map((i) => [i, new Set<number>()]));
    const observers = new Set<number>();
    await collect<ObservationReply | null>(
      signers.map((_s, i) => () =>
        i === this.myIndex ? this.observe(epoch, round, request) : this.sendTo(i, MSG.observeRequest, epoch, round, request).then((r) => (r?.payload as ObservationReply) ?? null),
      ),
      (reply, i) => {
        if (!reply) return;
        for (const o of reply.observations) {
          if (!perFeed.has(o.feedIndex) || perFeed.get(o.feedIndex)!.has(i)) continue;
          const value = BigInt(o.value);
          const signer = observationSigner(ctx, o.feedIndex, value, o.signature);
          if (signer !== signers[i]) {
            log.warn({ observer: i, feedIndex: o.feedIndex }, "observation with an invalid signature dropped");
            continue;
          }
          perFeed.get(o.feedIndex)!.add(i);
          observers.add(i);
          collected.push({ observer: i, feedIndex: o.feedIndex, value, signature: o.signature });
        }
      },
      (err, i) => this.ownFailed(i, err, log),
      () => [...perFeed.values()].every((s) => s.size >= minObservations(f)) && observers.size >= minObservations(f),
      this.timing.roundTimeoutMs,
      this.timing.observationGraceMs,
    );
    stages.observeMs = Date.now() - t0;
    const nowSec = Math.floor(Date.now() / 1000);
    const { proposal, missing } = buildReportProposal(collected, due, f, nowSec);
    if (missing.length) log.warn({ missing }, "feeds without 2f+1 observations left out of the report");
    if (!proposal) {
      this.emitRound(epoch, round, due, "no-quorum", before);
      this.lastRoundAt = Date.now() + this.timing.failedRoundBackoffMs;
      return;
    }
    if (this.opts.fault === "byzantine") {
      for (const feed of proposal.feeds) feed.observations = feed.observations.map((v) => (BigInt(v) * 10n).toString());
    }

    // 2. Signatures over the report from f+1 oracles that checked it.
    const report = this.toReport(proposal, epoch, round);
    const encoded = encodeReport(report);
    const digest = reportDigest(encoded, { chainId: BigInt(this.opts.chainId), verifyingContract: this.opts.aggregator });
    const sigs = new Map<number, string>();
    await collect<string | null>(
      signers.map((_s, i) => () =>
        i === this.myIndex
          ? Promise.resolve(this.checkAndSign(proposal, epoch, round).signature)
          : this.sendTo(i, MSG.reportProposal, epoch, round, proposal).then((r) => (r?.payload as { signature: string } | undefined)?.signature ?? null),
      ),
      (sig, i) => {
        if (!sig) return;
        try {
          if (recoverSigner(digest, sig) === signers[i]) sigs.set(i, sig);
          else log.warn({ oracle: i }, "report signature from the wrong key dropped");
        } catch {
          log.warn({ oracle: i }, "malformed report signature dropped");
        }
      },
      (err, i) => this.ownFailed(i, err, log),
      () => sigs.size >= requiredSignatures(f),
      this.timing.roundTimeoutMs,
    );
    stages.signMs = Date.now() - t0 - stages.observeMs;
    if (sigs.size < requiredSignatures(f)) {
      log.warn({ signatures: sigs.size, needed: requiredSignatures(f) }, "report not signed by f+1 oracles");
      this.emitRound(epoch, round, due, "unsigned", before);
      this.lastRoundAt = Date.now() + this.timing.failedRoundBackoffMs;
      return;
    }
    if (this.opts.fault === "crash-leader-mid-round") {
      // Written synchronously: the logger's buffer dies with the process.
      writeSync(2, JSON.stringify({ level: 50, time: new Date().toISOString(), node: this.opts.name, roundId: formatRoundId(epoch, round), msg: "test fault: leader crashing mid-round (SIGKILL) after collecting signatures" }) + "\n");
      process.kill(process.pid, "SIGKILL");
    }

    // 3. Final report to every oracle (backups), and this node transmits first.
    const entries = [...sigs.entries()]
      .sort((a, b) => a[0] - b[0])
      .slice(0, requiredSignatures(f))
      .map(([signerIndex, signature]) => ({ signerIndex, signature }));
    const final: FinalReport = {
      observationsTimestamp: proposal.observationsTimestamp,
      feeds: report.feeds.map((x) => ({ feedIndex: x.feedIndex, observers: x.observers, observations: x.observations.map(String) })),
      signatures: entries.map((e) => e.signature),
    };
    const feedIdx = report.feeds.map((x) => x.feedIndex);
    const until = Date.now() + this.timing.transmitStaggerMs * (n + 1) + 5_000;
    for (const i of feedIdx) this.pending.set(i, { epoch, round, until });
    signers.forEach((_s, i) => {
      if (i === this.myIndex) return;
      this.sendTo(i, MSG.finalReport, epoch, round, final, log).catch(() => undefined);
    });
    this.transmitter.schedule(encoded, packSignatures(entries), epoch, round, feedIdx);
    this.emitRound(epoch, round, feedIdx, "reported", before, stages);
    log.info({ feeds: feedIdx, observers: observers.size, signatures: sigs.size }, "report signed by the committee");
  }

  private emitRound(
    epoch: number,
    round: number,
    feeds: number[],
    outcome: string,
    before: { messagesSent: number; bytesSent: number; messagesReceived: number },
    stages: Record<string, number> = {},
  ) {
    const after = this.net.snapshot();
    const m = this.opts.metrics;
    if (m) {
      for (const idx of feeds) {
        const id = this.feeds.get(idx)?.id;
        if (!id) continue;
        m.roundsTotal.inc({ feed: id, outcome });
        if (stages.observeMs !== undefined) m.roundLatency.observe({ feed: id, stage: "observed" }, stages.observeMs / 1000);
        if (stages.signMs !== undefined) m.roundLatency.observe({ feed: id, stage: "reported" }, ((stages.observeMs ?? 0) + stages.signMs) / 1000);
      }
    }
    this.events.emit("round", {
      epoch,
      round,
      feeds,
      outcome,
      stages,
      messages: after.messagesSent - before.messagesSent + (after.messagesReceived - before.messagesReceived),
      bytes: after.bytesSent - before.bytesSent,
    });
  }

  private toReport(p: ReportProposal, epoch: number, round: number): Report {
    return {
      configDigest: this.committee.configDigest,
      epoch,
      round,
      observationsTimestamp: p.observationsTimestamp,
      feeds: p.feeds.map((x) => ({ feedIndex: x.feedIndex, observers: x.observers, observations: x.observations.map((v) => BigInt(v)) })),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Follower
  // ------------------------------------------------------------------------------------------

  private requireLeader(m: InboundMessage): void {
    const sender = this.committee.signers.indexOf(getAddress(m.from));
    if (m.epoch < this.epoch) this.tellEpoch(sender);
    if (m.epoch > this.epoch) {
      // The sender is ahead: count it, and ask everyone where they are.
      this.votes.record(sender, m.epoch);
      this.askEpochs();
      this.evaluateVotes();
    }
    if (m.epoch !== this.epoch) throw new PeerRefusal("wrong-epoch", `message for epoch ${m.epoch}, this node is in epoch ${this.epoch}`, 409);
    if (sender !== this.leaderOf(m.epoch)) throw new PeerRefusal("not-leader", `oracle ${sender} is not the leader of epoch ${m.epoch}`, 403);
  }

  private async onObserveRequest(m: InboundMessage): Promise<{ type: string; payload: unknown }> {
    this.requireLeader(m);
    return { type: MSG.observation, payload: await this.observe(m.epoch, m.round, m.payload as ObserveRequest) };
  }

  /** This node's signed observations for a round, claimed in the store before they are signed. */
  private async observe(epoch: number, round: number, req: ObserveRequest): Promise<ObservationReply> {
    const timeout = sleep(this.timing.roundTimeoutMs / 2).then(() => this.observer.current());
    const snap = (await Promise.race([this.observer.get(req.notBefore, req.feeds), timeout])) ?? this.observer.current();
    if (!snap) throw new PeerRefusal("not-ready", "no observation yet", 503);
    const items: Array<{ feedIndex: number; value: bigint }> = [];
    for (const idx of new Set(req.feeds)) {
      const o = snap.feeds.get(idx);
      // Sources hung past the wait: data this old is no observation of the leader's moment.
      if (!o || o.fetchedAt < req.notBefore - this.timing.maxObservationLagMs) continue;
      if (o.value !== null) items.push({ feedIndex: idx, value: o.value });
    }
    if (this.opts.fault === "byzantine") {
      // Absurd values, and every other signature made over something else.
      return {
        observations: items.map((it, k) => {
          const absurd = it.value * 1000n;
          const ctx = { configDigest: this.committee.configDigest, epoch, round };
          return { feedIndex: it.feedIndex, value: absurd.toString(), signature: signObservation(this.opts.key, ctx, it.feedIndex, k % 2 ? absurd + 1n : absurd) };
        }),
      };
    }
    const claim = this.store.claim(
      this.address,
      "observation",
      this.committee.configDigest,
      epoch,
      round,
      items.map((it) => ({ feedId: String(it.feedIndex), content: it.value.toString() })),
    );
    if (!claim.ok) {
      this.log.warn({ roundId: formatRoundId(epoch, round), reason: claim.reason, signed: formatRoundId(claim.signedEpoch, claim.signedRound) }, "refused to observe");
      throw new PeerRefusal(claim.reason, `already signed ${formatRoundId(claim.signedEpoch, claim.signedRound)} for a feed of this request`, 409);
    }
    const ctx = { configDigest: this.committee.configDigest, epoch, round };
    for (const it of items) this.opts.metrics?.observationsTotal.inc({ feed: this.feeds.get(it.feedIndex)!.id });
    return { observations: items.map((it) => ({ feedIndex: it.feedIndex, value: it.value.toString(), signature: signObservation(this.opts.key, ctx, it.feedIndex, it.value) })) };
  }

  private async onReportProposal(m: InboundMessage): Promise<{ type: string; payload: unknown }> {
    this.requireLeader(m);
    const r = this.checkAndSign(m.payload as ReportProposal, m.epoch, m.round);
    if (!r.signature) throw new PeerRefusal(r.code, r.reason, r.code === "conflict" || r.code === "older-round" ? 409 : 422);
    return { type: MSG.reportSignature, payload: { signature: r.signature } };
  }

  /** Checks a proposal and signs it (claiming the round in the store first), or says why not. */
  checkAndSign(p: ReportProposal, epoch: number, round: number): { signature: string; code: ""; reason: "" } | { signature: null; code: string; reason: string } {
    const refuse = (code: string, reason: string) => {
      this.log.warn({ roundId: formatRoundId(epoch, round), code, reason }, "refused to sign report");
      return { signature: null, code, reason };
    };
    // 1. What would be signed, and whether this key already signed something else for the round.
    let digest: string;
    try {
      digest = reportDigest(encodeReport(this.toReport(p, epoch, round)), { chainId: BigInt(this.opts.chainId), verifyingContract: this.opts.aggregator });
    } catch (err) {
      return refuse("bad-report", (err as Error).message);
    }
    for (const feed of p.feeds) {
      const last = this.store.lastSigned(this.address, "report", this.committee.configDigest, String(feed.feedIndex));
      if (!last) continue;
      const cmp = compareEpochRound(epoch, round, last.epoch, last.round);
      if (cmp < 0) return refuse("older-round", `already signed ${formatRoundId(last.epoch, last.round)} for feed ${feed.feedIndex}`);
      if (cmp === 0 && last.content !== digest) return refuse("conflict", `already signed a different report for ${formatRoundId(epoch, round)}`);
    }
    // 2. The report itself: signatures, order, quorum, tolerance against this node's own value.
    const own = new Map<number, bigint>();
    const snap = this.observer.current();
    for (const feed of p.feeds) {
      const signed = this.store.lastSigned(this.address, "observation", this.committee.configDigest, String(feed.feedIndex));
      if (signed && signed.epoch === epoch && signed.round === round) own.set(feed.feedIndex, BigInt(signed.content));
      else {
        const v = snap?.feeds.get(feed.feedIndex)?.value;
        if (v !== undefined && v !== null) own.set(feed.feedIndex, v);
      }
    }
    const check = checkReportProposal(p, {
      configDigest: this.committee.configDigest,
      epoch,
      round,
      f: this.committee.f,
      signers: this.committee.signers,
      feeds: new Set(this.feeds.keys()),
      own,
      toleranceBps: (i) => this.feeds.get(i)!.toleranceBps,
      nowSec: Math.floor(Date.now() / 1000),
      maxClockSkewSec: this.timing.maxReportSkewSec,
    });
    if (!check.ok) return refuse("bad-report", check.reason);
    // 3. Every feed must be due (deviation or heartbeat, against this node's view of the chain).
    const now = Date.now();
    for (const [idx, answer] of check.answers) {
      // Grace on the heartbeat: the leader's clock may run a little ahead.
      if (!roundDue(answer, this.onchainView(idx), this.feeds.get(idx)!, now + this.timing.progressTimeoutMs)) {
        return refuse("not-due", `feed ${idx} is neither deviating nor past its heartbeat`);
      }
    }
    // 4. Claim the round durably, then sign.
    const claim = this.store.claim(
      this.address,
      "report",
      this.committee.configDigest,
      epoch,
      round,
      p.feeds.map((x) => ({ feedId: String(x.feedIndex), content: digest })),
    );
    if (!claim.ok) return refuse(claim.reason, `already signed ${formatRoundId(claim.signedEpoch, claim.signedRound)} differently`);
    return { signature: signReport(this.opts.key, digest), code: "", reason: "" };
  }

  private async onFinalReport(m: InboundMessage): Promise<null> {
    const sender = this.committee.signers.indexOf(getAddress(m.from));
    if (sender !== this.leaderOf(m.epoch)) throw new PeerRefusal("not-leader", `oracle ${sender} is not the leader of epoch ${m.epoch}`, 403);
    const fr = m.payload as FinalReport;
    const report: Report = {
      configDigest: this.committee.configDigest,
      epoch: m.epoch,
      round: m.round,
      observationsTimestamp: fr.observationsTimestamp,
      feeds: fr.feeds.map((x) => ({ feedIndex: x.feedIndex, observers: x.observers, observations: x.observations.map((v) => BigInt(v)) })),
    };
    let encoded: string;
    try {
      encoded = encodeReport(report);
    } catch (err) {
      throw new PeerRefusal("malformed", (err as Error).message, 400);
    }
    const digest = reportDigest(encoded, { chainId: BigInt(this.opts.chainId), verifyingContract: this.opts.aggregator });
    const entries: Array<{ signerIndex: number; signature: string }> = [];
    for (const sig of fr.signatures) {
      let who: string;
      try {
        who = recoverSigner(digest, sig);
      } catch {
        throw new PeerRefusal("bad-signature", "malformed report signature", 422);
      }
      const idx = this.committee.signers.indexOf(who);
      if (idx < 0 || entries.some((e) => e.signerIndex === idx)) throw new PeerRefusal("bad-signature", "report signature from a non-signer or repeated", 422);
      entries.push({ signerIndex: idx, signature: sig });
    }
    if (entries.length < requiredSignatures(this.committee.f)) throw new PeerRefusal("bad-signature", "fewer than f+1 report signatures", 422);
    const feedIdx = report.feeds.map((x) => x.feedIndex);
    if (!this.allOnChain(feedIdx, m.epoch, m.round)) {
      const until = Date.now() + this.timing.transmitStaggerMs * (this.committee.signers.length + 1) + 5_000;
      for (const i of feedIdx) this.pending.set(i, { epoch: m.epoch, round: m.round, until });
      this.transmitter.schedule(encoded, packSignatures(entries), m.epoch, m.round, feedIdx);
    }
    return null;
  }

  private async onNewEpoch(m: InboundMessage): Promise<null> {
    const sender = this.committee.signers.indexOf(getAddress(m.from));
    const { epoch } = m.payload as { epoch: number };
    if (m.epoch !== epoch) throw new PeerRefusal("malformed", "envelope epoch and vote differ", 400);
    this.votes.record(sender, epoch);
    if (epoch < this.epoch) this.tellEpoch(sender);
    this.evaluateVotes();
    return null;
  }

  /**
   * Epoch catch-up. A node that fell behind (restarted, partitioned, started late) learns the
   * epoch from its peers: a peer that sees it behind sends it a new-epoch vote for its own
   * epoch; with f+1 such votes it joins, with 2f+1 it enters (the pacemaker's usual rules).
   */
  private readonly toldAt = new Map<number, number>();
  private askedAt = 0;

  private tellEpoch(peer: number): void {
    const now = Date.now();
    if (peer < 0 || peer === this.myIndex || now - (this.toldAt.get(peer) ?? 0) < this.timing.voteResendMs) return;
    this.toldAt.set(peer, now);
    const e = this.epoch;
    this.sendTo(peer, MSG.newEpoch, e, 0, { epoch: e }).catch(() => undefined);
  }

  private askEpochs(): void {
    const now = Date.now();
    if (now - this.askedAt < this.timing.voteResendMs) return;
    this.askedAt = now;
    const e = this.epoch;
    this.committee.signers.forEach((_s, i) => {
      if (i !== this.myIndex) this.sendTo(i, MSG.newEpoch, e, 0, { epoch: e }).catch(() => undefined);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Chain view
  // ------------------------------------------------------------------------------------------

  /** Whether every one of these feeds already holds (epoch, round) or newer on chain. */
  private allOnChain(feeds: readonly number[], epoch: number, round: number): boolean {
    return feeds.every((i) => {
      const er = this.feedER.get(i);
      return er !== undefined && compareEpochRound(er.epoch, er.round, epoch, round) >= 0;
    });
  }

  private onchainView(idx: number): OnchainView {
    const o = this.onchain.get(idx);
    return o ? { answer: o.answer, updatedAt: o.updatedAt, sinceMs: o.sinceMs } : { answer: null, updatedAt: 0, sinceMs: 0 };
  }

  /**
   * A new setConfig on chain (another committee, another digest) invalidates everything this node
   * signs: it says so once and emits "fatal"; `oracle-node start` then exits 1 so the supervisor
   * restarts it under the new config.
   */
  private async checkConfig(): Promise<void> {
    let digest: string;
    try {
      digest = (await this.reader.committee()).configDigest;
    } catch {
      return; // RPC down: the watcher already reports it
    }
    if (digest.toLowerCase() !== this.committee.configDigest.toLowerCase()) {
      this.log.fatal({ running: this.committee.configDigest, onchain: digest }, "the aggregator's config changed: restart the node to join the new committee");
      this.view.setReady(false, ["config changed on chain"]);
      this.events.emit("fatal", `config digest changed on chain to ${digest}`);
    }
  }

  private async refreshOnchain(): Promise<void> {
    const er = await this.reader.latestEpochRound();
    if (er.configDigest.toLowerCase() === this.committee.configDigest.toLowerCase()) {
      this.chainEpoch = er.epoch;
      this.chainRound = er.round;
      // No per-feed read exists: start every feed at the newest, which only makes a backup skip
      // a report older than anything this committee has sent since.
      for (const idx of this.feeds.keys()) this.feedER.set(idx, { epoch: er.epoch, round: er.round });
    }
    for (const idx of this.feeds.keys()) {
      const l = await this.reader.latest(idx);
      const confidence = l.answer === null ? null : await this.reader.latestConfidence(idx);
      this.onchain.set(idx, { answer: l.answer, updatedAt: l.updatedAt, sinceMs: startupSinceMs(l.updatedAt, Date.now()), roundId: l.roundId, confidence });
      this.view.setOnchain(idx, l.answer, confidence, l.roundId, l.updatedAt);
    }
  }

  private onTransmission(t: Transmission): void {
    if (t.configDigest.toLowerCase() !== this.committee.configDigest.toLowerCase()) return;
    const seenAt = Date.now();
    if (compareEpochRound(t.epoch, t.round, this.chainEpoch, this.chainRound) > 0) {
      this.chainEpoch = t.epoch;
      this.chainRound = t.round;
    }
    for (const u of t.feeds) {
      const er = this.feedER.get(u.feedIndex);
      if (!er || compareEpochRound(t.epoch, t.round, er.epoch, er.round) > 0) this.feedER.set(u.feedIndex, { epoch: t.epoch, round: t.round });
      const prev = this.onchain.get(u.feedIndex);
      const roundId = prev ? (BigInt(prev.roundId) + 1n).toString() : "1";
      this.onchain.set(u.feedIndex, { answer: u.answer, updatedAt: t.updatedAt, sinceMs: seenAt, roundId, confidence: u.confidence });
      this.view.setOnchain(u.feedIndex, u.answer, u.confidence, roundId, t.updatedAt, true);
      this.alarmSince.delete(u.feedIndex);
      const p = this.pending.get(u.feedIndex);
      if (p && compareEpochRound(t.epoch, t.round, p.epoch, p.round) >= 0) this.pending.delete(u.feedIndex);
      const feed = this.feeds.get(u.feedIndex);
      if (feed && this.opts.metrics) {
        this.opts.metrics.roundsTotal.inc({ feed: feed.id, outcome: "landed" });
        this.opts.metrics.onchainAnswer.set({ feed: feed.id }, Number(u.answer) / 10 ** feed.decimals);
      }
    }
    if (t.epoch > this.epoch) this.enterEpoch(t.epoch, "a report of a later epoch reached the chain", t.round);
    this.events.emit("transmission", { ...t, seenAt });
  }

  // ------------------------------------------------------------------------------------------
  // Pacemaker
  // ------------------------------------------------------------------------------------------

  private pacemakerCheck(): void {
    const snap = this.observer.current();
    const now = Date.now();
    if (this.watcher.failures > 0) {
      // This node cannot see the chain, so it cannot tell a failing leader from its own outage:
      // progress timers restart when it sees the chain again.
      this.alarmSince.clear();
      return;
    }
    let alarm = false;
    for (const [idx, feed] of this.feeds) {
      const v = snap?.feeds.get(idx)?.value ?? null;
      if (overdue(v, this.onchainView(idx), feed, now, this.timing.progressTimeoutMs)) {
        const since = this.alarmSince.get(idx);
        if (since === undefined) this.alarmSince.set(idx, now);
        else if (now - since > this.timing.progressTimeoutMs) alarm = true;
      } else {
        this.alarmSince.delete(idx);
      }
    }
    if (alarm) this.wantEpoch(this.epoch + 1, "an overdue feed was not reported in time");
    if (this.wanted > this.epoch && now - this.lastVoteAt > this.timing.voteResendMs) this.broadcastVote();
  }

  private wantEpoch(e: number, why: string): void {
    if (e <= this.wanted) return;
    this.log.warn({ epoch: this.epoch, leader: this.leaderOf(this.epoch), want: e, why }, "voting for a new epoch");
    this.wanted = e;
    this.votes.record(this.myIndex, e);
    this.broadcastVote();
    this.evaluateVotes();
  }

  private broadcastVote(): void {
    this.lastVoteAt = Date.now();
    const e = this.wanted;
    this.committee.signers.forEach((_s, i) => {
      if (i === this.myIndex) return;
      this.sendTo(i, MSG.newEpoch, e, 0, { epoch: e }).catch(() => undefined);
    });
  }

  private evaluateVotes(): void {
    const f = this.committee.f;
    const join = this.votes.joinable(f);
    if (join > this.wanted && join > this.epoch) {
      this.wanted = join;
      this.votes.record(this.myIndex, join);
      this.broadcastVote();
    }
    const enter = this.votes.enterable(f);
    if (enter > this.epoch) this.enterEpoch(enter, "2f+1 oracles voted for it");
  }

  private enterEpoch(e: number, why: string, chainRound?: number): void {
    if (e < this.epoch) return;
    const changed = e !== this.epoch;
    this.epoch = e;
    const stored = Number(this.store.getValue(this.roundKey(e)) ?? 0);
    const onChain = e === this.chainEpoch ? this.chainRound : 0;
    this.leaderRound = Math.max(this.leaderRound * (changed ? 0 : 1), stored, onChain, chainRound ?? 0);
    this.store.setValue(this.epochKey(), String(e));
    if (this.wanted < e) this.wanted = e;
    this.votes.prune(e);
    const now = Date.now();
    for (const k of this.alarmSince.keys()) this.alarmSince.set(k, now);
    const leader = this.leaderOf(e);
    this.view.setEpoch(e, leader);
    if (changed || why === "startup") {
      this.log.info({ epoch: e, leader, isLeader: leader === this.myIndex, why }, "entered epoch");
      this.events.emit("epoch", e, leader);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Misc
  // ------------------------------------------------------------------------------------------

  private onSnapshot(s: ObservationSnapshot): void {
    this.view.setSnapshot(s);
    this.events.emit("snapshot", s);
    for (const [idx, o] of s.feeds) {
      const feed = this.feeds.get(idx)!;
      const m = this.opts.metrics;
      if (!m) continue;
      if (o.value === null) m.refusalsTotal.inc({ feed: feed.id, reason: o.result.refusedReason ?? "refused" });
      for (const d of o.result.dropped) m.sourceDropsTotal.inc({ feed: feed.id, source: d.source, reason: d.reason.split(" ")[0] });
      for (const sc of o.result.scores ?? []) if (Number.isFinite(sc.score)) m.modelScore.observe({ feed: feed.id }, sc.score);
      for (const src of o.sources) if (src.quote) m.quotesTotal.inc({ feed: feed.id, source: src.id });
    }
    this.saveFilterState(false);
  }

  private saveFilterState(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastFilterSave < this.timing.filterSaveIntervalMs) return;
    this.lastFilterSave = now;
    try {
      this.store.saveFilterState("filter", Buffer.from(JSON.stringify(this.observer.filterState.toJSON()), "utf8"));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "filter state not saved");
    }
  }

  /**
   * Sends to committee member `index` and records what the exchange says about its health, on
   * every node and whatever the round does with the answer (a late one still proves liveness).
   */
  private sendTo(index: number, type: string, epoch: number, round: number, payload: unknown, log: Logger = this.log): Promise<InboundMessage | null> {
    return this.net.send(this.committee.signers[index], type, epoch, round, payload, this.timing.roundTimeoutMs).then(
      (reply) => {
        this.peerSeen(index);
        return reply;
      },
      (err: unknown) => {
        this.peerFailed(index, err, log);
        throw err;
      },
    );
  }

  /** Wraps an inbound handler: the transport calls it only for an authenticated, fresh message from a peer. */
  private heard<T>(handler: (m: InboundMessage) => Promise<T>): (m: InboundMessage) => Promise<T> {
    return (m) => {
      this.peerSeen(this.committee.signers.indexOf(getAddress(m.from)));
      return handler(m);
    };
  }

  /** Last exchange (or probe sent) per committee index, for `probePeers`. */
  private readonly peerContactAt = new Map<number, number>();

  /** Pings every peer this node has neither heard from nor probed within this.timing.peerProbeMs. */
  private probePeers(now = Date.now()): void {
    this.committee.signers.forEach((_s, i) => {
      if (i === this.myIndex || now - (this.peerContactAt.get(i) ?? 0) < this.timing.peerProbeMs) return;
      this.peerContactAt.set(i, now);
      this.sendTo(i, MSG.ping, this.epoch, 0, {}).catch(() => undefined);
    });
  }

  private peerSeen(index: number): void {
    if (index < 0 || index === this.myIndex) return;
    this.peerContactAt.set(index, Date.now());
    this.view.peerOk(index);
    this.opts.metrics?.peerUp.set({ peer: this.committee.signers[index] }, 1);
  }

  /** A refusal (4xx) comes from a reachable peer; a timeout, an unreachable URL, a 5xx or a bad reply marks it down. */
  private peerFailed(index: number, err: unknown, log: Logger): void {
    const msg = err instanceof PeerSendError ? `${err.code}: ${err.message}` : (err as Error)?.message ?? String(err);
    if (err instanceof PeerSendError && err.status !== null && err.status >= 400 && err.status < 500) {
      this.view.peerRefused(index, msg);
      log.debug({ peer: index, err: msg }, "peer refused");
      return;
    }
    this.view.peerError(index, msg);
    this.opts.metrics?.peerUp.set({ peer: this.committee.signers[index] }, 0);
    log.debug({ peer: index, err: msg }, "peer did not answer");
  }

  /** The collector's error callback: peers' failures are recorded by `sendTo`, this node's own are logged. */
  private ownFailed(index: number, err: unknown, log: Logger): void {
    if (index === this.myIndex) log.debug({ err: (err as Error)?.message ?? String(err) }, "own contribution to the round failed");
  }

  private epochKey(): string {
    return `epoch:${this.committee.configDigest}`;
  }

  private roundKey(epoch: number): string {
    return `round:${this.committee.configDigest}:${epoch}`;
  }

  private async retryRpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.timing.startupRpcDeadlineMs;
    let delay = 250;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`could not ${what}: ${(err as Error).message}`);
        this.log.warn({ err: (err as Error).message }, `could not ${what}, retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, 4_000);
      }
    }
  }
}
