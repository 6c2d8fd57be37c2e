/**
 * Reads an HTTP answer's body as a stream and stops at a byte cap: a peer (or anything on the
 * path of a plain-HTTP link) answering with a 100 MB body costs us at most `limit` bytes of
 * memory and one aborted connection, never a heap exhaustion or a blocked event loop.
 */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`reply body over ${limit} bytes`);
    this.name = "BodyTooLarge";
  }
}

export async function readCappedText(res: Response, limit: number, abort?: AbortController): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    abort?.abort();
    await res.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(limit);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      abort?.abort();
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}
