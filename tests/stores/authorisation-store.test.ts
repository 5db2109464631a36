import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BffStores } from '../../src/bff/store/plugin.ts';
import { ENGINES, claimOf, freshStores, startEngines, stopEngines } from './engines.ts';

// One table of behaviour, two engines (issue 13): what the services rely on of the authorisation
// records, the feed cursor, the expiry schedule, the counter's live codes and its audit.

beforeAll(startEngines);
afterAll(stopEngines);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** An active record: claimed at `created`, code `code`, chosen expiry `expires`, upstream code life `codeExpires`. */
async function active(s: BffStores, over: { id: string; code: string; key?: string; sub?: string; org?: string; created?: number; expires: number; codeExpires: number; spares?: string[] }) {
  const created = over.created ?? 1_000;
  await s.authorisations.claim(claimOf({ id: over.id, idempotency_key: over.key ?? over.id, sub: over.sub ?? 'sub-zhangsan', org_code: over.org ?? 'ORG-DC', created_at: created }));
  await s.authorisations.recordMinted(over.id, over.code, over.spares ?? []);
  await s.authorisations.activate(over.id, { authCode: over.code, createdAt: created, expiresAt: over.expires, codeExpiresAt: over.codeExpires, revokeCredential: 'credential-1' });
}

describe.each(ENGINES)('on %s', (engine) => {
  it('claims an idempotency key once, gives it back on release, and hides a pending claim from its holder', async () => {
    const s = await freshStores(engine);
    expect(await s.authorisations.claim(claimOf({ id: 'a1' }))).toBe(true);
    expect(await s.authorisations.claim(claimOf({ id: 'a2' }))).toBe(false);
    expect((await s.authorisations.byKey('sub-zhangsan', 'key-1'))?.id).toBe('a1');
    expect(await s.authorisations.owned('sub-zhangsan', 'a1')).toBeUndefined();
    // The same key of another holder is theirs.
    expect(await s.authorisations.claim(claimOf({ id: 'b1', sub: 'sub-lisi' }))).toBe(true);
    await s.authorisations.release('a1');
    expect(await s.authorisations.claim(claimOf({ id: 'a3' }))).toBe(true);
  });

  it('finds an active record by id, owner, code and code hash, and never for another holder', async () => {
    const s = await freshStores(engine);
    await active(s, { id: 'a1', code: 'CODE-1', expires: 31_000, codeExpires: 301_000 });
    const row = await s.authorisations.owned('sub-zhangsan', 'a1');
    expect(row).toMatchObject({ state: 'active', auth_code: 'CODE-1', expires_at: 31_000, code_expires_at: 301_000, upstream_revoked: 0 });
    expect(typeof row?.created_at).toBe('number');
    expect(await s.authorisations.owned('sub-lisi', 'a1')).toBeUndefined();
    expect((await s.authorisations.byAuthCode('CODE-1'))?.id).toBe('a1');
    expect((await s.authorisations.byAuthCodeHash(sha256('CODE-1')))?.id).toBe('a1');
    expect(await s.authorisations.byAuthCodeHash(sha256('CODE-2'))).toBeUndefined();
    expect((await s.authorisations.ofSub('sub-zhangsan')).map((r) => r.id)).toEqual(['a1']);
  });

  it('moves a record only from the states named, once', async () => {
    const s = await freshStores(engine);
    await active(s, { id: 'a1', code: 'CODE-1', expires: 31_000, codeExpires: 301_000 });
    expect(await s.authorisations.transition('a1', ['expired'], 'used', 2_000)).toBe(false);
    expect(await s.authorisations.transition('a1', ['active', 'expired'], 'used', 2_000)).toBe(true);
    expect(await s.authorisations.transition('a1', ['active'], 'revoked', 3_000)).toBe(false);
    expect(await s.authorisations.transition('a1', ['active', 'used'], 'revoked', 4_000)).toBe(true);
    expect(await s.authorisations.byId('a1')).toMatchObject({ state: 'revoked', closed_at: 2_000 });
  });

  it('keeps each redemption once, in time order, and the feed cursor', async () => {
    const s = await freshStores(engine);
    await active(s, { id: 'a1', code: 'CODE-1', expires: 31_000, codeExpires: 301_000 });
    const use = { authCode: 'CODE-1', interface: 'get_license' as const, system: 'counter-demo', systemName: '窗口', orgName: '东城区', operatorName: null, timeText: '2026-12-02 10:00:01', at: 5_000 };
    expect(await s.authorisations.addRedemption('a1', use)).toBe(true);
    expect(await s.authorisations.addRedemption('a1', use)).toBe(false);
    expect(await s.authorisations.addRedemption('a1', { ...use, timeText: '2026-12-02 09:00:00', at: 4_000 })).toBe(true);
    expect((await s.authorisations.redemptions('a1')).map((r) => r.at)).toEqual([new Date(4_000).toISOString(), new Date(5_000).toISOString()]);
    expect(await s.authorisations.cursor('feed')).toBeUndefined();
    await s.authorisations.saveCursor('feed', 'c-1', 1);
    await s.authorisations.saveCursor('feed', 'c-2', 2);
    expect(await s.authorisations.cursor('feed')).toBe('c-2');
  });

  it('leases a due record to one caller until the lease ends, and not before its expiry', async () => {
    const s = await freshStores(engine);
    await active(s, { id: 'a1', code: 'CODE-1', expires: 31_000, codeExpires: 301_000 });
    expect(await s.authorisations.claimDue(30_999, 30_000, 10)).toEqual([]);
    expect(await s.authorisations.nextDue(0, 31_000)).toBe(31_000);
    // Looking one poll ahead only: a record due later is not searched for.
    expect(await s.authorisations.nextDue(0, 30_999)).toBeNull();
    expect((await s.authorisations.claimDue(31_000, 30_000, 10)).map((r) => r.id)).toEqual(['a1']);
    expect(await s.authorisations.claimDue(31_001, 30_000, 10)).toEqual([]);
    expect(await s.authorisations.lease('a1', 31_001, 30_000)).toBe(false);
    // The lease runs out (its instance died): another caller takes the record over.
    expect((await s.authorisations.claimDue(61_000, 30_000, 10)).map((r) => r.id)).toEqual(['a1']);
    // A failed revoke defers the next try.
    await s.authorisations.endLease('a1', 63_000);
    expect(await s.authorisations.nextDue(61_500, 63_000)).toBe(63_000);
    // Its expiry is past but its deferral runs beyond the horizon: nothing due by then.
    expect(await s.authorisations.nextDue(61_500, 62_500)).toBeNull();
    expect(await s.authorisations.claimDue(62_000, 30_000, 10)).toEqual([]);
    await s.authorisations.markUpstreamRevoked('a1');
    expect(await s.authorisations.claimDue(70_000, 30_000, 10)).toEqual([]);
    expect(await s.authorisations.nextDue(70_000, 1_000_000)).toBeNull();
  });

  it('owes nothing at expiry for a used code whose upstream life is over, and stops at revoked', async () => {
    const s = await freshStores(engine);
    await active(s, { id: 'used', code: 'CODE-U', expires: 31_000, codeExpires: 301_000 });
    await active(s, { id: 'gone', code: 'CODE-G', key: 'k2', expires: 31_000, codeExpires: 301_000 });
    await s.authorisations.transition('used', ['active'], 'used', 2_000);
    await s.authorisations.transition('gone', ['active'], 'revoked', 2_000);
    expect((await s.authorisations.claimDue(40_000, 1_000, 10)).map((r) => r.id)).toEqual(['used']);
    expect(await s.authorisations.claimDue(400_000, 1_000, 10)).toEqual([]);
  });

  it('hands out leftovers of a crash: claims never finished and spare codes, made before the given time', async () => {
    const s = await freshStores(engine);
    await s.authorisations.claim(claimOf({ id: 'old', idempotency_key: 'k-old', created_at: 1_000 }));
    await s.authorisations.claim(claimOf({ id: 'new', idempotency_key: 'k-new', created_at: 9_000 }));
    await active(s, { id: 'spares', code: 'CODE-S', key: 'k-s', created: 2_000, expires: 31_000, codeExpires: 301_000, spares: ['SPARE-1'] });
    await active(s, { id: 'clean', code: 'CODE-C', key: 'k-c', created: 2_000, expires: 31_000, codeExpires: 301_000 });
    const first = await s.authorisations.claimLeftovers(5_000, 10_000, 30_000, 10);
    expect(first.map((r) => r.id).sort()).toEqual(['old', 'spares']);
    // Leased: not handed out twice; settled spares are no leftover.
    expect(await s.authorisations.claimLeftovers(5_000, 10_000, 30_000, 10)).toEqual([]);
    await s.authorisations.sparesRevoked('spares');
    await s.authorisations.endLease('spares', null);
    expect(await s.authorisations.claimLeftovers(5_000, 10_000, 30_000, 10)).toEqual([]);
  });

  it('lists an organisation\'s live codes oldest first and counts those before one', async () => {
    const s = await freshStores(engine);
    await active(s, { id: 'a', code: 'C-A', key: 'ka', created: 1_000, expires: 50_000, codeExpires: 50_000 });
    await active(s, { id: 'b', code: 'C-B', key: 'kb', created: 2_000, expires: 50_000, codeExpires: 50_000 });
    await active(s, { id: 'c', code: 'C-C', key: 'kc', created: 3_000, expires: 4_000, codeExpires: 4_000 });
    await active(s, { id: 'd', code: 'C-D', key: 'kd', created: 1_500, org: 'ORG-CY', expires: 50_000, codeExpires: 50_000 });
    expect((await s.liveCodes.liveOfOrg('ORG-DC', 5_000, 10)).map((l) => l.authCode)).toEqual(['C-A', 'C-B']);
    expect(await s.liveCodes.liveBefore('ORG-DC', 5_000, 2_000, 'b')).toBe(1);
    expect(await s.liveCodes.liveBefore('ORG-DC', 5_000, 1_000, 'a')).toBe(0);
  });

  it('records what the counter did, newest first, with the code only as its hash', async () => {
    const s = await freshStores(engine);
    const entry = { event: 'counter.redeem', staff: 'staff01', bizNum: 'BJ-1', serviceItemCode: 'ITEM-1', codeHash: sha256('CODE-1'), outcome: 'ok' };
    await s.counterAudit.record({ ...entry, at: 1_000 });
    await s.counterAudit.record({ ...entry, at: 2_000, outcome: 'AUTH_CODE_REVOKED' });
    await s.counterAudit.record({ ...entry, at: 3_000, staff: 'staff02' });
    expect(await s.counterAudit.ofStaff('staff01', 10)).toEqual([{ ...entry, at: 2_000, outcome: 'AUTH_CODE_REVOKED' }, { ...entry, at: 1_000 }]);
  });
});
