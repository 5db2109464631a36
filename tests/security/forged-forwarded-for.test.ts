import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { ConfigError, loadConfig, parseTrustProxy } from '../../src/bff/config.ts';
import { openBffDb } from '../../src/bff/store/db.ts';
import { PENDING_PER_ADDRESS, PENDING_TOTAL } from '../../src/bff/store/sessions.ts';
import { SqliteSessionStore as SessionStore } from '../../src/bff/store/sessions-sqlite.ts';

// Finding 3: every client's X-Forwarded-For was trusted, so rotating it stepped around the per-IP
// limits; 3,000 logins in 5.6 s left 3,000 pending-login rows. Now TRUST_PROXY (off by default)
// decides whose forwarding headers count, and pending logins are capped and expire.

const pendingRows = (stack: BffStack) => (stack.app.bffDb.prepare('SELECT count(*) AS n FROM pending_logins').get() as { n: number }).n;

async function loginStarts(stack: BffStack, n: number, forwardedFor: (i: number) => string): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  // 50 at a time: a script's pace, not a browser's.
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
      const res = await fetch(`${stack.origin}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': forwardedFor(i + j) } });
      await res.arrayBuffer();
      return res.status;
    }));
    for (const s of batch) statuses[s] = (statuses[s] ?? 0) + 1;
  }
  return statuses;
}

describe('with TRUST_PROXY unset (no proxy in front)', () => {
  let stack: BffStack;
  beforeAll(async () => {
    stack = await startBffStack();
  }, 60_000);
  afterAll(async () => stack?.close());

  it('3,000 login starts from one address with a forged X-Forwarded-For each are limited and leave few rows', async () => {
    const statuses = await loginStarts(stack, 3000, (i) => `198.51.100.${i % 250}, 203.0.113.${i % 200}`);
    expect(statuses[303]).toBe(30);
    expect(statuses[429]).toBe(2970);
    expect(pendingRows(stack)).toBeLessThanOrEqual(PENDING_PER_ADDRESS);
  });

  it('answers the limit in the BFF envelope with no-store', async () => {
    const res = await fetch(`${stack.origin}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': '192.0.2.1' } });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });
});

describe('with TRUST_PROXY=1 (one proxy of ours in front)', () => {
  let stack: BffStack;
  beforeAll(async () => {
    stack = await startBffStack({ env: { TRUST_PROXY: '1' } });
  }, 60_000);
  afterAll(async () => stack?.close());

  it('keys the limit on the address our proxy saw, whatever the client prepended', async () => {
    // The client forges the left part; our proxy appends the address it saw (203.0.113.7).
    const statuses = await loginStarts(stack, 100, (i) => `10.0.${i}.1, 203.0.113.7`);
    expect(statuses[303]).toBe(30);
    expect(statuses[429]).toBe(70);
    // Another client behind the same proxy has its own allowance.
    const other = await loginStarts(stack, 1, () => '203.0.113.8');
    expect(other[303]).toBe(1);
  });
});

describe('with TRUST_PROXY naming the proxy', () => {
  let stack: BffStack;
  beforeAll(async () => {
    stack = await startBffStack({ env: { TRUST_PROXY: '127.0.0.1/32, ::1' } });
  }, 60_000);
  afterAll(async () => stack?.close());

  it('believes X-Forwarded-For only from that proxy', async () => {
    const statuses = await loginStarts(stack, 40, () => '203.0.113.9');
    expect(statuses[303]).toBe(30);
    expect((await loginStarts(stack, 1, () => '203.0.113.10'))[303]).toBe(1);
  });
});

describe('TRUST_PROXY values', () => {
  it.each([
    [undefined, false],
    ['off', false],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.10', ['10.0.0.0/8', '192.168.1.10']],
    ['fd00::/8', ['fd00::/8']],
  ])('%s -> %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each(['true', 'all', '10.0.0.0/33', '300.1.1.1', '11', '10.0.0.1/8/2'])('refuses %s with one line naming TRUST_PROXY', (raw) => {
    expect(() => loadConfig({ TRUST_PROXY: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: raw })).toThrow(/TRUST_PROXY/);
  });
});

describe('pending logins', () => {
  const pending = { state: 's', nonce: 'n', verifier: 'v', returnTo: '/' };

  it('expire, and are capped per address and overall', async () => {
    let now = 1_000_000;
    const db = openBffDb(':memory:');
    const store = new SessionStore(db, { idleSeconds: 60, absoluteSeconds: 600 }, () => now);
    const first = await store.putPending(pending, 600, '203.0.113.1');
    for (let i = 0; i < 30; i++) await store.putPending(pending, 600, '203.0.113.1');
    expect(await store.pendingCount()).toBe(PENDING_PER_ADDRESS);
    // The oldest made room; the newest still works.
    expect(await store.takePending(first)).toBeNull();
    const fresh = await store.putPending(pending, 600, '203.0.113.2');
    expect(await store.takePending(fresh)).toEqual(pending);

    now += 601_000;
    await store.putPending(pending, 600, '203.0.113.3');
    expect(await store.pendingCount()).toBe(1);

    for (let i = 0; i < PENDING_TOTAL + 50; i++) await store.putPending(pending, 600, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(await store.pendingCount()).toBe(PENDING_TOTAL);
    db.close();
  });
});
