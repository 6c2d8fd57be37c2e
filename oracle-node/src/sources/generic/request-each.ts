import { SourceError } from "../../quotes/quote";
import { toSourceError } from "../build-quote";
import type { SourceRequest, SourceResult } from "../types";

/**
 * Generic sources have no batch endpoint: one GET per distinct URL, shared by every request
 * that needs it (open.er-api's /latest/USD serves USD/EUR, USD/GBP, ... at once), then each
 * request reads its own value from the shared answer. Results in request order; never throws.
 */
export async function requestEach<P, B>(
  sourceId: string,
  reqs: SourceRequest[],
  prepare: (req: SourceRequest) => { url: string; plan: P },
  download: (url: string) => Promise<B>,
  finish: (req: SourceRequest, plan: P, body: B) => SourceResult,
): Promise<SourceResult[]> {
  const downloads = new Map<string, Promise<{ ok: true; body: B } | { ok: false; error: SourceError }>>();
  return Promise.all(
    reqs.map(async (req): Promise<SourceResult> => {
      let prepared: { url: string; plan: P };
      try {
        prepared = prepare(req);
      } catch (err) {
        return { ok: false, error: new SourceError("unknown-symbol", sourceId, `${req.pair}: ${err instanceof Error ? err.message : String(err)}`) };
      }
      let d = downloads.get(prepared.url);
      if (!d) {
        d = download(prepared.url).then(
          (body) => ({ ok: true as const, body }),
          (err: unknown) => ({ ok: false as const, error: toSourceError(sourceId, err) }),
        );
        downloads.set(prepared.url, d);
      }
      const got = await d;
      if (!got.ok) return got;
      try {
        return finish(req, prepared.plan, got.body);
      } catch (err) {
        return { ok: false, error: toSourceError(sourceId, err, req.pair) };
      }
    }),
  );
}
