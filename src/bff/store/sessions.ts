// Server-side holder sessions. The browser holds only an opaque random id; the table keys on its
// SHA-256, so neither a copy of the database nor a log line can be replayed as a cookie. Tokens,
// names and identity numbers are sealed (AES-256-GCM, store/crypto.ts) in the columns SEALED names.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../contract/bff.ts';
import type { HolderSession } from '../fastify.d.ts';
import { dataCipher, migrate, type BffDb, type Migration } from './db.ts';
import { DataCipher } from './crypto.ts';

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

/** Logins in progress one client address may hold; starting another drops its oldest. */
export const PENDING_PER_ADDRESS = 20;
/** Logins in progress overall; past this the oldest goes, so the table cannot grow without bound. */
export const PENDING_TOTAL = 10_000;

export interface SessionIdentity {
  sub: string;
  name: string;
  identityType: string;
  identityNum: string;
  role: Role;
  orgName?: string;
  orgCode?: string;
}

export interface SessionTokens {
  /** The provider's access token: the holder `credential` upstream. */
  credential: string;
  /** Epoch ms. */
  credentialExpiresAt: number;
  refreshToken?: string | null;
  idToken?: string | null;
}

/** A session record as the routes see it. */
export type StoredSession = HolderSession;

interface Row {
  id: string;
  sub: string;
  name: string;
  identity_type: string;
  identity_num: string;
  role: Role;
  org_name: string | null;
  org_code: string | null;
  credential: string;
  credential_expires_at: number;
  refresh_token: string | null;
  id_token: string | null;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
}

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

/** 256 bits, base64url: the session cookie and the pending-login cookie values. */
export const newOpaqueId = (): string => randomBytes(32).toString('base64url');
const OPAQUE_ID = /^[A-Za-z0-9_-]{43}$/;
const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Columns kept sealed at rest; each value is bound to its column. */
const SEALED = ['name', 'identity_num', 'credential', 'refresh_token', 'id_token'] as const;
const SEALED_PENDING = ['state', 'nonce', 'verifier'] as const;

function toSession(r: Row): StoredSession {
  return {
    id: r.id,
    sub: r.sub,
    name: r.name,
    identityType: r.identity_type,
    identityNum: r.identity_num,
    role: r.role,
    ...(r.org_name ? { orgName: r.org_name } : {}),
    ...(r.org_code ? { orgCode: r.org_code } : {}),
    credential: r.credential,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    credentialExpiresAt: r.credential_expires_at,
    idleExpiresAt: r.idle_expires_at,
    absoluteExpiresAt: r.absolute_expires_at,
  };
}

export interface SessionTimeouts {
  idleSeconds: number;
  absoluteSeconds: number;
}

export class SessionStore {
  readonly #idleMs: number;
  readonly #absoluteMs: number;
  readonly #now: () => number;
  readonly #q;
  readonly #db: BffDb;
  readonly #cipher: DataCipher;

  constructor(db: BffDb, timeouts: SessionTimeouts, now: () => number = Date.now) {
    migrate(db, SESSION_MIGRATIONS);
    this.#db = db;
    this.#cipher = dataCipher(db);
    this.#idleMs = timeouts.idleSeconds * 1000;
    this.#absoluteMs = timeouts.absoluteSeconds * 1000;
    this.#now = now;
    this.#q = {
      insert: db.prepare(`INSERT INTO sessions (id, sub, name, identity_type, identity_num, role, org_name, org_code,
        credential, credential_expires_at, refresh_token, id_token, csrf_token, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
        VALUES (@id, @sub, @name, @identity_type, @identity_num, @role, @org_name, @org_code,
        @credential, @credential_expires_at, @refresh_token, @id_token, @csrf_token, @created_at, @last_seen_at, @idle_expires_at, @absolute_expires_at)`),
      find: db.prepare<[string], Row>('SELECT * FROM sessions WHERE id = ?'),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ?, idle_expires_at = min(?, absolute_expires_at) WHERE id = ?'),
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

  /** A copy of `row` with the named columns sealed (values already sealed, and nulls, left as they are). */
  #seal<T extends object>(row: T, columns: readonly string[]): T {
    const out = { ...row } as Record<string, unknown>;
    for (const c of columns) {
      const v = out[c];
      if (typeof v === 'string' && !DataCipher.isSealed(v)) out[c] = this.#cipher.seal(v, c);
    }
    return out as T;
  }

  /** A copy of `row` with the named columns opened; throws when a value does not open (another key, tampering). */
  #open<T extends object>(row: T, columns: readonly string[]): T {
    const out = { ...row } as Record<string, unknown>;
    for (const c of columns) {
      const v = out[c];
      if (typeof v === 'string') out[c] = this.#cipher.open(v, c);
    }
    return out as T;
  }

  /** Rows written before sealing existed are sealed once, at start-up. */
  #sealLegacyRows(): void {
    const db = this.#db;
    const sessions = db.prepare<[], Row>("SELECT * FROM sessions WHERE credential NOT LIKE 'enc1:%'").all();
    const pending = db.prepare<[], { id: string; state: string; nonce: string; verifier: string }>(
      "SELECT id, state, nonce, verifier FROM pending_logins WHERE verifier NOT LIKE 'enc1:%'").all();
    if (sessions.length === 0 && pending.length === 0) return;
    const updateSession = db.prepare(`UPDATE sessions SET name = @name, identity_num = @identity_num, credential = @credential,
      refresh_token = @refresh_token, id_token = @id_token WHERE id = @id`);
    const updatePending = db.prepare('UPDATE pending_logins SET state = @state, nonce = @nonce, verifier = @verifier WHERE id = @id');
    db.transaction(() => {
      for (const r of sessions) updateSession.run(this.#seal(r, SEALED));
      for (const r of pending) updatePending.run(this.#seal(r, SEALED_PENDING));
    }).immediate();
  }

  /** The id a cookie value stands for; it is what `HolderSession.id` holds. */
  static idOf(cookieValue: string): string {
    return digest(cookieValue);
  }

  /** A new session; returns the cookie value, which is stored nowhere. */
  create(identity: SessionIdentity, tokens: SessionTokens): { cookieValue: string; session: StoredSession } {
    const cookieValue = newOpaqueId();
    const now = this.#now();
    const absolute = now + this.#absoluteMs;
    const row: Row = {
      id: digest(cookieValue),
      sub: identity.sub,
      name: identity.name,
      identity_type: identity.identityType,
      identity_num: identity.identityNum,
      role: identity.role,
      org_name: identity.orgName ?? null,
      org_code: identity.orgCode ?? null,
      credential: tokens.credential,
      credential_expires_at: tokens.credentialExpiresAt,
      refresh_token: tokens.refreshToken ?? null,
      id_token: tokens.idToken ?? null,
      csrf_token: randomBytes(32).toString('base64url'),
      created_at: now,
      last_seen_at: now,
      idle_expires_at: Math.min(now + this.#idleMs, absolute),
      absolute_expires_at: absolute,
    };
    this.#q.insert.run(this.#seal(row, SEALED));
    return { cookieValue, session: toSession(row) };
  }

  /** The live session behind a cookie value, or null (unknown, malformed or expired: expired ones are deleted). */
  find(cookieValue: string | undefined): StoredSession | null {
    if (!cookieValue || !OPAQUE_ID.test(cookieValue)) return null;
    const row = this.#q.find.get(digest(cookieValue));
    if (!row) return null;
    const now = this.#now();
    if (row.idle_expires_at <= now || row.absolute_expires_at <= now) {
      this.#q.destroy.run(row.id);
      return null;
    }
    try {
      return toSession(this.#open(row, SEALED));
    } catch {
      // Sealed with another key (BFF_DATA_KEY changed): the holder signs in again.
      this.#q.destroy.run(row.id);
      return null;
    }
  }

  /** Slides the idle timeout (never past the absolute one); updates `session` in place. */
  touch(session: StoredSession): void {
    const now = this.#now();
    const idle = Math.min(now + this.#idleMs, session.absoluteExpiresAt);
    this.#q.touch.run(now, now + this.#idleMs, session.id);
    session.lastSeenAt = now;
    session.idleExpiresAt = idle;
  }

  updateTokens(id: string, tokens: SessionTokens): void {
    this.#q.tokens.run(this.#seal({
      id,
      credential: tokens.credential,
      credential_expires_at: tokens.credentialExpiresAt,
      refresh_token: tokens.refreshToken ?? null,
      id_token: tokens.idToken ?? null,
    }, SEALED));
  }

  /** The refresh and ID tokens, which never leave this store except toward the provider. */
  secrets(id: string): { refreshToken: string | null; idToken: string | null } | null {
    const sealed = this.#q.secrets.get(id);
    if (!sealed) return null;
    try {
      const r = this.#open(sealed, SEALED);
      return { refreshToken: r.refresh_token, idToken: r.id_token };
    } catch {
      return null;
    }
  }

  destroy(id: string): void {
    this.#q.destroy.run(id);
  }

  /** Deletes expired sessions and abandoned logins; returns how many sessions went. */
  purgeExpired(): number {
    const now = this.#now();
    this.#q.purgePending.run(now);
    return this.#q.purge.run(now, now).changes;
  }

  // ---- pending logins (between /auth/login and /auth/callback) ----

  /**
   * Stores a login in progress; returns the cookie value that binds it to this browser. Expired
   * ones go first; then, past PENDING_PER_ADDRESS for `clientAddress` (req.ip, which TRUST_PROXY
   * makes the real client's) or PENDING_TOTAL overall, the oldest make room.
   */
  putPending(pending: PendingLogin, ttlSeconds: number, clientAddress?: string): string {
    const cookieValue = newOpaqueId();
    const now = this.#now();
    const clientKey = clientAddress ? digest(`pending-login:${clientAddress}`) : null;
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
      const p = this.#seal({ state: pending.state, nonce: pending.nonce, verifier: pending.verifier }, SEALED_PENDING);
      this.#q.putPending.run(digest(cookieValue), p.state, p.nonce, p.verifier, pending.returnTo, now + ttlSeconds * 1000, clientKey);
    }).immediate();
    return cookieValue;
  }

  /** How many logins are in progress (expired ones not yet purged included). */
  pendingCount(): number {
    return this.#q.pendingTotal.get()!.n;
  }

  /** Single use: the pending login is gone after this, whatever the callback turns out to be. */
  takePending(cookieValue: string | undefined): PendingLogin | null {
    if (!cookieValue || !OPAQUE_ID.test(cookieValue)) return null;
    const sealed = this.#q.takePending.get(digest(cookieValue));
    if (!sealed || sealed.expires_at <= this.#now()) return null;
    try {
      const r = this.#open(sealed, SEALED_PENDING);
      return { state: r.state, nonce: r.nonce, verifier: r.verifier, returnTo: r.return_to };
    } catch {
      return null;
    }
  }
}
