import { compareBig } from "../aggregate/median";
import { PRICE_SCALE, type Fixed } from "./decimal";
import type { Quote } from "./quote";

/**
 * Quote-currency conversion, the stage between the sources and a feed's filter. A source quotes a
 * pair in its book's currency (BTC/USDT on Binance, BTC/USD on Kraken). A feed whose pair is
 * quoted in F (BTC/USD) takes a quote in another currency C only through a rate feed C/F
 * (USDT/USD) that the node filtered in the same round: price_F = price_C x rate. When the rate is
 * not trustworthy this round the quote is dropped, never taken at par. Currencies without a rate
 * feed in the config pass unconverted (the pre-conversion behaviour: USDT read as USD).
 *
 * The trust rule (docs/architecture.md#quote-currencies), on the rate feed's filter result:
 * - it has an observation (the filter did not refuse), from at least `minRateSources` kept quotes;
 * - its kept quotes agree: (max - min) / median <= `maxRateDispersionBps`.
 * Anything else (a venue reporting USDT/USD 0 or 1e9 that the filter kept, too few USD venues
 * answering, USD venues disagreeing during a fast depeg) means no rate, and the quotes that need
 * it are dropped with the reason.
 */
export interface QuoteConversionRule {
  /** Currency -> id of the feed whose answer is its rate ("USDT" -> "USDT/USD"). */
  rates: Readonly<Record<string, string>>;
  /** Fewest kept quotes behind a rate this round. */
  minRateSources: number;
  /** Largest spread of the rate's kept quotes, basis points of their median. */
  maxRateDispersionBps: number;
}

/** The parts of a rate feed's filter result the trust rule reads. */
export interface RateFeedResult {
  observation: Fixed | null;
  kept: ReadonlyArray<Pick<Quote, "price">>;
  refusedReason?: string;
}

export type RateVerdict = { rate: Fixed; reason?: undefined } | { rate: null; reason: string };

/** Applies the trust rule to one rate feed's round result. */
export function trustRate(feedId: string, r: RateFeedResult | undefined, rule: QuoteConversionRule): RateVerdict {
  if (!r) return { rate: null, reason: `no ${feedId} round` };
  if (r.observation === null || r.observation <= 0n) return { rate: null, reason: `${feedId} refused: ${r.refusedReason ?? "no observation"}` };
  if (r.kept.length < rule.minRateSources) {
    return { rate: null, reason: `${feedId} from ${r.kept.length} sources (minimum ${rule.minRateSources})` };
  }
  const prices = r.kept.map((q) => q.price).sort(compareBig);
  const spread = prices[prices.length - 1] - prices[0];
  // Exact in bigint: spread / median > bps / 10_000  <=>  spread x 10_000 > bps x median.
  const limit = BigInt(Math.round(rule.maxRateDispersionBps * 100));
  if (spread * 1_000_000n > limit * r.observation) {
    const bps = Number((spread * 100_000n) / r.observation) / 10;
    return { rate: null, reason: `${feedId} sources disagree by ${bps} bps (maximum ${rule.maxRateDispersionBps})` };
  }
  return { rate: r.observation };
}

/** A fetched quote with the currency its source's book is quoted in. */
export interface CurrencyQuote {
  quote: Quote;
  currency: string;
}

export interface ConvertedQuotes {
  quotes: Quote[];
  dropped: Array<{ source: string; reason: string }>;
}

/**
 * The quotes of one feed quoted in `feedQuote`, in the feed's currency: same-currency quotes
 * untouched; a quote in C where a rate feed C/feedQuote is configured (`ratePairs`, pair -> feed
 * id) converted at that feed's trusted rate, or dropped; the rest as is.
 */
export function convertFeedQuotes(
  quotes: readonly CurrencyQuote[],
  feedQuote: string,
  ratePairs: ReadonlyMap<string, string>,
  verdicts: ReadonlyMap<string, RateVerdict>,
): ConvertedQuotes {
  const out: ConvertedQuotes = { quotes: [], dropped: [] };
  for (const { quote, currency } of quotes) {
    const rateFeed = currency === feedQuote ? undefined : ratePairs.get(`${currency}/${feedQuote}`);
    if (rateFeed === undefined) {
      out.quotes.push(quote);
      continue;
    }
    const v = verdicts.get(rateFeed);
    if (!v || v.rate === null) {
      out.dropped.push({ source: quote.source, reason: `quoted in ${currency}, no trustworthy rate: ${v?.reason ?? `${rateFeed} not observed`}` });
      continue;
    }
    out.quotes.push(convertQuote(quote, v.rate));
  }
  return out;
}

/** price, bid and ask times `rate` (fixed-point, rounded half up); volume stays in base units. */
export function convertQuote(q: Quote, rate: Fixed): Quote {
  const mul = (x: Fixed): Fixed => (x * rate + PRICE_SCALE / 2n) / PRICE_SCALE;
  return {
    ...q,
    price: mul(q.price),
    ...(q.bid !== undefined ? { bid: mul(q.bid) } : {}),
    ...(q.ask !== undefined ? { ask: mul(q.ask) } : {}),
  };
}

/** The rate feeds (ids) a feed quoted in `feedQuote` needs for sources quoting in `currencies`. */
export function rateFeedsFor(currencies: readonly string[], feedQuote: string, ratePairs: ReadonlyMap<string, string>): string[] {
  const ids = new Set<string>();
  for (const c of currencies) {
    const id = c === feedQuote ? undefined : ratePairs.get(`${c}/${feedQuote}`);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/** The configured conversions as "C/F" pair -> rate feed id, from each rate feed's own pair. */
export function ratePairsOf(rule: QuoteConversionRule, feeds: ReadonlyArray<{ id: string; pair: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [currency, feedId] of Object.entries(rule.rates)) {
    const f = feeds.find((x) => x.id === feedId);
    if (f && f.pair.startsWith(`${currency}/`)) out.set(f.pair, f.id);
  }
  return out;
}
