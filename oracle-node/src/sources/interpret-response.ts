import { SourceError } from "../quotes/quote";
import { snippet, type HttpResponse } from "./http/client";
import { JsonSyntaxError, parseJsonLossless } from "./http/parse-json";
import type { BodyError, VenueSpec } from "./venue-spec";

/** Parses the body (keeping every digit), surfaces the venue's own error, then the status. */
export function interpretVenueResponse(spec: Pick<VenueSpec, "id" | "bodyError">, res: HttpResponse): { body: unknown; receivedAt: number } {
  let body: unknown;
  let syntax: string | undefined;
  try {
    body = parseJsonLossless(res.text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    syntax = err.message;
  }
  let own: BodyError | null;
  try {
    own = spec.bodyError(body, res.status);
  } catch {
    own = null; // an error shape we do not recognise: fall through to status and parsing
  }
  if (own) throw new SourceError(own.failure, spec.id, own.message, own.retryAfterMs);
  if (res.status < 200 || res.status > 299) throw new SourceError("http-error", spec.id, `HTTP ${res.status}: ${snippet(res.text)}`);
  if (syntax !== undefined) throw new SourceError("malformed", spec.id, `not JSON (${syntax}): ${snippet(res.text, 60)}`);
  return { body, receivedAt: res.receivedAt };
}
