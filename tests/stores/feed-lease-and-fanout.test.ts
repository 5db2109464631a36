// One feed consumer per deployment and live status on every instance, against a real redis-server:
// the lease passes on when its holder closes or dies, and a status published on one instance
// reaches the streams of another, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { AuthorisationStatusEvent } from '../../src/contract/bff.ts';
import { RedisConnection } from '../../src/bff/store/redis.ts';
import { FEED_LEASE_KEY, FeedLease } from '../../src/bff/store/redis-lease.ts';
import { RedisStatusFanout } from '../../src/bff/store/redis-fanout.ts';
import { StatusHub } from '../../src/bff/services/status-feed.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

const log = pino({ level: 'silent' });
let redis: TestRedis;
const connections: RedisConnection[] = [];

async function connection(): Promise<RedisConnection> {
  const c = new RedisConnection(redis.url, log);
  await c.connect();
  connections.push(c);
  return c;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.close();
});

function lease(c: RedisConnection, ttlMs = 1_000) {
  const events: string[] = [];
  const l = new FeedLease(c, { ttlMs, intervalMs: 100, log, onAcquire: () => events.push('acquire'), onLose: () => events.push('lose') });
  return { l, events };
}

describe('the feed lease', () => {
  it('is held by one instance at a time, and passes on at once when its holder closes', async () => {
    const a = lease(await connection());
    const b = lease(await connection());
    a.l.start();
    await until(() => a.l.held);
    b.l.start();
    // Several renewal rounds: B never holds it while A does.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 150));
      expect(b.l.held).toBe(false);
    }
    await a.l.stop();
    expect(a.events).toEqual(['acquire', 'lose']);
    await until(() => b.l.held, 3_000);
    expect(b.events).toEqual(['acquire']);
    await b.l.stop();
  });

  it('is taken over within its TTL when the holder dies without releasing it', async () => {
    const conn = await connection();
    const a = lease(conn);
    const b = lease(await connection());
    a.l.start();
    await until(() => a.l.held);
    b.l.start();
    // The holder's process dies: its connection goes, nothing is released.
    conn.client.disconnect();
    const died = Date.now();
    await until(() => b.l.held, 5_000);
    expect(Date.now() - died).toBeLessThan(3_000);
    // The dead holder's own view agrees once its last renewal has run out.
    await until(() => !a.l.held, 2_000);
    expect(a.events).toEqual(['acquire', 'lose']);
    const holder = await connections[0]!.client.get(FEED_LEASE_KEY);
    expect(holder).toBe(b.l.owner);
    await Promise.all([a.l.stop(), b.l.stop()]);
  });
});

describe('the live-status fan-out', () => {
  const event = (status: AuthorisationStatusEvent['status']): AuthorisationStatusEvent => ({ id: 'auth-1', status, redemptions: [] });

  it('delivers a status published on one instance to the streams on another, and an identical one only once', async () => {
    const hubA = new StatusHub(new RedisStatusFanout(await connection(), log));
    const hubB = new StatusHub(new RedisStatusFanout(await connection(), log));
    const onA: string[] = [];
    const onB: string[] = [];
    hubA.subscribe('auth-1', (e) => onA.push(e.status));
    hubB.subscribe('auth-1', (e) => onB.push(e.status));
    hubB.subscribe('auth-2', () => onB.push('wrong stream'));
    // Subscriptions are asynchronous: wait until Redis counts both listeners.
    const probe = connections[connections.length - 1]!;
    await until(async () => ((await probe.client.pubsub('NUMSUB', 'ecert:status')) as [string, number])[1] >= 2);

    hubA.publish(event('used'));
    await until(() => onA.length === 1 && onB.length === 1);
    // The same news again (a lease taken over re-reads the last events): nobody hears it twice.
    hubB.publish(event('used'));
    hubA.publish(event('revoked'));
    await until(() => onA.length === 2 && onB.length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(onA).toEqual(['used', 'revoked']);
    expect(onB).toEqual(['used', 'revoked']);
  });
});
