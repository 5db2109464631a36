// An instance that loses Redis says so: /readyz answers 503 naming redis, the routes that need the
// session store answer a clear 503 with Retry-After, and everything recovers by itself when the
// same redis-server comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

let redis: TestRedis;
let pg: PgServer;
let stack: BffStack;

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readyz = async () => {
  const res = await fetch(`${stack.origin}/readyz`);
  return { status: res.status, body: await res.json() as { status: string; checks: Record<string, string> } };
};

beforeAll(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  stack = await startBffStack({ env: { REDIS_URL: redis.url, DATABASE_URL: await createDatabase(pg, 'ready') } });
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([redis?.close(), pg?.stop()]);
});

describe('readiness with Redis', () => {
  it('is ready with Redis, not ready without it, and ready again when it returns', async () => {
    const holder = new BffClient(stack.origin);
    await holder.login('zhangsan');
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', checks: { redis: 'ok' } } });

    await redis.stop();
    await until(async () => (await readyz()).status === 503);
    expect((await readyz()).body.checks.redis).toBe('unreachable');
    const refused = await holder.api<{ error: { code: string; message: string } }>('GET', '/api/licenses');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.error.message).toBe('服务暂时不可用，请稍后再试');
    expect(refused.text).not.toMatch(/redis|ECONNREFUSED|at .*\.ts/i);
    // The liveness probe does not depend on it: the process is fine, only not ready.
    expect((await fetch(`${stack.origin}/healthz`)).status).toBe(200);

    await redis.start();
    await until(async () => (await readyz()).status === 200);
    // This Redis keeps nothing on disk: the holder signs in again, and that works at once.
    expect((await holder.api('GET', '/api/licenses')).status).toBe(401);
    await holder.login('zhangsan');
    expect((await holder.api('GET', '/api/licenses')).status).toBe(200);
  });
});
