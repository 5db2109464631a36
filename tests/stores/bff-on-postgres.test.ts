import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Authorisation } from '../../src/contract/bff.ts';
import type { CounterRedemption } from '../../src/contract/counter.ts';
import { BffClient, zhangsanAuthorisesHouseholdRegister } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { freshPgDatabase, pool, startEngines, stopEngines } from './engines.ts';

// The whole BFF with DATABASE_URL (issue 13): the holder authorises, the counter redeems, and the
// records and the counter's audit are in PostgreSQL, none in the SQLite file. REDIS_URL must come
// with it (config.ts); a throw-away Debian redis-server answers there.

let redis: TestRedis | undefined;
let stack: BffStack;
let dbUrl: string;

beforeAll(async () => {
  await startEngines();
  dbUrl = await freshPgDatabase();
  redis = await startRedis();
  stack = await startBffStack({ env: { DATABASE_URL: dbUrl, REDIS_URL: redis.url } });
});
afterAll(async () => {
  await stack?.close();
  await redis?.close();
  await stopEngines();
});

it('keeps the authorisation, its use and the counter audit in PostgreSQL', async () => {
  expect(stack.app.stores.engine).toBe('postgres');
  await expect(stack.app.stores.ping()).resolves.toBeUndefined();
  const { client: zhangsan, auth } = await zhangsanAuthorisesHouseholdRegister(stack.origin, 120, 'pg-bff-1');
  expect(auth.status).toBe('active');

  const staff = new BffClient(stack.origin);
  await staff.login('staff01');
  const redeemed = await staff.api<CounterRedemption>('POST', '/api/counter/redeem', {
    body: { bizNum: 'DC2026-PG-1', serviceItemCode: auth.serviceItemCode, authCode: auth.authCode },
  });
  expect(redeemed.status).toBe(200);
  expect(redeemed.body.holderName).toBe('张三');

  const db = pool(dbUrl);
  const rows = await db.query<{ state: string; auth_code: string }>('SELECT state, auth_code FROM holder_authorisations WHERE id = $1', [auth.id]);
  expect(rows.rows[0]?.auth_code).toBe(auth.authCode);
  const audit = await db.query<{ staff: string; biz_num: string; outcome: string; code_hash: string }>('SELECT staff, biz_num, outcome, code_hash FROM counter_audit');
  expect(audit.rows).toHaveLength(1);
  expect(audit.rows[0]).toMatchObject({ biz_num: 'DC2026-PG-1', outcome: 'ok' });
  expect(JSON.stringify(audit.rows)).not.toContain(auth.authCode);
  // Nothing of it in the SQLite file.
  expect(stack.app.bffDb.prepare(`SELECT name FROM sqlite_master WHERE name IN ('holder_authorisations', 'counter_audit')`).all()).toEqual([]);

  // The holder sees the use (from the feed or the uses list), read back from PostgreSQL.
  let status = '';
  for (let i = 0; i < 100 && status !== 'used'; i += 1) {
    status = (await zhangsan.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body.status;
    if (status !== 'used') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('used');
});
