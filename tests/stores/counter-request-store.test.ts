import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_MS, requestHash, type NewCounterRequest } from '../../src/bff/store/counter-requests.ts';
import { migratePg } from '../../src/bff/store/migrations.ts';
import { PgCounterRequestStore } from '../../src/bff/store/pg-counter-requests.ts';
import { PG_MIGRATIONS } from '../../src/bff/store/pg-stores.ts';
import { ENGINES, freshPgDatabase, freshStores, pool, startEngines, stopEngines } from './engines.ts';

// The counter-initiated requests (扫码授权, issues 13 and 15) on both engines: a request is
// answered once, handed to the counter once, and refused after it expires, whichever instance asks.

beforeAll(startEngines);
afterAll(stopEngines);

const request = (over: Partial<NewCounterRequest> = {}): NewCounterRequest => ({
  staff_sub: 'staff01', org_code: 'ORG-DC', org_name: '东城区政务服务中心', service_item_code: 'ITEM-1', service_item_name: '不动产登记',
  biz_num: 'DC2026-1', license_item_codes: JSON.stringify(['LIC-1']), created_at: 1_000, expires_at: 301_000,
  ...over,
});

describe.each(ENGINES)('on %s', (engine) => {
  it('keeps a new request waiting under the hash of its id, and nothing under another id', async () => {
    const { counterRequests: s } = await freshStores(engine);
    await s.insert('req-1', request());
    const row = await s.byId('req-1');
    expect(row).toMatchObject({ ...request(), id_hash: requestHash('req-1'), state: 'waiting', holder_sub: null, authorisation_id: null, message: null });
    expect(row?.id_hash).not.toContain('req-1');
    expect(typeof row?.expires_at).toBe('number');
    expect(await s.byId('req-2')).toBeUndefined();
  });

  it('is answered once: a second answer or a decline after it is refused and changes nothing', async () => {
    const { counterRequests: s } = await freshStores(engine);
    await s.insert('req-1', request());
    expect(await s.answer('req-1', 'sub-zhangsan', 'auth-1', 2_000)).toBe(true);
    expect(await s.answer('req-1', 'sub-lisi', 'auth-2', 2_001)).toBe(false);
    expect(await s.decline('req-1', 'sub-zhangsan', 2_002)).toBe(false);
    expect(await s.byId('req-1')).toMatchObject({ state: 'answered', holder_sub: 'sub-zhangsan', authorisation_id: 'auth-1' });
    expect(await s.answer('req-unknown', 'sub-zhangsan', 'auth-1', 2_000)).toBe(false);
  });

  it('is declined once, and cannot be answered after', async () => {
    const { counterRequests: s } = await freshStores(engine);
    await s.insert('req-1', request());
    expect(await s.decline('req-1', 'sub-zhangsan', 2_000)).toBe(true);
    expect(await s.answer('req-1', 'sub-zhangsan', 'auth-1', 2_001)).toBe(false);
    expect(await s.byId('req-1')).toMatchObject({ state: 'declined', holder_sub: 'sub-zhangsan', authorisation_id: null });
  });

  it('hands an answered request to one taker, settles it, and gives it back for a retry after a transient fault', async () => {
    const { counterRequests: s } = await freshStores(engine);
    await s.insert('req-1', request());
    expect(await s.take('req-1')).toBe(false);
    await s.answer('req-1', 'sub-zhangsan', 'auth-1', 2_000);
    expect(await s.take('req-1')).toBe(true);
    expect(await s.take('req-1')).toBe(false);
    // A fault on the way: the answer is there again for the next poll, once.
    await s.settle('req-1', 'answered');
    expect(await s.take('req-1')).toBe(true);
    await s.settle('req-1', 'failed', '持证人的授权已失效');
    expect(await s.byId('req-1')).toMatchObject({ state: 'failed', message: '持证人的授权已失效' });
    // Settled: neither taken nor settled again.
    expect(await s.take('req-1')).toBe(false);
    await s.settle('req-1', 'done');
    expect((await s.byId('req-1'))?.state).toBe('failed');
  });

  it('refuses an answer or a decline at and after expiry, and drops requests long expired when a new one starts', async () => {
    const { counterRequests: s } = await freshStores(engine);
    await s.insert('old', request({ expires_at: 6_000 }));
    expect(await s.answer('old', 'sub-zhangsan', 'auth-1', 6_000)).toBe(false);
    expect(await s.decline('old', 'sub-zhangsan', 7_000)).toBe(false);
    expect((await s.byId('old'))?.state).toBe('waiting');
    // Within the hour after expiry the counter may still ask for it.
    await s.insert('within', request({ created_at: 6_000 + KEEP_MS, expires_at: 6_000 + KEEP_MS + 300_000 }));
    expect(await s.byId('old')).toBeDefined();
    await s.insert('later', request({ created_at: 6_001 + KEEP_MS, expires_at: 6_001 + KEEP_MS + 300_000 }));
    expect(await s.byId('old')).toBeUndefined();
    expect((await s.byId('within'))?.state).toBe('waiting');
    expect((await s.byId('later'))?.state).toBe('waiting');
  });
});

describe('on postgres, two instances', () => {
  it('see the same request: one starts it, the other reads and answers it', async () => {
    const url = await freshPgDatabase();
    const [a, b] = [pool(url), pool(url)];
    await migratePg(a, PG_MIGRATIONS);
    const [onA, onB] = [new PgCounterRequestStore(a), new PgCounterRequestStore(b)];
    await onA.insert('req-1', request());
    expect((await onB.byId('req-1'))?.state).toBe('waiting');
    expect(await onB.answer('req-1', 'sub-zhangsan', 'auth-1', 2_000)).toBe(true);
    expect(await onA.answer('req-1', 'sub-lisi', 'auth-2', 2_000)).toBe(false);
    expect(await onA.byId('req-1')).toMatchObject({ state: 'answered', authorisation_id: 'auth-1' });
  });

  it('racing to take or answer the same request on two connections, exactly one wins each time', async () => {
    const url = await freshPgDatabase();
    const [a, b] = [pool(url), pool(url)];
    await migratePg(a, PG_MIGRATIONS);
    const [onA, onB] = [new PgCounterRequestStore(a), new PgCounterRequestStore(b)];
    const ids = Array.from({ length: 20 }, (_, i) => `req-${i}`);
    for (const id of ids) await onA.insert(id, request());

    const answers = await Promise.all(ids.map((id) => Promise.all([
      onA.answer(id, 'sub-zhangsan', `auth-a-${id}`, 2_000), onB.answer(id, 'sub-lisi', `auth-b-${id}`, 2_000),
    ])));
    expect(answers.map(([x, y]) => Number(x) + Number(y))).toEqual(ids.map(() => 1));

    const takes = await Promise.all(ids.map((id) => Promise.all([onA.take(id), onB.take(id)])));
    expect(takes.map(([x, y]) => Number(x) + Number(y))).toEqual(ids.map(() => 1));
    for (const id of ids) expect((await onB.byId(id))?.state).toBe('delivering');
  });
});
