import { getAddress } from "ethers";
import { MSG, ObservationReplySchema, ReportSignatureSchema, type FinalReport, type ReportProposal } from "../../oracle-node/src/protocol/messages";
import { observationSigner } from "../../oracle-node/src/protocol/observation";
import { buildReportProposal, type CollectedObservation } from "../../oracle-node/src/protocol/build-report";
import { packSignatures, recoverSigner } from "../../oracle-node/src/protocol/report";
import { requiredSignatures } from "../../oracle-node/src/protocol/report-answer";
import { encodeAndDigest, toReport } from "../../oracle-node/src/protocol/signed-report";
import { outcome, sleep, type Tally, type Wire } from "./adversary-wire";

/**
 * What a faulty member does in an epoch it leads: it asks for observations (back to back with
 * `notBefore = now`, for notbefore-spam), proposes a report stamped 15 s ahead
 * (future-timestamp-leader), proposes a second report for the same (epoch, round)
 * (equivocation), keeps the final report instead of sending it (withheld, for the replay
 * attacks), and asks for a fresh report in every further round of the epoch for the same due
 * event (resign-spam). Every signature an honest member gives is kept as evidence: two different
 * report digests signed by one member for one (epoch, round) is an equivocation.
 */
export interface Withheld {
  epoch: number;
  round: number;
  payload: FinalReport;
  encoded: string;
  signatures: string;
  at: number;
  transmitted?: boolean;
}

export interface LeaderState {
  wire: Wire;
  tally: Tally;
  on: (attack: string) => boolean;
  withheld: Withheld[];
  /** `${signer}|${epoch}|${round}` -> report digests that signer signed. */
  evidence: Map<string, Set<string>>;
}

/** Inside the 20 s skew followers accepted before issue 13; the defence allows a few seconds. */
const FUTURE_SECONDS = 15;
const NOTBEFORE_SPAM = 25;
const ROUND_GAP_MS = 300;
const MAX_ROUND = 255;

export function recordSignature(s: LeaderState, signer: string, epoch: number, round: number, digest: string): void {
  const key = `${getAddress(signer)}|${epoch}|${round}`;
  const set = s.evidence.get(key) ?? new Set<string>();
  set.add(digest);
  s.evidence.set(key, set);
}

/** Observe requests to every follower; the verified observations that came back. */
async function observe(s: LeaderState, epoch: number, round: number): Promise<CollectedObservation[]> {
  const { wire, tally } = s;
  const ctx = { configDigest: wire.spec.configDigest, epoch, round };
  // The spam runs in the first rounds of an epoch only: later rounds are for the other attacks.
  const spam = s.on("notbefore-spam") && round <= 2 ? NOTBEFORE_SPAM : 1;
  const out: CollectedObservation[] = [];
  await Promise.all(
    wire.peers.map(async ([to, url]) => {
      for (let k = 0; k < spam; k++) {
        const { r, reply } = await wire.send(to, url, MSG.observeRequest, epoch, round, { feeds: wire.spec.feeds, notBefore: Date.now() });
        if (spam > 1) tally.add("notbefore-spam", outcome(r));
        const parsed = reply ? ObservationReplySchema.safeParse(reply.payload) : null;
        if (!parsed?.success) continue;
        const observer = wire.spec.signers.findIndex((a) => getAddress(a) === getAddress(to));
        for (const o of parsed.data.observations) {
          const value = BigInt(o.value);
          if (
            observationSigner(ctx, o.feedIndex, value, o.signature) === getAddress(to) &&
            !out.some((x) => x.observer === observer && x.feedIndex === o.feedIndex)
          ) {
            out.push({ observer, feedIndex: o.feedIndex, value, signature: o.signature });
          }
        }
      }
    }),
  );
  return out;
}

/** Sends one proposal to every follower; the signatures over its digest, by signer index. */
async function propose(
  s: LeaderState,
  attack: string,
  epoch: number,
  round: number,
  p: ReportProposal,
): Promise<{ sigs: Map<number, string>; digest: string; encoded: string } | null> {
  const { wire, tally } = s;
  let signed: { encoded: string; digest: string };
  try {
    signed = encodeAndDigest(toReport(wire.spec.configDigest, epoch, round, p), wire.spec.chainId, wire.spec.aggregator);
  } catch {
    return null;
  }
  const sigs = new Map<number, string>();
  await Promise.all(
    wire.peers.map(async ([to, url]) => {
      const { r, reply } = await wire.send(to, url, MSG.reportProposal, epoch, round, p);
      const sig = reply ? ReportSignatureSchema.safeParse(reply.payload) : null;
      if (!sig?.success) return void tally.add(attack, outcome(r));
      try {
        if (recoverSigner(signed.digest, sig.data.signature) !== getAddress(to)) return void tally.add(attack, "bad-signature");
      } catch {
        return void tally.add(attack, "bad-signature");
      }
      tally.add(attack, "signed");
      recordSignature(s, to, epoch, round, signed.digest);
      sigs.set(
        wire.spec.signers.findIndex((a) => getAddress(a) === getAddress(to)),
        sig.data.signature,
      );
    }),
  );
  return { sigs, ...signed };
}

/** One round as a faulty leader; true when f+1 members signed its report. */
async function leadRound(s: LeaderState, epoch: number, round: number, attack: string): Promise<boolean> {
  const { wire } = s;
  const collected = await observe(s, epoch, round);
  const nowSec = Math.floor(Date.now() / 1000);
  const ts = attack === "future-timestamp-leader" ? nowSec + FUTURE_SECONDS : nowSec;
  const { proposal } = buildReportProposal(collected, wire.spec.feeds, wire.spec.f, ts);
  if (!proposal) return false;
  const first = await propose(s, attack, epoch, round, proposal);
  if (s.on("equivocation")) await propose(s, "equivocation", epoch, round, { ...proposal, observationsTimestamp: ts - 1 });
  if (!first || first.sigs.size < requiredSignatures(wire.spec.f)) return false;
  const entries = [...first.sigs].slice(0, requiredSignatures(wire.spec.f)).map(([signerIndex, signature]) => ({ signerIndex, signature }));
  const payload: FinalReport = {
    observationsTimestamp: proposal.observationsTimestamp,
    feeds: proposal.feeds.map((x) => ({ feedIndex: x.feedIndex, observers: x.observers, observations: x.observations })),
    signatures: entries.map((e) => e.signature),
  };
  const withhold = s.on("withheld-final-report-replay") || s.on("stale-report-replay");
  if (withhold) {
    s.withheld.push({ epoch, round, payload, encoded: first.encoded, signatures: packSignatures(entries), at: Date.now() });
    if (s.withheld.length > 20) s.withheld.shift();
  } else {
    await Promise.all(wire.peers.map(([to, url]) => wire.send(to, url, MSG.finalReport, epoch, round, payload)));
  }
  return true;
}

/**
 * The faulty leader's whole epoch: a round every ROUND_GAP_MS for as long as the committee stays
 * in it (followers refuse "not-due" until a market moves, so it waits for a due event). Odd
 * rounds are stamped ahead (future-timestamp-leader); every report signed after the first is a
 * new report for the same due event (resign-spam).
 */
export async function leadEpoch(s: LeaderState, epoch: number, current: () => number, running: () => boolean): Promise<void> {
  let signed = 0;
  for (let round = 1; round <= MAX_ROUND && current() === epoch && running(); round++) {
    const attack = s.on("future-timestamp-leader") && round % 2 === 1 ? "future-timestamp-leader" : signed > 0 ? "resign-spam-proposal" : "proposal";
    const ok = await leadRound(s, epoch, round, attack);
    s.tally.add("rounds-led", ok ? "signed" : "refused");
    if (ok && signed > 0) s.tally.add("resign-spam", "report-signed-again");
    if (ok) signed += 1;
    if (ok && !s.on("resign-spam")) return;
    await sleep(ROUND_GAP_MS);
  }
}
