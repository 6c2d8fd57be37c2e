import { readFileSync, readdirSync } from "node:fs";
import { makeProvider } from "../../oracle-node/src/chain/provider";
import { TransmissionWatcher, type Transmission } from "../../oracle-node/src/chain/transmission-watcher";
import { fromFeedUnits, parseDecimal } from "../../oracle-node/src/quotes/decimal";
import { deviates } from "../../oracle-node/src/protocol/round-decision";
import type { Committee, FeedPlan } from "../../test/e2e/harness/committee";

/**
 * The chaos bench's view of the chain: every transmission read back (the bench's own RPC
 * connection, not the nodes' proxy), each feed answer judged against the simulator's fair price:
 * a wrong answer is one further than the feed's tolerance from every fair price the feed had in
 * the last FAIR_WINDOW_MS (a report built just before a move may land just after it).
 */
const WATCH_MS = 50;
const FAIR_WINDOW_MS = 15_000;

export interface ChainWatch {
  answers: Map<number, bigint>;
  landed(): number;
  /** Epoch of the newest transmission read (0 before any). */
  lastEpoch(): number;
  wrong: Array<{ feedIndex: number; answer: string; fair: string[]; epoch: number; round: number }>;
  /** (epoch, round) pairs that landed more than once with different reports: equivocation on chain. */
  duplicateRounds(): number;
  /** Resolves true once `cond` holds after a read of the chain, false after timeoutMs. */
  until(cond: () => boolean, timeoutMs: number): Promise<boolean>;
  /** Notes the fair price of feed k now (call after each market move). */
  noteFair(k: number): void;
  stop(): Promise<void>;
}

export async function watchChain(c: Committee, feeds: FeedPlan[]): Promise<ChainWatch> {
  const provider = makeProvider(c.chain.url, c.chain.chainId);
  const watcher = new TransmissionWatcher(provider, c.deployment.aggregator);
  await watcher.init(0);
  const answers = new Map<number, bigint>();
  const fairs = feeds.map(() => [] as Array<{ at: number; price: bigint }>);
  const noteFair = (k: number) => {
    fairs[k].push({ at: Date.now(), price: parseDecimal(c.sim.fairPrice(feeds[k].pair)) });
    while (fairs[k].length > 2 && fairs[k][1].at < Date.now() - FAIR_WINDOW_MS) fairs[k].shift();
  };
  const wrong: ChainWatch["wrong"] = [];
  const rounds = new Map<string, string>();
  let duplicates = 0;
  let landed = 0;
  let lastEpoch = 0;
  let watching = true;
  const waiters: Array<() => void> = [];
  const judge = (t: Transmission) => {
    const key = `${t.epoch}:${t.round}`;
    const content = JSON.stringify(t.feeds.map((u) => [u.feedIndex, u.answer.toString(), u.observationsTimestamp]));
    if (rounds.has(key) && rounds.get(key) !== content) duplicates += 1;
    rounds.set(key, content);
    for (const u of t.feeds) {
      answers.set(u.feedIndex, u.answer);
      noteFair(u.feedIndex);
      const tol = feeds[u.feedIndex].toleranceBps ?? 100;
      const a = fromFeedUnits(u.answer, feeds[u.feedIndex].decimals);
      if (fairs[u.feedIndex].every((f) => deviates(a, f.price, tol))) {
        wrong.push({ feedIndex: u.feedIndex, answer: a.toString(), fair: fairs[u.feedIndex].map((f) => f.price.toString()), epoch: t.epoch, round: t.round });
      }
    }
  };
  const loop = (async () => {
    while (watching) {
      try {
        for (const t of await watcher.poll()) {
          landed += 1;
          lastEpoch = Math.max(lastEpoch, t.epoch);
          judge(t);
        }
      } catch {
        /* the bench's own read failed: retried next time from the same block */
      }
      for (const w of waiters.splice(0)) w();
      await new Promise((r) => setTimeout(r, WATCH_MS));
    }
  })();
  feeds.forEach((_, k) => noteFair(k));
  return {
    answers,
    landed: () => landed,
    lastEpoch: () => lastEpoch,
    wrong,
    duplicateRounds: () => duplicates,
    noteFair,
    until: async (cond, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) return false;
        await new Promise<void>((r) => waiters.push(r));
      }
      return true;
    },
    stop: async () => {
      watching = false;
      await loop;
      provider.destroy();
    },
  };
}

/** Resident set size of a process in kB (Linux /proc), or null when it is gone. */
export function rssKb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The soft limit on open files of a process (Linux /proc), or null when it is gone. */
export function fdLimit(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** How many files a process has open right now (Linux /proc), or null when it is gone. */
export function openFds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}
