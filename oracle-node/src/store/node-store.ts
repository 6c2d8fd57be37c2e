import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { NonceLog } from "./nonce-log";

/**
 * The node's durable state, one SQLite file (better-sqlite3, WAL, synchronous=FULL so every
 * commit is fsynced before it returns):
 * - the last (epoch, round) each signing key signed per feed, for observations and for reports,
 *   with what it signed. The protocol claims a round here BEFORE a signature leaves the node,
 *   so no crash or restart can make the key sign two different values for one round;
 * - the one report digest each key signed per (config digest, epoch, round), whatever its feeds,
 *   claimed before the report signature leaves (`claimReportRound`);
 * - the filter's history state (an opaque blob per name);
 * - the transmission log (every transaction this node sent and what became of it);
 * - small key/value facts (the pacemaker's epoch) so a restarted node resumes where it was;
 * - the nonces of accepted peer messages (nonce-log.ts, `openNonceLog`), for the replay guard.
 */

export type SignKind = "observation" | "report";

/** Transmissions kept in the log: weeks of history at a report a minute, a few MB. */
export const TX_LOG_LIMIT = 50_000;
/** Report-round claims kept (the per-feed claims refuse anything older). */
const REPORT_ROUNDS_KEPT = 100_000;
/** The log is pruned once every this many inserts. */
const TX_LOG_PRUNE_EVERY = 1_000;

/** Where a (epoch, round) stands against the last one a key signed for a feed. */
export type ClaimResult = { ok: true; repeat: boolean } | { ok: false; reason: "conflict" | "older-round"; signedEpoch: number; signedRound: number };

export interface SignClaim {
  feedId: string;
  /** What is signed, canonical text (an observation's value, a report's digest). */
  content: string;
}

export type TxStatus = "pending" | "confirmed" | "reverted" | "replaced" | "dropped" | "failed";

export interface TxRecord {
  id: number;
  hash: string | null;
  nonce: number | null;
  epoch: number;
  round: number;
  feeds: string[];
  status: TxStatus;
  gasUsed: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS last_signed (
  signer TEXT NOT NULL,
  kind TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  feed_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  round INTEGER NOT NULL,
  content TEXT NOT NULL,
  signed_at INTEGER NOT NULL,
  PRIMARY KEY (signer, kind, config_digest, feed_id)
);
CREATE TABLE IF NOT EXISTS report_rounds (
  signer TEXT NOT NULL,
  config_digest TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  round INTEGER NOT NULL,
  report_digest TEXT NOT NULL,
  signed_at INTEGER NOT NULL,
  PRIMARY KEY (signer, config_digest, epoch, round)
);
CREATE TABLE IF NOT EXISTS filter_state (
  name TEXT PRIMARY KEY,
  blob BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transmissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT,
  nonce INTEGER,
  epoch INTEGER NOT NULL,
  round INTEGER NOT NULL,
  feeds TEXT NOT NULL,
  status TEXT NOT NULL,
  gas_used TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

interface LastSignedRow {
  epoch: number;
  round: number;
  content: string;
}

interface TxRow {
  id: number;
  hash: string | null;
  nonce: number | null;
  epoch: number;
  round: number;
  feeds: string;
  status: TxStatus;
  gas_used: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export class NodeStore {
  private readonly db: Database.Database;
  private readonly nonceLogs: NonceLog[] = [];

  constructor(private readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    // FULL: the WAL is fsynced at every commit, so a claimed round survives a power cut.
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
  }

  /**
   * Claims (epoch, round) for every claim's feed under one signer and kind, atomically: either
   * every feed is claimed (and the claim is durable when this returns) or none is. A claim for
   * the round already signed with the same content is a repeat (re-signing is allowed: the
   * signature is deterministic); different content, or a round older than the last one signed,
   * is refused.
   */
  claim(signer: string, kind: SignKind, configDigest: string, epoch: number, round: number, claims: readonly SignClaim[]): ClaimResult {
    const get = this.db.prepare<[string, string, string, string], LastSignedRow>(
      "SELECT epoch, round, content FROM last_signed WHERE signer = ? AND kind = ? AND config_digest = ? AND feed_id = ?",
    );
    const put = this.db.prepare(
      `INSERT INTO last_signed (signer, kind, config_digest, feed_id, epoch, round, content, signed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (signer, kind, config_digest, feed_id)
       DO UPDATE SET epoch = excluded.epoch, round = excluded.round, content = excluded.content, signed_at = excluded.signed_at`,
    );
    const signerKey = signer.toLowerCase();
    const digestKey = configDigest.toLowerCase();
    const run = this.db.transaction((): ClaimResult => {
      let repeat = claims.length > 0;
      for (const c of claims) {
        const row = get.get(signerKey, kind, digestKey, c.feedId);
        if (!row) {
          repeat = false;
          continue;
        }
        const cmp = compareEpochRound(epoch, round, row.epoch, row.round);
        if (cmp < 0) return { ok: false, reason: "older-round", signedEpoch: row.epoch, signedRound: row.round };
        if (cmp === 0 && row.content !== c.content) {
          return { ok: false, reason: "conflict", signedEpoch: row.epoch, signedRound: row.round };
        }
        if (cmp > 0) repeat = false;
      }
      const now = Date.now();
      for (const c of claims) put.run(signerKey, kind, digestKey, c.feedId, epoch, round, c.content, now);
      return { ok: true, repeat };
    });
    return run.immediate();
  }

  /**
   * Claims (config digest, epoch, round) for one report digest, durably (fsynced) before this
   * returns: one report per round per key, whatever its feeds. The same digest again is a repeat
   * (re-signing gives the same signature); another digest for a claimed round is refused.
   */
  claimReportRound(
    signer: string,
    configDigest: string,
    epoch: number,
    round: number,
    reportDigest: string,
  ): { ok: true; repeat: boolean } | { ok: false; signedDigest: string } {
    const key = [signer.toLowerCase(), configDigest.toLowerCase(), epoch, round] as const;
    const run = this.db.transaction(() => {
      const row = this.db
        .prepare<[string, string, number, number], { report_digest: string }>(
          "SELECT report_digest FROM report_rounds WHERE signer = ? AND config_digest = ? AND epoch = ? AND round = ?",
        )
        .get(...key);
      if (row)
        return row.report_digest === reportDigest.toLowerCase() ? { ok: true as const, repeat: true } : { ok: false as const, signedDigest: row.report_digest };
      const id = Number(
        this.db
          .prepare("INSERT INTO report_rounds (signer, config_digest, epoch, round, report_digest, signed_at) VALUES (?, ?, ?, ?, ?, ?)")
          .run(...key, reportDigest.toLowerCase(), Date.now()).lastInsertRowid,
      );
      // Bounded: rounds this far back are older than every feed's last signed round anyway.
      if (id % TX_LOG_PRUNE_EVERY === 0) this.db.prepare("DELETE FROM report_rounds WHERE rowid <= ?").run(id - REPORT_ROUNDS_KEPT);
      return { ok: true as const, repeat: false };
    });
    return run.immediate();
  }

  /** The report digest a key claimed for (config digest, epoch, round), or null. */
  reportRoundDigest(signer: string, configDigest: string, epoch: number, round: number): string | null {
    const row = this.db
      .prepare<[string, string, number, number], { report_digest: string }>(
        "SELECT report_digest FROM report_rounds WHERE signer = ? AND config_digest = ? AND epoch = ? AND round = ?",
      )
      .get(signer.toLowerCase(), configDigest.toLowerCase(), epoch, round);
    return row?.report_digest ?? null;
  }

  /** The last (epoch, round, content) a key signed for a feed, or null. */
  lastSigned(signer: string, kind: SignKind, configDigest: string, feedId: string): LastSignedRow | null {
    const row = this.db
      .prepare<[string, string, string, string], LastSignedRow>(
        "SELECT epoch, round, content FROM last_signed WHERE signer = ? AND kind = ? AND config_digest = ? AND feed_id = ?",
      )
      .get(signer.toLowerCase(), kind, configDigest.toLowerCase(), feedId);
    return row ?? null;
  }

  saveFilterState(name: string, blob: Uint8Array): void {
    this.db
      .prepare(
        "INSERT INTO filter_state (name, blob, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET blob = excluded.blob, updated_at = excluded.updated_at",
      )
      .run(name, Buffer.from(blob), Date.now());
  }

  loadFilterState(name: string): Buffer | null {
    const row = this.db.prepare<[string], { blob: Buffer }>("SELECT blob FROM filter_state WHERE name = ?").get(name);
    return row?.blob ?? null;
  }

  /** Logs a transaction about to be sent; returns its id for later updates. Keeps the newest TX_LOG_LIMIT. */
  recordTx(tx: { epoch: number; round: number; feeds: readonly string[]; nonce?: number; hash?: string }): number {
    const now = Date.now();
    const info = this.db
      .prepare("INSERT INTO transmissions (hash, nonce, epoch, round, feeds, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)")
      .run(tx.hash ?? null, tx.nonce ?? null, tx.epoch, tx.round, JSON.stringify(tx.feeds), now, now);
    const id = Number(info.lastInsertRowid);
    if (id % TX_LOG_PRUNE_EVERY === 0) this.db.prepare("DELETE FROM transmissions WHERE id <= ?").run(id - TX_LOG_LIMIT);
    return id;
  }

  updateTx(id: number, patch: { hash?: string; nonce?: number; status?: TxStatus; gasUsed?: bigint; error?: string }): void {
    const cur = this.db.prepare<[number], TxRow>("SELECT * FROM transmissions WHERE id = ?").get(id);
    if (!cur) throw new Error(`store: no transmission with id ${id}`);
    this.db
      .prepare("UPDATE transmissions SET hash = ?, nonce = ?, status = ?, gas_used = ?, error = ?, updated_at = ? WHERE id = ?")
      .run(
        patch.hash ?? cur.hash,
        patch.nonce ?? cur.nonce,
        patch.status ?? cur.status,
        patch.gasUsed !== undefined ? patch.gasUsed.toString() : cur.gas_used,
        patch.error ?? cur.error,
        Date.now(),
        id,
      );
  }

  /** The most recent transmissions, newest first. */
  recentTxs(limit = 20): TxRecord[] {
    return this.db
      .prepare<[number], TxRow>("SELECT * FROM transmissions ORDER BY id DESC LIMIT ?")
      .all(limit)
      .map((r) => ({
        id: r.id,
        hash: r.hash,
        nonce: r.nonce,
        epoch: r.epoch,
        round: r.round,
        feeds: JSON.parse(r.feeds) as string[],
        status: r.status,
        gasUsed: r.gas_used,
        error: r.error,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }));
  }

  setValue(key: string, value: string): void {
    this.db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  getValue(key: string): string | null {
    return this.db.prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?").get(key)?.value ?? null;
  }

  /** The durable nonce memory for the transport's replay guard (closed with the store). */
  openNonceLog(): NonceLog {
    const log = new NonceLog(this.path === ":memory:" ? this.db : this.path);
    this.nonceLogs.push(log);
    return log;
  }

  close(): void {
    for (const log of this.nonceLogs.splice(0)) log.close();
    if (this.db.open) this.db.close();
  }
}

export function openStore(path: string): NodeStore {
  return new NodeStore(path);
}

/** Lexicographic order of (epoch, round): negative, zero or positive. */
export function compareEpochRound(e1: number, r1: number, e2: number, r2: number): number {
  return e1 !== e2 ? e1 - e2 : r1 - r2;
}
