// Which session a platform's single logout means: the CAS service ticket of each sign-in, kept
// as a SHA-256 (a leaked table replays nothing), mapped to the session it created. In the BFF's
// SQLite file, or with REDIS_URL in Redis: the logout may reach another instance than the sign-in.
import { createHash } from 'node:crypto';
import { migrate, type BffDb } from '../store/db.ts';
import { KEY_PREFIX, viaRedis, type RedisConnection } from '../store/redis.ts';

const MIGRATIONS = [{
  id: 'identity-logout-index-001',
  sql: `CREATE TABLE identity_logout_index (
    index_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX identity_logout_index_expiry ON identity_logout_index (expires_at);`,
}];

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

export interface LogoutIndex {
  remember(index: string, sessionId: string, expiresAt: number): Promise<void>;
  /** The session the index names (once: the entry is gone afterwards), or null. */
  take(index: string): Promise<string | null>;
}

export class SqliteLogoutIndex implements LogoutIndex {
  readonly #remember;
  readonly #find;
  readonly #forget;
  readonly #purge;

  constructor(db: BffDb, private readonly now: () => number = Date.now) {
    migrate(db, MIGRATIONS);
    this.#remember = db.prepare('INSERT OR REPLACE INTO identity_logout_index (index_hash, session_id, expires_at) VALUES (?, ?, ?)');
    this.#find = db.prepare<[string, number], { session_id: string }>('SELECT session_id FROM identity_logout_index WHERE index_hash = ? AND expires_at > ?');
    this.#forget = db.prepare('DELETE FROM identity_logout_index WHERE index_hash = ?');
    this.#purge = db.prepare('DELETE FROM identity_logout_index WHERE expires_at <= ?');
  }

  async remember(index: string, sessionId: string, expiresAt: number): Promise<void> {
    this.#purge.run(this.now());
    this.#remember.run(digest(index), sessionId, expiresAt);
  }

  async take(index: string): Promise<string | null> {
    const hash = digest(index);
    const row = this.#find.get(hash, this.now());
    this.#forget.run(hash);
    return row?.session_id ?? null;
  }
}

const LOGOUT = `${KEY_PREFIX}logout:`;

export class RedisLogoutIndex implements LogoutIndex {
  constructor(private readonly redis: RedisConnection) {}

  async remember(index: string, sessionId: string, expiresAt: number): Promise<void> {
    await viaRedis(() => this.redis.client.set(LOGOUT + digest(index), sessionId, 'PXAT', expiresAt));
  }

  async take(index: string): Promise<string | null> {
    return viaRedis(() => this.redis.client.getdel(LOGOUT + digest(index)));
  }
}
