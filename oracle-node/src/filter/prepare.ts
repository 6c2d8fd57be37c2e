import type { Quote } from "../quotes/quote";
import { validateQuote } from "../quotes/validate";

/** A quote source's answer older than this (by its own timestamp) is stale: a few round intervals. */
export const MAX_QUOTE_AGE_MS = 120_000;

export interface PreparedRound {
  /** Valid quotes, one per source, in input order. */
  valid: Quote[];
  /** Quotes removed before scoring, with the reason. */
  rejected: { source: string; reason: string }[];
}

/**
 * The first filter stage, shared by the node, the backtest and the training generator:
 * validateQuote on every quote, and one quote per source (a second quote from the same source in
 * one round is rejected, never averaged in).
 */
export function prepareRound(quotes: readonly Quote[], now: number, maxAgeMs = MAX_QUOTE_AGE_MS): PreparedRound {
  const valid: Quote[] = [];
  const rejected: { source: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const q of quotes) {
    if (seen.has(q.source)) {
      rejected.push({ source: q.source, reason: "duplicate source in round" });
      continue;
    }
    seen.add(q.source);
    const issue = validateQuote(q, { now, maxAgeMs });
    if (issue) rejected.push({ source: q.source, reason: `${issue.failure}: ${issue.reason}` });
    else valid.push(q);
  }
  return { valid, rejected };
}
