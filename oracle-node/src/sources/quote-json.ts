import { formatDecimal } from "../quotes/decimal";
import type { Quote, QuoteJson } from "../quotes/quote";

/** A quote as JSON: every price as exact decimal text, null where the source gave nothing. */
export function toQuoteJson(q: Quote): QuoteJson {
  return {
    source: q.source,
    pair: q.pair,
    price: formatDecimal(q.price),
    bid: q.bid === undefined ? null : formatDecimal(q.bid),
    ask: q.ask === undefined ? null : formatDecimal(q.ask),
    volume: q.volume === undefined ? null : formatDecimal(q.volume),
    timestamp: q.sourceTimestamp ?? null,
    receivedAt: q.receivedAt,
  };
}
