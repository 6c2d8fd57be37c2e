import { computeAddress, getAddress, type JsonRpcApiProvider } from "ethers";
import { silentLogger, type Logger } from "../log/logger";
import { createFilter, type RoundFilter } from "../filter/pipeline";
import { AggregatorReader, type Committee } from "../chain/aggregator";
import { ChainView } from "../chain/chain-view";
import { makeChainProvider } from "../chain/provider-pool";
import { TransmissionWatcher } from "../chain/transmission-watcher";
import { TxManager } from "../chain/tx-manager";
import { Telemetry } from "../metrics/telemetry";
import { MESSAGE_SCHEMAS, MSG } from "../protocol/messages";
import { transmitPosition } from "../protocol/leader";
import { Pacemaker } from "../protocol/pacemaker";
import { overdue, pullOverdue } from "../protocol/round-decision";
import { openStore, type NodeStore } from "../store/node-store";
import { PeerNetwork } from "../transport/peer-network";
import { sleep, type NodeContext } from "./context";
import { NO_FAULTS, type FaultHooks } from "./fault-hooks";
import { DEFAULT_ROUNDS_PER_SIGNER } from "../economics/equivocation";
import { FilterStateSaver, loadFilterState } from "./filter-store";
import { PullReportStore } from "../pull/report-store";
import { Follower } from "./follower";
import { inboxHandlers } from "./inbox";
import { LeaderRound } from "./leader-round";
import { NodeView } from "./node-view";
import { Observer } from "./observer";
import { PeerHealth } from "./peer-health";
import { PollSchedule } from "./poll-schedule";
import { DEFAULT_TIMING, type RuntimeOptions, type RuntimeTiming } from "./options";
import { Transmitter } from "./transmitter";
import { Evidence } from "./evidence";
import { SlaTracker } from "./sla-tracker";
import { fetchEconomicsTotals } from "../economics/economics-events";
import { slaJson } from "../economics/sla-format";
import { proofSubmitter } from "./proof-submitter";

/**
 * Builds a node's parts from its runtime options: opens the store, the chain connection and the
 * filter, reads the committee and the feeds from the chain (retrying while the RPC comes up),
 * and connects the parts to each other. Nothing listens or loops yet: `OracleNode.start()` does.
 */
export interface NodeParts {
  ctx: NodeContext;
  listenHost: string;
  peerUrls: ReadonlyMap<string, string>;
  store: NodeStore;
  provider: { destroy(): void };
  filter: RoundFilter;
  observer: Observer;
  polls: PollSchedule;
  view: NodeView;
  telemetry: Telemetry;
  chain: ChainView;
  pacemaker: Pacemaker;
  peers: PeerHealth;
  net: PeerNetwork;
  follower: Follower;
  leader: LeaderRound;
  transmitter: Transmitter;
  filterSaver: FilterStateSaver;
  faults: FaultHooks;
  /** The signed reports this node serves to pull consumers (api/reports.ts). */
  reports: PullReportStore;
  evidence: Evidence;
  sla: SlaTracker;
}

export async function assembleNode(opts: RuntimeOptions, faults: FaultHooks = NO_FAULTS): Promise<NodeParts> {
  const address = getAddress(computeAddress(opts.key.publicKey));
  const log = (opts.logger ?? silentLogger).child({ node: opts.name });
  const timing: RuntimeTiming = { ...DEFAULT_TIMING, ...opts.timing };
  const feeds = new Map(opts.feeds.map((f) => [f.feedIndex, f]));
  const view = new NodeView(opts.name, address, opts.feeds, opts.chainId);
  const telemetry = new Telemetry(feeds, opts.metrics);
  // First: a poll interval that cannot be scheduled is a config error, before anything opens.
  const polls = new PollSchedule({
    targets: opts.feeds.map((f) => ({ key: f.feedIndex, name: f.id, intervalMs: f.pollIntervalMs ?? timing.pollIntervalMs })),
    poll: async (keys) => {
      await observer.refresh(keys);
    },
    pollAtStart: true,
    logger: log,
  });
  const store = openStore(opts.databasePath);
  const provider = await makeChainProvider(opts, log, (states) => (view.setRpcProviders(states), telemetry.rpcProviders(states)));
  const reader = new AggregatorReader(provider, opts.aggregator);
  const retry = <T>(what: string, fn: () => Promise<T>) => retryRpc(what, fn, timing.startupRpcDeadlineMs, log);
  const committee = await retry("read the committee", () => reader.committee());
  const myIndex = committee.signers.findIndex((s) => s === address);
  if (myIndex < 0) throw new Error(`node key ${address} is not a signer in the aggregator's config ${committee.configDigest}`);
  if (committee.transmitters[myIndex] !== address) {
    log.warn({ transmitter: committee.transmitters[myIndex] }, "this node's key is not its transmitter: it will not transmit");
  }
  const peerUrls = peerUrlsOf(opts, committee, address, log);
  const ctx: NodeContext = {
    name: opts.name,
    address,
    key: opts.key,
    chainId: opts.chainId,
    aggregator: opts.aggregator,
    committee,
    myIndex,
    feeds,
    timing,
    log,
  };
  const filter = await createFilter(opts.filter);
  const observer = new Observer(opts.feeds, filter, loadFilterState(store, log), timing.sourceTimeoutMs, log, opts.sourcePolicy, opts.quoteConversion);
  const filterSaver = new FilterStateSaver(store, observer.filterState, timing.filterSaveIntervalMs, log);
  observer.onSnapshot = (s) => {
    view.setSnapshot(s);
    telemetry.snapshot(s);
    filterSaver.save(false);
  };
  if (opts.metrics) observer.onSourceResponse = (source, seconds, outcome) => telemetry.sourceResponse(source, seconds, outcome);
  const watcher = new TransmissionWatcher(provider, opts.aggregator, log);
  const chain = new ChainView({
    configDigest: committee.configDigest,
    feeds: [...feeds.keys()],
    committeeSize: committee.signers.length,
    transmitStaggerMs: timing.transmitStaggerMs,
    reader,
    watcher,
    sink: view,
  });
  await retry("read the feeds", () => chain.refresh());
  await retry("read the head block", () => watcher.init());
  const base = {
    ctx,
    store,
    provider,
    filter,
    observer,
    polls,
    view,
    telemetry,
    chain,
    watcher,
    reader,
    peerUrls,
    faults,
    filterSaver,
    listenHost: opts.listenHost,
  };
  return connect(base, opts);
}

type Base = Omit<NodeParts, "pacemaker" | "peers" | "net" | "follower" | "leader" | "transmitter" | "provider" | "reports" | "evidence" | "sla"> & {
  provider: JsonRpcApiProvider;
  watcher: TransmissionWatcher;
  reader: AggregatorReader;
};

/** Epochs and the pacemaker, voting through the peers' health-recording sender. */
function pacemakerOf(b: Base, peers: PeerHealth, reports: PullReportStore): Pacemaker {
  const { ctx, view, telemetry, chain, observer } = b;
  const { committee, timing, log, myIndex } = ctx;
  return new Pacemaker({
    committee,
    myIndex,
    store: b.store,
    timing,
    feeds: [...ctx.feeds.keys()],
    overdueFeeds: (now) => overdueFeeds(ctx, observer, chain, reports, now),
    chainBlind: () => chain.blind,
    chainProgress: () => chain.progress(),
    sendVote: (to, e) => void peers.send(to, MSG.newEpoch, e, 0, { epoch: e }).catch(() => undefined),
    onEnter: (e, leader, announce) => {
      view.setEpoch(e, leader);
      if (announce) telemetry.events.emit("epoch", e, leader);
    },
    log,
  });
}

/** The protocol parts, each given the others it talks to. */
function connect(b: Base, opts: RuntimeOptions): NodeParts {
  const { ctx, view, telemetry, chain, observer } = b;
  const { committee, timing, log, myIndex } = ctx;
  const peers: PeerHealth = new PeerHealth({
    // The network is built below, with the handlers that need these parts; nothing sends before it exists.
    net: { send: (...args) => net.send(...args) },
    signers: committee.signers,
    myIndex,
    timeoutMs: timing.roundTimeoutMs,
    probeMs: timing.peerProbeMs,
    sink: view,
    peerUp: (peer, up) => telemetry.peerUp(peer, up),
    log,
  });
  const reports = new PullReportStore({ historySeconds: timing.pullHistorySeconds, feeds: ctx.feeds });
  const pacemaker = pacemakerOf(b, peers, reports);
  pacemaker.startup();
  const { transmitter, evidence } = sendersOf(b, opts);
  const follower = new Follower({
    ctx,
    store: b.store,
    observer,
    pacemaker,
    chain,
    transmitter,
    reports,
    observed: (i) => telemetry.observed(i),
    faults: b.faults,
    evidence,
  });
  const net: PeerNetwork = new PeerNetwork({
    key: opts.key,
    host: opts.listenHost,
    port: opts.listenPort,
    configDigest: () => committee.configDigest,
    isPeer: (a) => committee.signers.includes(getAddress(a)),
    peerUrl: (a) => b.peerUrls.get(getAddress(a)),
    schemas: MESSAGE_SCHEMAS,
    // Accepted nonces persist in the node's SQLite file: a captured envelope stays refused after a restart.
    replayStore: b.store.openNonceLog(),
    handlers: inboxHandlers({ signers: committee.signers, follower, pacemaker, heard: (h) => peers.heard(h) }),
    logger: log,
    onReject: (r) => telemetry.peerRejected(r),
  });
  const leader = new LeaderRound({
    ctx,
    observer,
    chain,
    pacemaker,
    peers,
    self: follower,
    transmitter,
    reports,
    telemetry,
    traffic: () => net.snapshot(),
    faults: b.faults,
    evidence,
  });
  return { ...baseParts(b), pacemaker, peers, net, follower, leader, transmitter, reports, evidence, sla: slaTrackerOf(b, opts, evidence) };
}

/** The parts assembled before the network is connected, as NodeParts carries them. */
function baseParts(b: Base) {
  const { ctx, listenHost, peerUrls, store, provider, filter, observer, polls, view, telemetry, chain, filterSaver, faults } = b;
  return { ctx, listenHost, peerUrls, store, provider, filter, observer, polls, view, telemetry, chain, filterSaver, faults };
}

/** The live SLA view, fed by the watch loop; its rows go to the dashboard's state (and from there to /metrics). */
function slaTrackerOf(b: Base, opts: RuntimeOptions, evidence: Evidence): SlaTracker {
  const { address: staking, rewards } = opts.economics ?? {};
  const sources = { provider: b.provider, aggregator: opts.aggregator, staking: staking ?? null, rewards: rewards ?? null };
  return new SlaTracker({
    ctx: b.ctx,
    // Rewards accrued and claimed, slashes and reimbursements, from the economics contracts' events.
    economics: staking || rewards ? (from, to) => fetchEconomicsTotals(sources, from, to) : undefined,
    tx: (hash) => b.provider.getTransaction(hash),
    receipt: (hash) => b.provider.getTransactionReceipt(hash),
    evidence,
    onUpdate: (sla) => b.view.setSla(slaJson(sla)),
    log: b.ctx.log,
  });
}

/** The transmitter and the equivocation evidence, over the node's one transaction manager. */
function sendersOf(b: Base, opts: RuntimeOptions): { transmitter: Transmitter; evidence: Evidence } {
  const txm = txManagerOf(b, opts);
  return { transmitter: transmitterOf(b, opts, txm), evidence: evidenceOf(b, opts, txm) };
}

/** The node's one transaction manager: transmissions and equivocation proofs share its nonce sequence. */
function txManagerOf(b: Base, opts: RuntimeOptions): TxManager {
  const { committee, timing, log } = b.ctx;
  return new TxManager({
    provider: b.provider,
    key: opts.key,
    chainId: opts.chainId,
    iface: b.reader.iface,
    confirmations: opts.confirmations,
    maxFeePerGasCap: opts.maxFeePerGasCap,
    logger: log,
    sendDeadlineMs: Math.max(30_000, timing.transmitStaggerMs * committee.signers.length * 2),
  });
}

/** Equivocation evidence; proofs go to the economics contract when one is configured and submitProofs is on. */
function evidenceOf(b: Base, opts: RuntimeOptions, txm: TxManager): Evidence {
  const e = opts.economics ?? {};
  const submit = e.address && e.submitProofs !== false ? proofSubmitter(txm, e.address) : undefined;
  return new Evidence({
    ctx: b.ctx,
    maxRoundsPerSigner: e.evidenceRoundsPerSigner ?? DEFAULT_ROUNDS_PER_SIGNER,
    submit,
    onProof: (proof, submitted) => b.telemetry.equivocation(proof.signerIndex, submitted),
    log: b.ctx.log,
  });
}

/** The staggered transmitter over this node's own transaction manager. */
function transmitterOf(b: Base, opts: RuntimeOptions, txm: TxManager): Transmitter {
  const { ctx, view, telemetry, chain } = b;
  const { committee, timing, log, myIndex } = ctx;
  return new Transmitter({
    txm,
    store: b.store,
    view,
    events: telemetry.events,
    metrics: opts.metrics,
    feeds: ctx.feeds,
    aggregator: opts.aggregator,
    log,
    staggerMs: timing.transmitStaggerMs,
    position: (epoch) => transmitPosition(myIndex, epoch, committee.signers.length, committee.configDigest),
    allOnChain: (feeds, epoch, round) => chain.allOnChain(feeds, epoch, round),
    settled: (feeds, epoch, round) => chain.clearPending(feeds, epoch, round),
    enabled: committee.transmitters[myIndex] === ctx.address,
  });
}

/** Feeds this node sees overdue (the pacemaker's alarm input): push rules against the chain, and pull feeds without a fresh signed report. */
function overdueFeeds(ctx: NodeContext, observer: Observer, chain: ChainView, reports: PullReportStore, now: number): Set<number> {
  const snap = observer.current();
  const out = new Set<number>();
  const grace = ctx.timing.progressTimeoutMs;
  for (const [idx, feed] of ctx.feeds) {
    const v = snap?.feeds.get(idx)?.value ?? null;
    if (overdue(v, chain.onchainView(idx), feed, now, grace)) out.add(idx);
    else if (feed.pull && pullOverdue(v !== null, reports.silentMs(idx), feed.pollIntervalMs ?? ctx.timing.pollIntervalMs, grace)) out.add(idx);
  }
  return out;
}

/** The configured peers by on-chain signer address, each checked against the committee. */
function peerUrlsOf(opts: RuntimeOptions, committee: Committee, self: string, log: Logger): Map<string, string> {
  const urls = new Map<string, string>();
  for (const p of opts.peers) {
    const onchain = committee.signers[p.index];
    if (!onchain) throw new Error(`peer index ${p.index} is outside the committee of ${committee.signers.length}`);
    if (p.address && getAddress(p.address) !== onchain) throw new Error(`peer ${p.index} is configured as ${p.address} but the on-chain signer is ${onchain}`);
    urls.set(onchain, p.url.replace(/\/+$/, ""));
  }
  for (const s of committee.signers) {
    if (s !== self && !urls.has(s)) log.warn({ peer: s }, "on-chain signer has no peer URL in the config");
  }
  return urls;
}

/** Retries a startup read with back-off (250 ms doubling to 4 s) until `deadlineMs` has passed. */
export async function retryRpc<T>(what: string, fn: () => Promise<T>, deadlineMs: number, log: Logger): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let delay = 250;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not ${what}: ${(err as Error).message}`);
      log.warn({ err: (err as Error).message }, `could not ${what}, retrying`);
      await sleep(delay);
      delay = Math.min(delay * 2, 4_000);
    }
  }
}
