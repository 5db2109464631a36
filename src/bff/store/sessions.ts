// Server-side holder sessions and logins in progress, behind one interface with two homes: the
// BFF's SQLite file (sessions-sqlite.ts, the embedded default) and Redis (sessions-redis.ts, with
// REDIS_URL, shared by every instance). The browser holds only an opaque random id; the stores key
// on its SHA-256, so neither a copy of the store nor a log line can be replayed as a cookie.
// Tokens, names and identity numbers are sealed (AES-256-GCM, store/crypto.ts) in the fields SEALED names.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../contract/bff.ts';
import type { HolderSession } from '../fastify.d.ts';
import { DataCipher } from './crypto.ts';

/** Logins in progress one client address may hold; starting another drops its oldest. */
export const PENDING_PER_ADDRESS = 20;
/** Logins in progress overall; past this the oldest go, so the store cannot grow without bound. */
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

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface SessionTimeouts {
  idleSeconds: number;
  absoluteSeconds: number;
}

/** Where sessions and pending logins live. Every call may wait on the network (Redis). */
export interface SessionStore {
  /** A new session; returns the cookie value, which is stored nowhere. */
  create(identity: SessionIdentity, tokens: SessionTokens): Promise<{ cookieValue: string; session: StoredSession }>;
  /** The live session behind a cookie value, or null (unknown, malformed or expired). */
  find(cookieValue: string | undefined): Promise<StoredSession | null>;
  /**
   * Slides the idle timeout (never past the absolute one), updating `session` in place. Written
   * only when the deadline moves by more than TOUCH_STEP: not a write on every request.
   */
  touch(session: StoredSession): Promise<void>;
  updateTokens(id: string, tokens: SessionTokens): Promise<void>;
  /** The refresh and ID tokens, which never leave this store except toward the provider. */
  secrets(id: string): Promise<{ refreshToken: string | null; idToken: string | null } | null>;
  destroy(id: string): Promise<void>;
  /** Deletes expired sessions and abandoned logins (Redis lets them expire by themselves). */
  purgeExpired(): Promise<number>;
  /**
   * Stores a login in progress; returns the cookie value that binds it to this browser. Past
   * PENDING_PER_ADDRESS for `clientAddress` (req.ip) or PENDING_TOTAL overall, the oldest make room.
   */
  putPending(pending: PendingLogin, ttlSeconds: number, clientAddress?: string): Promise<string>;
  /** How many logins are in progress. */
  pendingCount(): Promise<number>;
  /** Single use: the pending login is gone after this, whatever the callback turns out to be. */
  takePending(cookieValue: string | undefined): Promise<PendingLogin | null>;
}

/** 256 bits, base64url: the session cookie and the pending-login cookie values. */
export const newOpaqueId = (): string => randomBytes(32).toString('base64url');
const OPAQUE_ID = /^[A-Za-z0-9_-]{43}$/;
export const isOpaqueId = (value: string | undefined): value is string => value !== undefined && OPAQUE_ID.test(value);
export const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/** The id a cookie value stands for; it is what `HolderSession.id` holds. */
export const sessionIdOf = (cookieValue: string): string => digest(cookieValue);
/** The per-address key of the pending-login cap: a hash, kept only as long as the login may take. */
export const pendingClientKey = (address: string | undefined): string | null => (address ? digest(`pending-login:${address}`) : null);

/** The deadline must move by at least this much before touch() writes (issue 11: no write per request). */
export const touchStep = (idleMs: number): number => Math.min(60_000, Math.floor(idleMs / 10));

/** The new idle deadline if it is worth a write, else null. Updates nothing. */
export function touchDue(session: StoredSession, now: number, idleMs: number): number | null {
  const idle = Math.min(now + idleMs, session.absoluteExpiresAt);
  return idle - session.idleExpiresAt > touchStep(idleMs) ? idle : null;
}

/** Fields kept sealed at rest; each value is bound to its field name. */
export const SEALED = ['name', 'identity_num', 'credential', 'refresh_token', 'id_token'] as const;
export const SEALED_PENDING = ['state', 'nonce', 'verifier'] as const;
/**
 * What `find` reads and opens: the session without its refresh and ID tokens, which only the
 * provider is ever sent (`secrets`). Opening the ID token, a long JWT, was most of a lookup's cost.
 */
export const FOUND_COLUMNS = [
  'id', 'sub', 'name', 'identity_type', 'identity_num', 'role', 'org_name', 'org_code', 'credential', 'credential_expires_at',
  'csrf_token', 'created_at', 'last_seen_at', 'idle_expires_at', 'absolute_expires_at',
] as const satisfies ReadonlyArray<keyof SessionRow>;
export const OPENED_ON_FIND = ['name', 'identity_num', 'credential'] as const satisfies ReadonlyArray<(typeof SEALED)[number]>;

/** A session as both stores keep it (SQLite columns, Redis hash fields). */
export interface SessionRow {
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

/** The row of a new session (not yet sealed) and the cookie value that names it. */
export function newSessionRow(identity: SessionIdentity, tokens: SessionTokens, now: number, t: SessionTimeouts): { cookieValue: string; row: SessionRow } {
  const cookieValue = newOpaqueId();
  const absolute = now + t.absoluteSeconds * 1000;
  return {
    cookieValue,
    row: {
      id: sessionIdOf(cookieValue),
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
      idle_expires_at: Math.min(now + t.idleSeconds * 1000, absolute),
      absolute_expires_at: absolute,
    },
  };
}

/** A session row as `find` reads it (FOUND_COLUMNS). */
export type FoundRow = Pick<SessionRow, (typeof FOUND_COLUMNS)[number]>;

export function toSession(r: FoundRow): StoredSession {
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

/**
 * A row `find` read, as a session a request may use; null when it has lapsed, or was sealed with
 * another key (BFF_DATA_KEY changed: the holder signs in again). The caller deletes a null one.
 */
export function liveSession(cipher: DataCipher, row: FoundRow, now: number): StoredSession | null {
  if (row.idle_expires_at <= now || row.absolute_expires_at <= now) return null;
  try {
    return toSession(openFields(cipher, row, OPENED_ON_FIND));
  } catch {
    return null;
  }
}

/** A copy of `row` with the named fields sealed (values already sealed, and nulls, left as they are). */
export function sealFields<T extends object>(cipher: DataCipher, row: T, fields: readonly string[]): T {
  const out = { ...row } as Record<string, unknown>;
  for (const c of fields) {
    const v = out[c];
    if (typeof v === 'string' && !DataCipher.isSealed(v)) out[c] = cipher.seal(v, c);
  }
  return out as T;
}

/** A copy of `row` with the named fields opened; throws when a value does not open (another key, tampering). */
export function openFields<T extends object>(cipher: DataCipher, row: T, fields: readonly string[]): T {
  const out = { ...row } as Record<string, unknown>;
  for (const c of fields) {
    const v = out[c];
    if (typeof v === 'string') out[c] = cipher.open(v, c);
  }
  return out as T;
}
