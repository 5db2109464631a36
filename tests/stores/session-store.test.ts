// The session store's contract, held by both homes: the embedded SQLite file and Redis (REDIS_URL).
// What a holder would notice: signed in or not, for how long, tokens kept or not, one use of a login.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { DataCipher } from '../../src/bff/store/crypto.ts';
import { openBffDb } from '../../src/bff/store/db.ts';
import { RedisConnection } from '../../src/bff/store/redis.ts';
import { PENDING_PER_ADDRESS, touchStep, type SessionStore } from '../../src/bff/store/sessions.ts';
import { SqliteSessionStore } from '../../src/bff/store/sessions-sqlite.ts';
import { RedisSessionStore } from '../../src/bff/store/sessions-redis.ts';
import { SESSION_CACHE_MS, SessionCache } from '../../src/bff/store/sessions-cache.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

const identity = { sub: 'u1', name: '张三', identityType: '111', identityNum: '110101199003077777', role: 'citizen' as const };
const timeouts = { idleSeconds: 600, absoluteSeconds: 3600 };
const pending = { state: 's', nonce: 'n', verifier: 'v', returnTo: '/wallet' };
const log = pino({ level: 'silent' });

let redis: TestRedis;
const connections: RedisConnection[] = [];
const key = randomBytes(32);

async function connection(): Promise<RedisConnection> {
  const c = new RedisConnection(redis.url, log);
  await c.connect();
  connections.push(c);
  return c;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.close();
});

/** Polls `condition` (real time; the stores' clocks stay where the test put them). */
async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Home {
  /** A store over the same data as every other store this home made (another instance). */
  store: (now: () => number) => Promise<SessionStore>;
}

const homes: Record<string, () => Home> = {
  sqlite: () => {
    const db = openBffDb(':memory:', key);
    return { store: async (now) => new SqliteSessionStore(db, timeouts, now) };
  },
  redis: () => ({
    store: async (now) => {
      const store = new RedisSessionStore(await connection(), new DataCipher(key), timeouts, now);
      await store.listening;
      return store;
    },
  }),
};

describe.each(Object.keys(homes))('the %s session store', (name) => {
  let now = Date.now();
  const clock = () => now;
  let home: Home;
  beforeAll(() => {
    home = homes[name]!();
  });

  it('finds the session a cookie names, on another instance too, and nothing for unknown or malformed cookies', async () => {
    const a = await home.store(clock);
    const b = await home.store(clock);
    const { cookieValue, session } = await a.create({ ...identity, orgName: '东城区政务服务中心' }, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    expect(await b.find(cookieValue)).toMatchObject({ id: session.id, name: '张三', identityNum: identity.identityNum, credential: 'tok', orgName: '东城区政务服务中心' });
    const forged = cookieValue.slice(0, -1) + (cookieValue.endsWith('A') ? 'B' : 'A');
    expect(await b.find(forged)).toBeNull();
    expect(await b.find('not-a-cookie')).toBeNull();
    expect(await b.find(undefined)).toBeNull();
  });

  it('ends a session at its idle deadline, and slides it only when the deadline moves by more than a step', async () => {
    now = Date.now();
    const store = await home.store(clock);
    const { cookieValue, session } = await store.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    const first = session.idleExpiresAt;

    now += touchStep(timeouts.idleSeconds * 1000) / 2;
    const early = (await store.find(cookieValue))!;
    await store.touch(early);
    expect((await store.find(cookieValue))!.idleExpiresAt).toBe(first);

    now += touchStep(timeouts.idleSeconds * 1000);
    const later = (await store.find(cookieValue))!;
    await store.touch(later);
    expect((await store.find(cookieValue))!.idleExpiresAt).toBe(now + timeouts.idleSeconds * 1000);

    now += timeouts.idleSeconds * 1000 + 1;
    expect(await store.find(cookieValue)).toBeNull();
  });

  it('never slides past the absolute deadline', async () => {
    now = Date.now();
    const store = await home.store(clock);
    const { cookieValue } = await store.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    for (let t = 0; t < timeouts.absoluteSeconds; t += timeouts.idleSeconds / 2) {
      now += (timeouts.idleSeconds / 2) * 1000;
      const s = await store.find(cookieValue);
      if (!s) break;
      await store.touch(s);
      expect(s.idleExpiresAt).toBeLessThanOrEqual(s.absoluteExpiresAt);
    }
    expect(await store.find(cookieValue)).toBeNull();
  });

  it('keeps the refresh token across a refresh that returns none, and forgets everything on destroy', async () => {
    now = Date.now();
    const store = await home.store(clock);
    const { cookieValue, session } = await store.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000, refreshToken: 'r1', idToken: 'i1' });
    await store.updateTokens(session.id, { credential: 'tok2', credentialExpiresAt: now + 120_000 });
    expect(await store.secrets(session.id)).toEqual({ refreshToken: 'r1', idToken: 'i1' });
    expect((await store.find(cookieValue))!.credential).toBe('tok2');
    await store.destroy(session.id);
    expect(await store.find(cookieValue)).toBeNull();
    expect(await store.secrets(session.id)).toBeNull();
    // A late refresh of a session already ended does not bring it back.
    await store.updateTokens(session.id, { credential: 'tok3', credentialExpiresAt: now + 120_000 });
    expect(await store.find(cookieValue)).toBeNull();
  });

  // Issue 11: each instance keeps the sessions it opened for a moment (sessions-cache.ts). The
  // clock is frozen here, so no entry runs out by time: what ends a session is the logout itself.
  it('ends a session at once on the instance that signs it out, however recently it was found there', async () => {
    now = Date.now();
    const store = await home.store(clock);
    const { cookieValue, session } = await store.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    expect(await store.find(cookieValue)).not.toBeNull();
    expect(await store.find(cookieValue)).not.toBeNull();
    await store.destroy(session.id);
    expect(await store.find(cookieValue)).toBeNull();
  });

  it('ends a session on another instance when it is signed out on one, without waiting for time to pass', async () => {
    now = Date.now();
    const a = await home.store(clock);
    const b = await home.store(clock);
    const { cookieValue, session } = await a.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    expect(await b.find(cookieValue)).not.toBeNull();
    await a.destroy(session.id);
    await until(async () => (await b.find(cookieValue)) === null);
    expect(await a.find(cookieValue)).toBeNull();
  });

  it('gives another instance the renewed credential, and a copy no caller can change for the next', async () => {
    now = Date.now();
    const a = await home.store(clock);
    const b = await home.store(clock);
    const { cookieValue, session } = await a.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    const found = (await b.find(cookieValue))!;
    found.credential = 'changed by a caller';
    expect((await b.find(cookieValue))!.credential).toBe('tok');
    await a.updateTokens(session.id, { credential: 'tok2', credentialExpiresAt: now + 120_000 });
    expect((await a.find(cookieValue))!.credential).toBe('tok2');
    await until(async () => (await b.find(cookieValue))?.credential === 'tok2');
  });

  it('gives a pending login once, to any instance, and not after its time', async () => {
    now = Date.now();
    const a = await home.store(clock);
    const b = await home.store(clock);
    const cookie = await a.putPending(pending, 600, '203.0.113.9');
    expect(await b.takePending(cookie)).toEqual(pending);
    expect(await a.takePending(cookie)).toBeNull();
    const late = await a.putPending(pending, 60, '203.0.113.9');
    now += 61_000;
    expect(await b.takePending(late)).toBeNull();
  });

  it('caps the logins in progress per client address, dropping the oldest', async () => {
    now = Date.now();
    const store = await home.store(clock);
    const first = await store.putPending(pending, 600, '198.51.100.7');
    for (let i = 0; i < PENDING_PER_ADDRESS + 5; i++) await store.putPending(pending, 600, '198.51.100.7');
    expect(await store.takePending(first)).toBeNull();
    const other = await store.putPending(pending, 600, '198.51.100.8');
    expect(await store.takePending(other)).toEqual(pending);
  });
});

describe('the Redis session store across instances', () => {
  it('serves a session that vanished without a message (Redis expiry, a lost message) for at most SESSION_CACHE_MS', async () => {
    let now = Date.now();
    const clock = () => now;
    const c = await connection();
    const store = new RedisSessionStore(c, new DataCipher(key), timeouts, clock);
    await store.listening;
    const { cookieValue, session } = await store.create(identity, { credential: 'tok', credentialExpiresAt: now + 60_000 });
    expect(await store.find(cookieValue)).not.toBeNull();
    await c.client.del(`ecert:session:${session.id}`);
    // The bound, not a wish: within it the entry may still answer; once it has passed, never.
    now += SESSION_CACHE_MS - 1;
    expect(await store.find(cookieValue)).not.toBeNull();
    now += 1;
    expect(await store.find(cookieValue)).toBeNull();
  });
});

describe('the session cache', () => {
  const session = (id: string) => ({
    id, sub: 'u', name: '张三', identityType: '111', identityNum: '1', role: 'citizen' as const, credential: 't', csrfToken: 'c',
    createdAt: 0, lastSeenAt: 0, credentialExpiresAt: 10_000, idleExpiresAt: 10_000, absoluteExpiresAt: 20_000,
  });

  it('does not keep a read that began before the session was dropped', () => {
    const cache = new SessionCache(() => 0);
    const ticket = cache.ticket();
    cache.drop('s1'); // a logout heard while the read was on its way
    cache.put(session('s1'), ticket);
    expect(cache.get('s1')).toBeNull();
    cache.put(session('s1'), cache.ticket());
    expect(cache.get('s1')).toMatchObject({ id: 's1' });
  });

  it('answers nothing past the session\'s own deadlines, and holds at most its maximum', () => {
    let now = 0;
    const cache = new SessionCache(() => now, 60_000, 3);
    cache.put(session('s1'), cache.ticket());
    now = 10_000;
    expect(cache.get('s1')).toBeNull();
    now = 0;
    for (const id of ['a', 'b', 'c', 'd']) cache.put(session(id), cache.ticket());
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeNull();
    expect(cache.get('d')).not.toBeNull();
  });

  it('lets go of sessions nobody asked for again once their time is up', () => {
    let now = 0;
    const cache = new SessionCache(() => now, 2_000);
    cache.put(session('s1'), cache.ticket());
    cache.put(session('s2'), cache.ticket());
    now = 2_000;
    expect(cache.get('s3')).toBeNull();
    expect(cache.size).toBe(0);
  });
});

describe('the Redis session store at rest', () => {
  it('keeps names, identity numbers and tokens sealed, and lets Redis drop the session at its deadline', async () => {
    const c = await connection();
    const store = new RedisSessionStore(c, new DataCipher(key), timeouts);
    const { session } = await store.create(identity, { credential: 'secret-access', credentialExpiresAt: Date.now() + 60_000, refreshToken: 'secret-refresh' });
    const raw = await c.client.hgetall(`ecert:session:${session.id}`);
    for (const field of ['name', 'identity_num', 'credential', 'refresh_token']) expect(raw[field]).toMatch(/^enc1:/);
    expect(JSON.stringify(raw)).not.toContain(identity.identityNum);
    const ttl = await c.client.pttl(`ecert:session:${session.id}`);
    expect(ttl).toBeGreaterThan(timeouts.idleSeconds * 1000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(timeouts.idleSeconds * 1000);
  });
});
