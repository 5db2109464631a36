// Issue 11: each instance keeps the sessions it has opened in memory for up to SESSION_CACHE_MS.
// What a holder would notice: signing out ends the session at once on the instance that did it,
// and on every other instance no later than that bound (in practice as soon as Redis relays the
// message). Two real BFF instances on one real Redis (and PostgreSQL, which REDIS_URL requires).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_CACHE_MS } from '../../src/bff/store/sessions-cache.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

let redis: TestRedis;
let pg: PgServer;
let a: BffStack;
let b: BffStack;

beforeAll(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const env = { REDIS_URL: redis.url, DATABASE_URL: await createDatabase(pg, 'sessions'), BFF_DATA_KEY: randomBytes(32).toString('base64') };
  a = await startBffStack({ env });
  b = await startBffStack({ env });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all([redis?.close(), pg?.stop()]);
});

/**
 * GET /api/session on `origin` with the cookies `holder` had when `cookies` was taken: the logout
 * clears the cookie in this browser, but a copy of it (another tab's request in flight, a stolen
 * cookie) must stop working too. Cookies do not depend on the port, so one jar serves both instances.
 */
const sessionAt = async (origin: string, cookies: string): Promise<number> =>
  (await fetch(`${origin}/api/session`, { headers: { accept: 'application/json', cookie: cookies } })).status;

describe('signing out with several instances', () => {
  it('ends the session at once on the instance that signs out, however recently it was used there', async () => {
    const holder = new BffClient(a.origin);
    await holder.login('zhangsan');
    const cookies = holder.jar.header();
    expect(await sessionAt(a.origin, cookies)).toBe(200);
    expect(await sessionAt(a.origin, cookies)).toBe(200);
    expect((await holder.api('POST', '/auth/logout', { headers: { origin: a.origin } })).status).toBeLessThan(400);
    expect(await sessionAt(a.origin, cookies)).toBe(401);
  });

  it(`ends it on another instance that had just used it, within ${SESSION_CACHE_MS} ms at worst`, async () => {
    const holder = new BffClient(a.origin);
    await holder.login('lisi');
    const cookies = holder.jar.header();
    // The other instance opens the session and keeps it in memory.
    expect(await sessionAt(b.origin, cookies)).toBe(200);
    expect(await sessionAt(b.origin, cookies)).toBe(200);
    expect((await holder.api('POST', '/auth/logout', { headers: { origin: a.origin } })).status).toBeLessThan(400);
    const signedOutAt = Date.now();

    // Every request the other instance receives after the bound must be refused; poll until one is.
    const lateAnswers: number[] = [];
    for (;;) {
      const sentAt = Date.now();
      const status = await sessionAt(b.origin, cookies);
      if (status === 401) break;
      expect(status).toBe(200);
      if (sentAt > signedOutAt + SESSION_CACHE_MS) lateAnswers.push(sentAt - signedOutAt);
      if (Date.now() - signedOutAt > 20_000) throw new Error('the other instance still serves the session');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(lateAnswers).toEqual([]);
  });
});
