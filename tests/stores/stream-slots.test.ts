// The cap on live-status streams per session, counted per deployment in a real redis-server
// (issue 13): two instances share one count, a stream that ends frees its slot at once, a live
// instance keeps its streams counted past their lifetime, and a dead instance's slots lapse by
// themselves. The memory default counts the same way in one process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { RedisConnection } from '../../src/bff/store/redis.ts';
import { RedisStreamSlots } from '../../src/bff/store/redis-stream-slots.ts';
import { MemoryStreamSlots, type StreamSlot, type StreamSlots } from '../../src/bff/store/stream-slots.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

const log = pino({ level: 'silent' });
let redis: TestRedis;
const connections: RedisConnection[] = [];
const slotStores: StreamSlots[] = [];
/** Short enough to see a lapse in a test, long enough that a loaded machine's pauses do not cause one. */
const timing = { ttlMs: 3_000, renewEveryMs: 250 };

async function instance(): Promise<{ slots: RedisStreamSlots; connection: RedisConnection }> {
  const connection = new RedisConnection(redis.url, log);
  await connection.connect();
  connections.push(connection);
  const slots = new RedisStreamSlots(connection, timing);
  slotStores.push(slots);
  return { slots, connection };
}

async function acquireAll(slots: StreamSlots, session: string, n: number): Promise<StreamSlot[]> {
  const held: StreamSlot[] = [];
  for (let i = 0; i < n; i++) {
    const slot = await slots.acquire(session, 4);
    expect(slot, `slot ${i + 1}`).not.toBeNull();
    held.push(slot!);
  }
  return held;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(slotStores.map((s) => s.close()));
  await Promise.all(connections.map((c) => c.close()));
  await redis?.close();
});

describe('stream slots in Redis', () => {
  it('are one count for a session across two instances, and a released slot is free on the other at once', async () => {
    const [a, b] = [await instance(), await instance()];
    const onA = await acquireAll(a.slots, 'session-1', 2);
    await acquireAll(b.slots, 'session-1', 2);
    expect(await a.slots.acquire('session-1', 4)).toBeNull();
    expect(await b.slots.acquire('session-1', 4)).toBeNull();
    // Another session has its own count.
    expect(await b.slots.acquire('session-2', 4)).not.toBeNull();

    onA[0]!.release();
    onA[0]!.release();
    // The release is sent before the next command on A's connection; B sees it once it has arrived.
    await a.connection.client.ping();
    expect(await b.slots.acquire('session-1', 4)).not.toBeNull();
    expect(await b.slots.acquire('session-1', 4)).toBeNull();
  });

  it("keep a live instance's streams counted past their lifetime, and free a dead instance's after it", async () => {
    const [live, dying, other] = [await instance(), await instance(), await instance()];
    await acquireAll(live.slots, 'session-3', 2);
    await acquireAll(dying.slots, 'session-3', 2);
    // The dying instance loses Redis for good (a killed process renews nothing): its slots lapse, the live one's do not.
    dying.connection.client.disconnect();
    const started = Date.now();
    let freed: StreamSlot | null = null;
    while (!freed && Date.now() - started < 20_000) {
      freed = await other.slots.acquire('session-3', 4);
      if (!freed) await new Promise((r) => setTimeout(r, 100));
    }
    expect(freed).not.toBeNull();
    // Not before the lifetime was over.
    expect(Date.now() - started).toBeGreaterThanOrEqual(timing.ttlMs - 500);
    await acquireAll(other.slots, 'session-3', 1);
    // Live: 2, other: 2 — the live instance's streams are still counted, well past their first lifetime.
    expect(await other.slots.acquire('session-3', 4)).toBeNull();
  });
});

describe('stream slots in memory (one instance)', () => {
  it('count per session and free a slot once on release', async () => {
    const slots = new MemoryStreamSlots();
    const held = await acquireAll(slots, 's', 4);
    expect(await slots.acquire('s', 4)).toBeNull();
    held[0]!.release();
    held[0]!.release();
    expect(await slots.acquire('s', 4)).not.toBeNull();
    expect(await slots.acquire('s', 4)).toBeNull();
  });
});
