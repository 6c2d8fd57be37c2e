/**
 * The headless demo's result: one JSON line,
 * {"sla":[{"oracle":i,"inclusionRate":r,"rewardsAccrued":"1.23",...}],"feeds":[{"id":...,"rounds":N,"answer":"...","fair":"...","dropped":{"source":count}}]},
 * with `--chains 2` also "chains":[{"chainId":N,"feeds":[{"id":...,"rounds":N,"answer":"..."}]}]
 * for every chain (the first one included).
 * answer and fair are exact decimal strings; dropped counts the rounds of the reporting node in
 * which each source was left out (failures and filter verdicts together).
 */
export interface FeedSummary {
  id: string;
  rounds: number;
  answer: string;
  fair: string;
  dropped: Record<string, number>;
}

export interface ChainSummary {
  chainId: number;
  feeds: Array<{ id: string; rounds: number; answer: string }>;
}

/**
 * One oracle's SLA as node-1 saw it (its recent landed reports): inclusion and signature share 0..1;
 * rewardsAccrued: reward tokens it earned since the economics were deployed, from OracleRewards
 * (whole tokens, decimal text; null when unknown).
 */
export interface OracleSummary {
  oracle: number;
  inclusionRate: number | null;
  rewardsAccrued: string | null;
  signatureShare: number | null;
  transmissions: number;
  deviationP95Bps: number | null;
}

export function summaryLine(feeds: FeedSummary[], chains: ChainSummary[] = [], sla?: OracleSummary[]): string {
  return JSON.stringify({
    ...(sla ? { sla } : {}),
    feeds: feeds.map((f) => ({
      id: f.id,
      rounds: f.rounds,
      answer: f.answer,
      fair: f.fair,
      dropped: Object.fromEntries(
        Object.entries(f.dropped)
          .filter(([, n]) => n > 0)
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    })),
    ...(chains.length > 1 ? { chains } : {}),
  });
}
