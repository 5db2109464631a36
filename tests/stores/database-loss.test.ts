// An instance that loses PostgreSQL says so (issue 13): /readyz answers 503 naming the database,
// the routes that need the records answer a clear 503 with Retry-After (never a 500, never a
// hang), the expiry schedule and the feed keep running without a crash, and everything recovers
// by itself when the same server comes back with its data. A redemption made upstream while the
// database was away still reaches the holder's open stream afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuthorisationStatusEvent } from '../../src/contract/bff.ts';
import { BffClient, zhangsanAuthorisesHouseholdRegister, type Answer } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { signInCounterSystem } from '../support/counter-system.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { readStatusEvents, type TimedStatus } from '../support/sse.ts';
import { openPgPool } from '../../src/bff/store/pg.ts';
import { StoreUnavailableError } from '../../src/bff/store/unavailable.ts';

let redis: TestRedis;
let pg: PgServer;
let stack: BffStack;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readyz = async () => {
  const res = await fetch(`${stack.origin}/readyz`);
  return { status: res.status, body: await res.json() as { status: string; checks: Record<string, string> } };
};

type Envelope = { error: { code: string; message: string; requestId: string } };

/** The answer a route that needs the database gives while it is away. */
function expectStoreUnavailable(res: Answer<unknown>, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(503);
  expect(res.headers.get('retry-after'), what).toBe('5');
  expect((res.body as Envelope).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: '服务暂时不可用，请稍后再试' });
  expect(res.text, what).not.toMatch(/postgres|ECONNREFUSED|terminat|SQLSTATE|at .*\.ts/i);
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  stack = await startBffStack({ env: { REDIS_URL: redis.url, DATABASE_URL: await createDatabase(pg, 'loss') }, captureLogs: true });
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await stack?.close();
  await Promise.all([redis?.close(), pg?.stop()]);
});

it('answers 503 with Retry-After while PostgreSQL is away, keeps its loops alive, and recovers by itself', async () => {
  const { client: holder, auth } = await zhangsanAuthorisesHouseholdRegister(stack.origin, 300, 'pg-loss-1');
  expect(auth.status).toBe('active');
  const staff = new BffClient(stack.origin);
  await staff.login('staff01');
  const counterSystem = await signInCounterSystem(stack.origin);
  // The QR page's stream, opened while everything is up, stays open through the outage.
  const stream = await holder.raw('GET', `/api/authorisations/${auth.id}/events`, { headers: { accept: 'text/event-stream' } });
  expect(stream.status).toBe(200);
  const events: TimedStatus[] = [];
  const reading = readStatusEvents(stream.body!, events);
  void reading.done.catch(() => undefined);
  expect(await readyz()).toMatchObject({ status: 200, body: { checks: { database: 'ok', redis: 'ok' } } });

  await pg.halt();
  await until(async () => (await readyz()).status === 503, '/readyz says not ready');
  expect((await readyz()).body.checks).toMatchObject({ database: 'unreachable', redis: 'ok' });
  expect((await fetch(`${stack.origin}/healthz`)).status).toBe(200);

  expectStoreUnavailable(await holder.api('GET', '/api/history'), 'history');
  expectStoreUnavailable(await holder.api('GET', `/api/authorisations/${auth.id}`), 'one authorisation');
  expectStoreUnavailable(await holder.api('POST', `/api/authorisations/${auth.id}/revoke`), 'revoke');
  const licenseCode = auth.licenseCode;
  expectStoreUnavailable(await holder.api('POST', '/api/authorisations', {
    body: { licenseCode, serviceItemCode: auth.serviceItemCode, validitySeconds: 300, idempotencyKey: 'pg-loss-2', sensitiveConsent: true },
  }), 'authorise');
  // The counter cannot check the code's recipient without the records: nothing is redeemed, nothing half-written.
  expectStoreUnavailable(await staff.api('POST', '/api/counter/redeem', {
    body: { bizNum: 'DC2026-LOSS-1', serviceItemCode: auth.serviceItemCode, authCode: auth.authCode },
  }), 'counter redeem');

  // The counter's own system redeems the code upstream meanwhile: the feed has it, the BFF cannot store it yet.
  expect((await counterSystem.getLicense(auth.authCode!)).ack_code).toBe('SUCCESS');
  // The expiry schedule met the outage, said so in one short line, and goes on.
  await until(() => stack.logs.some((l) => l.includes('expiry pass failed; will retry')), 'the expiry runner meets the outage');

  await pg.start();
  await until(async () => (await readyz()).status === 200, '/readyz ready again');
  // The redemption made while the database was away reaches the stream that stayed open.
  await until(() => events.some((e) => (e.data as AuthorisationStatusEvent).status === 'used'), 'the open stream hears "used"');
  const history = await holder.api<{ items: { id: string; status: string }[] }>('GET', '/api/history');
  expect(history.status).toBe(200);
  const again = await holder.api<{ status: string }>('GET', `/api/authorisations/${auth.id}`);
  expect(again).toMatchObject({ status: 200, body: { status: 'used' } });

  await reading.cancel();
  // No request was answered with a 500, nothing escaped as an unhandled rejection, nothing personal was logged.
  expect(stack.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
  expect(rejections).toEqual([]);
  expect(stack.logs.join('\n')).not.toContain(auth.authCode!);
});

it('reports a wrong statement as the bug it is, not as the database being away', async () => {
  const pool = openPgPool(pg.url, 1);
  try {
    const err: unknown = await pool.query('SELEC 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailableError);
    await expect(pool.query('SELECT 1')).resolves.toMatchObject({ rowCount: 1 });
  } finally {
    await pool.end();
  }
});
