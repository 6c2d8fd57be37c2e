import { SourceError } from "../../quotes/quote";
import { toSourceError } from "../build-quote";
import type { SourceRequest, SourceResult } from "../types";

/**
 * Runs one fetch per distinct key (generic sources have no batch endpoint) and fans the
 * results back out in request order. Never throws.
 */
export async function requestEach(
  sourceId: string,
  reqs: SourceRequest[],
  keyOf: (req: SourceRequest) => string,
  fetchOne: (req: SourceRequest) => Promise<SourceResult>,
): Promise<SourceResult[]> {
  const pending = new Map<string, Promise<SourceResult>>();
  const keys = reqs.map((req) => {
    try {
      const key = keyOf(req);
      if (!pending.has(key)) pending.set(key, fetchOne(req).catch((err) => ({ ok: false as const, error: toSourceError(sourceId, err, req.pair) })));
      return key;
    } catch (err) {
      return new SourceError("unknown-symbol", sourceId, err instanceof Error ? err.message : String(err));
    }
  });
  return Promise.all(
    reqs.map(async (req, i): Promise<SourceResult> => {
      const key = keys[i]!;
      if (key instanceof SourceError) return { ok: false, error: key };
      const r = await pending.get(key)!;
      // Two feeds may share a URL but name different pairs: each quote carries its own pair.
      return r.ok ? { ok: true, quote: { ...r.quote, pair: req.pair } } : r;
    }),
  );
}
