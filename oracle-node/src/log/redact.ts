/**
 * One redaction for credentials in URLs (issue 13, item 13), used at every place a URL or an
 * error message can leave the process: the logger (every string field, every error's message
 * and stack), the transaction manager's outcomes (what the API and dashboard show), transport
 * errors and doctor's findings. RPC providers put the key in three places:
 *   userinfo          https://user:secret@host/            -> https://[redacted]@host/
 *   the path          https://x.g.alchemy.com/v2/<key>     -> https://x.g.alchemy.com/v2/[redacted]
 *                     https://mainnet.infura.io/v3/<id>, https://name.quiknode.pro/<token>/
 *   the query         https://host/rpc?apikey=<key>        -> https://host/rpc?apikey=[redacted]
 * A path segment counts as a key when it is 16+ characters of [A-Za-z0-9_-] with a digit in it,
 * or comes right after a segment named like a key ("/key/<x>", "/token/<x>"); a query value when
 * its name contains key, token, secret, auth, pass, sig or credential. Host names and every
 * other part are kept, so a log still says which endpoint failed.
 */
export const REDACTED = "[redacted]";

const SECRET_NAME = /key|token|secret|auth|pass|sig|credential|session|jwt/i;
const KEY_LIKE_SEGMENT = /^(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}$/;
/** A URL in free text: up to the first space, quote, bracket or backslash. */
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>`\\)\]},]+/gi;

export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not parseable: still drop anything that looks like userinfo.
    return url.replace(/^([a-z]+:\/\/)[^@/\s]+@/i, `$1${REDACTED}@`);
  }
  let changed = false;
  if (u.username || u.password) {
    u.username = REDACTED;
    u.password = "";
    changed = true;
  }
  const segments = u.pathname.split("/");
  const cleanSegments = segments.map((seg, i) => {
    const decoded = safeDecode(seg);
    if (KEY_LIKE_SEGMENT.test(decoded) || (i > 0 && SECRET_NAME.test(segments[i - 1]) && seg.length > 0)) {
      changed = true;
      return REDACTED;
    }
    return seg;
  });
  for (const [name] of [...u.searchParams]) {
    if (SECRET_NAME.test(name)) {
      u.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  if (!changed) return url;
  u.pathname = cleanSegments.join("/");
  // URL encodes the brackets of the marker; show it as written.
  return u.toString().replace(/%5Bredacted%5D/gi, REDACTED);
}

/** Every URL inside a text (an error message, a stack, a log line) redacted. */
export function redactText(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, (m) => redactUrl(m));
}

/**
 * A copy of `value` with every string redacted (objects and arrays walked, depth-limited);
 * errors become plain objects with their message and stack redacted. Values without a URL are
 * returned as they are.
 */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === "string") return redactText(value) as T;
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>;
    const out: Record<string, unknown> = { type: e.name, message: redactText(e.message), stack: e.stack ? redactText(e.stack) : undefined };
    for (const k of Object.keys(e)) out[k] = redactDeep(e[k], depth + 1);
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value; // Buffers, bigint wrappers, class instances
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
