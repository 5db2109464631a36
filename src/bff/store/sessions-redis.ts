// Sessions and logins in progress in Redis (REDIS_URL): every instance finds the session another
// created. Each session is a hash that Redis drops at its idle (or absolute) deadline; each
// pending login a string with the login's TTL. The same fields are sealed as in SQLite.
//
// Each instance keeps the sessions it opened for up to SESSION_CACHE_MS (sessions-cache.ts). An
// instance that ends or renews a session publishes its id on SESSION_ENDED in the same step, and
// every instance drops it on hearing that; one whose subscription was down forgets everything
// when it is back. A message that never arrives costs at most SESSION_CACHE_MS.
import type { DataCipher } from './crypto.ts';
import { KEY_PREFIX, viaRedis, type RedisConnection } from './redis.ts';
import { SessionCache } from './sessions-cache.ts';
import {
  FOUND_COLUMNS, PENDING_PER_ADDRESS, PENDING_TOTAL, SEALED, SEALED_PENDING, isOpaqueId, liveSession, newOpaqueId, newSessionRow, openFields,
  pendingClientKey, sealFields, sessionIdOf, toSession, touchDue,
  type FoundRow, type PendingLogin, type SessionIdentity, type SessionRow, type SessionStore, type SessionTimeouts, type SessionTokens,
  type StoredSession,
} from './sessions.ts';

const SESSION = `${KEY_PREFIX}session:`;
/** Pub/sub channel: the id (SHA-256 of the cookie) of a session that ended or got new tokens. */
export const SESSION_ENDED = `${KEY_PREFIX}session-ended`;
const PENDING = `${KEY_PREFIX}pending:`;
const PENDING_ALL = `${KEY_PREFIX}pending-all`;
const PENDING_OF = `${KEY_PREFIX}pending-of:`;
const NUMERIC: ReadonlySet<string> = new Set(['credential_expires_at', 'created_at', 'last_seen_at', 'idle_expires_at', 'absolute_expires_at']);

/** Sets fields of a session that still exists (never resurrects a deleted one without a TTL); ARGV[1] a new deadline or ''. */
const SET_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if ARGV[1] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return 1`;

/**
 * Stores a pending login after making room under both caps (the oldest go first), in one step.
 * Scores are expiry ms * 1000 plus a sequence, so logins started in the same millisecond still
 * leave in the order they came.
 */
const PUT_PENDING = `
local now = tonumber(ARGV[3]) * 1000 + 999
local score = tonumber(ARGV[2]) * 1000 + redis.call('INCR', KEYS[2] .. ':seq') % 1000
local function trim(z, cap)
  redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  local over = redis.call('ZCARD', z) - cap + 1
  if over > 0 then
    local gone = redis.call('ZPOPMIN', z, over)
    for i = 1, #gone, 2 do redis.call('DEL', ARGV[7] .. gone[i]) end
  end
end
if ARGV[8] == '1' then trim(KEYS[3], tonumber(ARGV[4])) end
trim(KEYS[2], tonumber(ARGV[5]))
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('ZADD', KEYS[2], score, ARGV[6])
if ARGV[8] == '1' then
  redis.call('ZADD', KEYS[3], score, ARGV[6])
  redis.call('PEXPIREAT', KEYS[3], ARGV[2])
end
return 1`;

function toHash(row: SessionRow): string[] {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(row)) if (v !== null && v !== undefined) pairs.push(k, String(v));
  return pairs;
}

/** The FOUND_COLUMNS of a session hash (HMGET's answer, in that order), or null if there is none. */
function fromFields(values: ReadonlyArray<string | null>): FoundRow | null {
  if (!values[0]) return null;
  const row: Record<string, unknown> = {};
  FOUND_COLUMNS.forEach((k, i) => {
    const v = values[i] ?? null;
    row[k] = v !== null && NUMERIC.has(k) ? Number(v) : v;
  });
  return row as unknown as FoundRow;
}

interface PendingRecord { state: string; nonce: string; verifier: string; return_to: string; expires_at: number; client_key: string | null }

export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisConnection;
  readonly #cipher: DataCipher;
  readonly #t: SessionTimeouts;
  readonly #now: () => number;
  readonly #setIfExists;
  readonly #putPending;
  readonly #cache: SessionCache;

  constructor(redis: RedisConnection, cipher: DataCipher, timeouts: SessionTimeouts, now: () => number = Date.now) {
    this.#redis = redis;
    this.#cipher = cipher;
    this.#t = timeouts;
    this.#now = now;
    this.#setIfExists = redis.script('ecertSetIfExists', 1, SET_IF_EXISTS);
    this.#putPending = redis.script('ecertPutPending', 3, PUT_PENDING);
    this.#cache = new SessionCache(now);
    const sub = redis.subscriber();
    sub.on('message', (channel: string, id: string) => {
      if (channel === SESSION_ENDED) this.#cache.drop(id);
    });
    // Messages sent while the subscription was down are lost: forget everything on each (re)connect.
    sub.on('ready', () => this.#cache.clear());
    this.listening = sub.subscribe(SESSION_ENDED).then(() => undefined, () => undefined);
  }

  /** Settles once this instance hears other instances' logouts; pending while Redis is away. */
  readonly listening: Promise<void>;

  /** Ends or changes a session everywhere: this instance forgets it now, the others when they hear. */
  async #ended(id: string, change: () => Promise<unknown>): Promise<void> {
    this.#cache.drop(id);
    try {
      await viaRedis(change);
    } finally {
      this.#cache.drop(id);
    }
  }

  get #client() {
    return this.#redis.client;
  }

  async create(identity: SessionIdentity, tokens: SessionTokens): Promise<{ cookieValue: string; session: StoredSession }> {
    const { cookieValue, row } = newSessionRow(identity, tokens, this.#now(), this.#t);
    const key = SESSION + row.id;
    await viaRedis(() => this.#client.multi()
      .hset(key, ...toHash(sealFields(this.#cipher, row, SEALED)))
      .pexpireat(key, row.idle_expires_at)
      .exec());
    return { cookieValue, session: toSession(row) };
  }

  async find(cookieValue: string | undefined): Promise<StoredSession | null> {
    if (!isOpaqueId(cookieValue)) return null;
    const id = sessionIdOf(cookieValue);
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const ticket = this.#cache.ticket();
    const row = fromFields(await viaRedis(() => this.#client.hmget(SESSION + id, ...FOUND_COLUMNS)));
    if (!row) return null;
    const session = liveSession(this.#cipher, row, this.#now());
    if (!session) {
      await this.destroy(id);
      return null;
    }
    this.#cache.put(session, ticket);
    return session;
  }

  async touch(session: StoredSession): Promise<void> {
    const now = this.#now();
    const idle = touchDue(session, now, this.#t.idleSeconds * 1000);
    if (idle === null) return;
    await viaRedis(() => this.#setIfExists(SESSION + session.id, idle, 'last_seen_at', now, 'idle_expires_at', idle));
    session.lastSeenAt = now;
    session.idleExpiresAt = idle;
    this.#cache.slide(session.id, now, idle);
  }

  async updateTokens(id: string, tokens: SessionTokens): Promise<void> {
    const sealed = sealFields(this.#cipher, {
      credential: tokens.credential,
      credential_expires_at: String(tokens.credentialExpiresAt),
      refresh_token: tokens.refreshToken ?? null,
      id_token: tokens.idToken ?? null,
    }, SEALED);
    // Like SQLite's coalesce: a refresh that returns no new refresh or ID token keeps the old one.
    const pairs = Object.entries(sealed).filter(([, v]) => v !== null).flat() as string[];
    await this.#ended(id, async () => {
      await this.#setIfExists(SESSION + id, '', ...pairs);
      await this.#client.publish(SESSION_ENDED, id);
    });
  }

  async secrets(id: string): Promise<{ refreshToken: string | null; idToken: string | null } | null> {
    const [refresh, idToken, exists] = await viaRedis(() => this.#client.hmget(SESSION + id, 'refresh_token', 'id_token', 'id'));
    if (!exists) return null;
    try {
      const r = openFields(this.#cipher, { refresh_token: refresh ?? null, id_token: idToken ?? null }, SEALED);
      return { refreshToken: r.refresh_token, idToken: r.id_token };
    } catch {
      return null;
    }
  }

  async destroy(id: string): Promise<void> {
    // One transaction: no instance can read the session after the message and before the delete.
    await this.#ended(id, () => this.#client.multi().del(SESSION + id).publish(SESSION_ENDED, id).exec());
  }

  async purgeExpired(): Promise<number> {
    // Redis drops expired keys itself; only the index of pending logins needs trimming.
    await viaRedis(() => this.#client.zremrangebyscore(PENDING_ALL, '-inf', this.#now() * 1000 + 999));
    return 0;
  }

  async putPending(pending: PendingLogin, ttlSeconds: number, clientAddress?: string): Promise<string> {
    const cookieValue = newOpaqueId();
    const id = sessionIdOf(cookieValue);
    const now = this.#now();
    const clientKey = pendingClientKey(clientAddress);
    const sealed = sealFields(this.#cipher, { state: pending.state, nonce: pending.nonce, verifier: pending.verifier }, SEALED_PENDING);
    const record: PendingRecord = { ...sealed, return_to: pending.returnTo, expires_at: now + ttlSeconds * 1000, client_key: clientKey };
    await viaRedis(() => this.#putPending(
      PENDING + id, PENDING_ALL, PENDING_OF + (clientKey ?? 'none'),
      JSON.stringify(record), record.expires_at, now, PENDING_PER_ADDRESS, PENDING_TOTAL, id, PENDING, clientKey ? '1' : '0',
    ));
    return cookieValue;
  }

  async pendingCount(): Promise<number> {
    return viaRedis(() => this.#client.zcount(PENDING_ALL, `(${this.#now() * 1000 + 999}`, '+inf'));
  }

  async takePending(cookieValue: string | undefined): Promise<PendingLogin | null> {
    if (!isOpaqueId(cookieValue)) return null;
    const id = sessionIdOf(cookieValue);
    const raw = await viaRedis(() => this.#client.getdel(PENDING + id));
    if (!raw) return null;
    const sealed = JSON.parse(raw) as PendingRecord;
    await viaRedis(() => {
      const m = this.#client.multi().zrem(PENDING_ALL, id);
      if (sealed.client_key) m.zrem(PENDING_OF + sealed.client_key, id);
      return m.exec();
    });
    if (sealed.expires_at <= this.#now()) return null;
    try {
      const r = openFields(this.#cipher, sealed, SEALED_PENDING);
      return { state: r.state, nonce: r.nonce, verifier: r.verifier, returnTo: r.return_to };
    } catch {
      return null;
    }
  }
}
