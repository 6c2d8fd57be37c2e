import Database from "better-sqlite3";

/**
 * The nonces of accepted peer messages, on disk (issue 13, item 12): the transport's replay
 * guard writes each one here before the message is handled, so an envelope captured on the wire
 * and sent again after the node restarted (or was killed) is still refused for as long as it is
 * fresh. Rows older than the freshness window are pruned; the table holds a few minutes of
 * traffic (tens of kB).
 *
 * It uses its own connection to the node's file with synchronous=NORMAL: in WAL mode a commit
 * then survives a crash or kill -9 of the process (only a power cut can lose the last ones,
 * and a power cut also outlasts the 30 s window) at a fraction of an fsync per message.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS seen_nonces (
  key TEXT PRIMARY KEY,
  sent_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_nonces_sent_at ON seen_nonces (sent_at);
`;

export class NonceLog {
  private readonly db: Database.Database;
  private readonly ownsDb: boolean;
  private readonly insert: Database.Statement<[string, number]>;
  private readonly select: Database.Statement<[string]>;
  private readonly remove: Database.Statement<[number]>;

  /** `source`: a path (own connection) or an open database to share (":memory:" stores). */
  constructor(source: string | Database.Database) {
    this.ownsDb = typeof source === "string";
    this.db = typeof source === "string" ? new Database(source) : source;
    if (this.ownsDb) {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
    }
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare("INSERT OR IGNORE INTO seen_nonces (key, sent_at) VALUES (?, ?)");
    this.select = this.db.prepare("SELECT 1 FROM seen_nonces WHERE key = ?");
    this.remove = this.db.prepare("DELETE FROM seen_nonces WHERE sent_at < ?");
  }

  /** Records a nonce; false when it was already recorded (a replay). */
  remember(key: string, sentAt: number): boolean {
    return this.insert.run(key, sentAt).changes === 1;
  }

  has(key: string): boolean {
    return this.select.get(key) !== undefined;
  }

  prune(sentBefore: number): void {
    this.remove.run(sentBefore);
  }

  size(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM seen_nonces").get() as { n: number }).n;
  }

  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}
