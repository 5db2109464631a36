// The embedded default home of sessions and pending logins: the BFF's SQLite file (BFF_DB).
import type { BffDb, Migration } from './db.ts';
import { dataCipher, migrate } from './db.ts';
import type { DataCipher } from './crypto.ts';
import { SessionCache } from './sessions-cache.ts';
import {
  FOUND_COLUMNS, PENDING_PER_ADDRESS, PENDING_TOTAL, SEALED, SEALED_PENDING, isOpaqueId, liveSession, newOpaqueId, newSessionRow, openFields,
  pendingClientKey, sealFields, sessionIdOf, toSession, touchDue,
  type FoundRow, type PendingLogin, type SessionIdentity, type SessionRow, type SessionStore, type SessionTimeouts, type SessionTokens,
  type StoredSession,
} from './sessions.ts';

export const SESSION_MIGRATIONS: readonly Migration[] = [
  {
    id: 'sessions-001',
    sql: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        name TEXT NOT NULL,
        identity_type TEXT NOT NULL,
        identity_num TEXT NOT NULL,
        role TEXT NOT NULL,
        org_name TEXT,
        org_code TEXT,
        credential TEXT NOT NULL,
        credential_expires_at INTEGER NOT NULL,
        refresh_token TEXT,
        id_token TEXT,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_idle ON sessions (idle_expires_at);
      CREATE INDEX sessions_sub ON sessions (sub);
      CREATE TABLE pending_logins (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        nonce TEXT NOT NULL,
        verifier TEXT NOT NULL,
        return_to TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Pending logins are capped per client address and overall (issue 10, finding 3); the address
    // is kept only as a hash, and only for as long as the login may take.
    id: 'sessions-002',
    sql: `
      ALTER TABLE pending_logins ADD COLUMN client_key TEXT;
      CREATE INDEX pending_logins_client ON pending_logins (client_key, expires_at);
      CREATE INDEX pending_logins_expiry ON pending_logins (expires_at);
    `,
  },
];

export class SqliteSessionStore implements SessionStore {
  readonly #t: SessionTimeouts;
  readonly #now: () => number;
  readonly #q;
  readonly #db: BffDb;
  readonly #cipher: DataCipher;
  /**
   * Sessions already opened, used only while the database is exactly as it was when they were
   * read: any write on this connection (a logout, a touch, a test's UPDATE) or a commit by another
   * connection to the file clears them, so this store never answers anything SQLite would not.
   */
  readonly #cache: SessionCache;
  #version = '';

  constructor(db: BffDb, timeouts: SessionTimeouts, now: () => number = Date.now) {
    migrate(db, SESSION_MIGRATIONS);
    this.#db = db;
    this.#cipher = dataCipher(db);
    this.#t = timeouts;
    this.#now = now;
    this.#cache = new SessionCache(now);
    this.#q = {
      // total_changes(): rows written through this connection; data_version: commits by others.
      version: db.prepare<[], { c: number; v: number }>('SELECT total_changes() AS c, data_version AS v FROM pragma_data_version'),
      insert: db.prepare(`INSERT INTO sessions (id, sub, name, identity_type, identity_num, role, org_name, org_code,
        credential, credential_expires_at, refresh_token, id_token, csrf_token, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
        VALUES (@id, @sub, @name, @identity_type, @identity_num, @role, @org_name, @org_code,
        @credential, @credential_expires_at, @refresh_token, @id_token, @csrf_token, @created_at, @last_seen_at, @idle_expires_at, @absolute_expires_at)`),
      find: db.prepare<[string], FoundRow>(`SELECT ${FOUND_COLUMNS.join(', ')} FROM sessions WHERE id = ?`),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?'),
      tokens: db.prepare(`UPDATE sessions SET credential = @credential, credential_expires_at = @credential_expires_at,
        refresh_token = coalesce(@refresh_token, refresh_token), id_token = coalesce(@id_token, id_token) WHERE id = @id`),
      secrets: db.prepare<[string], { refresh_token: string | null; id_token: string | null }>('SELECT refresh_token, id_token FROM sessions WHERE id = ?'),
      destroy: db.prepare('DELETE FROM sessions WHERE id = ?'),
      purge: db.prepare('DELETE FROM sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ?'),
      putPending: db.prepare('INSERT INTO pending_logins (id, state, nonce, verifier, return_to, expires_at, client_key) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      pendingOf: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM pending_logins WHERE client_key = ?'),
      pendingTotal: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM pending_logins'),
      // An upper bound on the count in O(log n): rows are only ever appended, so ids span at least as many.
      pendingSpan: db.prepare<[], { n: number }>('SELECT coalesce(max(rowid) - min(rowid) + 1, 0) AS n FROM pending_logins'),
      dropOldestOf: db.prepare(`DELETE FROM pending_logins WHERE id IN
        (SELECT id FROM pending_logins WHERE client_key = ? ORDER BY expires_at LIMIT ?)`),
      dropOldest: db.prepare('DELETE FROM pending_logins WHERE id IN (SELECT id FROM pending_logins ORDER BY expires_at LIMIT ?)'),
      takePending: db.prepare<[string], { state: string; nonce: string; verifier: string; return_to: string; expires_at: number }>(
        'DELETE FROM pending_logins WHERE id = ? RETURNING state, nonce, verifier, return_to, expires_at'),
      purgePending: db.prepare('DELETE FROM pending_logins WHERE expires_at <= ?'),
    };
    this.#sealLegacyRows();
  }

  /** Rows written before sealing existed are sealed once, at start-up. */
  #sealLegacyRows(): void {
    const db = this.#db;
    const sessions = db.prepare<[], SessionRow>("SELECT * FROM sessions WHERE credential NOT LIKE 'enc1:%'").all();
    const pending = db.prepare<[], { id: string; state: string; nonce: string; verifier: string }>(
      "SELECT id, state, nonce, verifier FROM pending_logins WHERE verifier NOT LIKE 'enc1:%'").all();
    if (sessions.length === 0 && pending.length === 0) return;
    const updateSession = db.prepare(`UPDATE sessions SET name = @name, identity_num = @identity_num, credential = @credential,
      refresh_token = @refresh_token, id_token = @id_token WHERE id = @id`);
    const updatePending = db.prepare('UPDATE pending_logins SET state = @state, nonce = @nonce, verifier = @verifier WHERE id = @id');
    db.transaction(() => {
      for (const r of sessions) updateSession.run(sealFields(this.#cipher, r, SEALED));
      for (const r of pending) updatePending.run(sealFields(this.#cipher, r, SEALED_PENDING));
    }).immediate();
  }

  /** The id a cookie value stands for (kept for callers of the embedded store's first API). */
  static idOf(cookieValue: string): string {
    return sessionIdOf(cookieValue);
  }

  async create(identity: SessionIdentity, tokens: SessionTokens): Promise<{ cookieValue: string; session: StoredSession }> {
    const { cookieValue, row } = newSessionRow(identity, tokens, this.#now(), this.#t);
    this.#q.insert.run(sealFields(this.#cipher, row, SEALED));
    return { cookieValue, session: toSession(row) };
  }

  async find(cookieValue: string | undefined): Promise<StoredSession | null> {
    if (!isOpaqueId(cookieValue)) return null;
    const id = sessionIdOf(cookieValue);
    const { c, v } = this.#q.version.get()!;
    if (`${c}:${v}` !== this.#version) {
      this.#cache.clear();
      this.#version = `${c}:${v}`;
    }
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const ticket = this.#cache.ticket();
    const row = this.#q.find.get(id);
    if (!row) return null;
    const session = liveSession(this.#cipher, row, this.#now());
    if (!session) {
      this.#q.destroy.run(row.id);
      return null;
    }
    this.#cache.put(session, ticket);
    return session;
  }

  async touch(session: StoredSession): Promise<void> {
    const now = this.#now();
    const idle = touchDue(session, now, this.#t.idleSeconds * 1000);
    if (idle === null) return;
    this.#q.touch.run(now, idle, session.id);
    session.lastSeenAt = now;
    session.idleExpiresAt = idle;
  }

  async updateTokens(id: string, tokens: SessionTokens): Promise<void> {
    this.#q.tokens.run(sealFields(this.#cipher, {
      id,
      credential: tokens.credential,
      credential_expires_at: tokens.credentialExpiresAt,
      refresh_token: tokens.refreshToken ?? null,
      id_token: tokens.idToken ?? null,
    }, SEALED));
  }

  async secrets(id: string): Promise<{ refreshToken: string | null; idToken: string | null } | null> {
    const sealed = this.#q.secrets.get(id);
    if (!sealed) return null;
    try {
      const r = openFields(this.#cipher, sealed, SEALED);
      return { refreshToken: r.refresh_token, idToken: r.id_token };
    } catch {
      return null;
    }
  }

  async destroy(id: string): Promise<void> {
    this.#q.destroy.run(id);
  }

  async purgeExpired(): Promise<number> {
    const now = this.#now();
    this.#q.purgePending.run(now);
    return this.#q.purge.run(now, now).changes;
  }

  async putPending(pending: PendingLogin, ttlSeconds: number, clientAddress?: string): Promise<string> {
    const cookieValue = newOpaqueId();
    const now = this.#now();
    const clientKey = pendingClientKey(clientAddress);
    this.#db.transaction(() => {
      this.#q.purgePending.run(now);
      if (clientKey) {
        const over = this.#q.pendingOf.get(clientKey)!.n - PENDING_PER_ADDRESS + 1;
        if (over > 0) this.#q.dropOldestOf.run(clientKey, over);
      }
      if (this.#q.pendingSpan.get()!.n >= PENDING_TOTAL) {
        const overall = this.#q.pendingTotal.get()!.n - PENDING_TOTAL + 1;
        if (overall > 0) this.#q.dropOldest.run(overall);
      }
      const p = sealFields(this.#cipher, { state: pending.state, nonce: pending.nonce, verifier: pending.verifier }, SEALED_PENDING);
      this.#q.putPending.run(sessionIdOf(cookieValue), p.state, p.nonce, p.verifier, pending.returnTo, now + ttlSeconds * 1000, clientKey);
    }).immediate();
    return cookieValue;
  }

  async pendingCount(): Promise<number> {
    return this.#q.pendingTotal.get()!.n;
  }

  async takePending(cookieValue: string | undefined): Promise<PendingLogin | null> {
    if (!isOpaqueId(cookieValue)) return null;
    const sealed = this.#q.takePending.get(sessionIdOf(cookieValue));
    if (!sealed || sealed.expires_at <= this.#now()) return null;
    try {
      const r = openFields(this.#cipher, sealed, SEALED_PENDING);
      return { state: r.state, nonce: r.nonce, verifier: r.verifier, returnTo: r.return_to };
    } catch {
      return null;
    }
  }
}
