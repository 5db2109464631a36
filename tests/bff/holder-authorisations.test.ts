import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authorisation, AuthorisationStatusEvent, HistoryResponse, LicenseListResponse } from '../../src/contract/bff.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { BffClient } from '../support/bff-client.ts';
import { readStatusEvents, type TimedStatus } from '../support/sse.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { errorCode, SandboxClient, STAFF_OPERATOR } from '../support/sandbox-client.ts';

// Authorising a use, its live status, revocation and history, over real HTTP: the BFF with the
// sandbox mounted beside it, the holder signed in through the provider's form, and the counter
// played by the counter-demo access system calling the sandbox directly.

let stack: BffStack;
let zhangsan: BffClient;
let lisi: BffClient;
let counter: SandboxClient;
const licenseCodes = new Map<string, string>();
/** Upstream calls by path, counted at the network edge. */
const upstreamCalls: string[] = [];

beforeAll(async () => {
  stack = await startBffStack({
    upstreamFetch: async (input, init) => {
      upstreamCalls.push(new URL(String(input)).pathname);
      return fetch(input, init);
    },
  });
  zhangsan = new BffClient(stack.origin);
  lisi = new BffClient(stack.origin);
  await Promise.all([zhangsan.login('zhangsan'), lisi.login('lisi')]);
  counter = await new SandboxClient(`${stack.origin}/sandbox/license-app/v1`).login('counter-demo');
  const wallet = (await zhangsan.api<LicenseListResponse>('GET', '/api/licenses')).body;
  for (const c of wallet.licenses) licenseCodes.set(`${c.licenseItemCode}:${c.state}`, c.licenseCode);
});
afterAll(async () => {
  await stack?.close();
});

/** Whether the sandbox behind this run offers the extension (the suite runs with all and with none). */
const has = (e: 'revoke' | 'uses' | 'events') => stack.config.sandbox.extensions.includes(e);

const license = (item: string, state = 'valid') => {
  const code = licenseCodes.get(`${item}:${state}`);
  if (!code) throw new Error(`张三 has no ${state} ${item}`);
  return code;
};
let keys = 0;
const newKey = () => `test-key-${Date.now()}-${++keys}`;

function authorise(client: BffClient, over: Record<string, unknown> = {}) {
  return client.api<Authorisation>('POST', '/api/authorisations', {
    body: {
      licenseCode: license(LICENSE_ITEM.householdRegister), serviceItemCode: SERVICE_ITEM.householdAffairs, validitySeconds: 300,
      idempotencyKey: newKey(), sensitiveConsent: true, ...over,
    },
  });
}

/** Reads `event: status` blocks from the BFF's SSE stream as they arrive. */
async function openStream(client: BffClient, id: string, origin = stack.origin) {
  const ctrl = new AbortController();
  const res = await fetch(`${origin}/api/authorisations/${id}/events`, { headers: { cookie: client.jar.header(), accept: 'text/event-stream' }, signal: ctrl.signal });
  const events: TimedStatus[] = [];
  let ended = false;
  let wake: () => void = () => undefined;
  let markDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (markDone = r));
  if (res.ok && res.body) {
    void readStatusEvents(res.body, events, () => wake()).done.catch(() => undefined).finally(() => {
      ended = true;
      wake();
      markDone();
    });
  } else markDone();
  return {
    res,
    events,
    get ended() {
      return ended;
    },
    /** Settles when the server ends the stream (the test's own timeout bounds the wait). */
    done,
    close: () => ctrl.abort(),
    async next(pred: (e: AuthorisationStatusEvent) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find((e) => pred(e.data));
        if (hit) return hit;
        if (ended || Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events.map((e) => e.data.status))}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
    },
  };
}

describe('consent', () => {
  it('refuses to share sensitive fields without the separate consent, and a validity out of bounds', async () => {
    const res = await authorise(zhangsan, { sensitiveConsent: false });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('敏感个人信息') } });
    expect((res.body as unknown as { error: { message: string } }).error.message).toContain('持有人身份证件号码');
    // 不动产登记 needs no sensitive field of the 结婚证 (names and date only): no separate consent asked,
    // where the upstream says so (data_item_keys); a standard service shares every field, so it is asked.
    const plain = await authorise(zhangsan, { licenseCode: license(LICENSE_ITEM.marriage), serviceItemCode: SERVICE_ITEM.realEstateRegistration, sensitiveConsent: false });
    expect(plain.status, JSON.stringify(plain.body)).toBe(stack.config.sandbox.extensions.includes('data_item_keys') ? 200 : 400);
    const tooLong = await authorise(zhangsan, { validitySeconds: 86_400 });
    expect(tooLong.status).toBe(400);
  });

  it('refuses an expired or an abolished certificate with the reason, and a service item that does not accept it', async () => {
    const expired = await authorise(zhangsan, { licenseCode: license(LICENSE_ITEM.noCriminalRecord, 'expired'), serviceItemCode: SERVICE_ITEM.employmentRegistration });
    expect(expired.status).toBe(409);
    expect(expired.body).toMatchObject({ error: { code: 'CERTIFICATE_NOT_USABLE', message: expect.stringContaining('已过期') } });
    const abolished = await authorise(zhangsan, { licenseCode: license(LICENSE_ITEM.realEstate, 'abolished'), serviceItemCode: SERVICE_ITEM.realEstateRegistration });
    expect(abolished.status).toBe(409);
    expect(abolished.body).toMatchObject({ error: { code: 'CERTIFICATE_NOT_USABLE', message: expect.stringContaining('已废止') } });
    const wrongItem = await authorise(zhangsan, { serviceItemCode: SERVICE_ITEM.drivingLicenceAffairs });
    expect(wrongItem.status).toBe(400);
  });

  it("refuses the issuer's own work item, which accepts the certificate but is never offered to a holder", async () => {
    const household = license(LICENSE_ITEM.householdRegister);
    const offered = await zhangsan.api<{ serviceItems: { serviceItemCode: string }[] }>('GET', `/api/licenses/${household}/service-items`);
    expect(offered.body.serviceItems.map((s) => s.serviceItemCode)).not.toContain(SERVICE_ITEM.certificateProduction);
    const res = await authorise(zhangsan, { serviceItemCode: SERVICE_ITEM.certificateProduction });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST', message: '所选事项不接受该证照，请重新选择事项' } });
  });

  it('makes one authorisation and one upstream code for a double tap, even a concurrent one', async () => {
    const idempotencyKey = newKey();
    const before = upstreamCalls.filter((p) => p.endsWith('/license/holder')).length;
    const [a, b] = await Promise.all([authorise(zhangsan, { idempotencyKey }), authorise(zhangsan, { idempotencyKey })]);
    const c = await authorise(zhangsan, { idempotencyKey });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(b.body.id).toBe(a.body.id);
    expect(c.body.authCode).toBe(a.body.authCode);
    expect(upstreamCalls.filter((p) => p.endsWith('/license/holder')).length - before).toBe(1);
    expect(a.body).toMatchObject({ status: 'active', serviceItemName: '户籍业务办理', orgName: '北京市东城区政务服务中心', redemptions: [] });
    expect(a.body.qrUrl).toBe(`${stack.config.publicOrigin}/c/${a.body.authCode}`);
    const life = Date.parse(a.body.expiresAt) - Date.parse(a.body.createdAt);
    expect(life).toBeGreaterThan(295_000);
    expect(life).toBeLessThanOrEqual(300_000);
    // The same key for something else is refused rather than silently answered.
    const reused = await authorise(zhangsan, { idempotencyKey, licenseCode: license(LICENSE_ITEM.marriage) });
    expect(reused.status).toBe(409);
  });

  it("answers 404 for another holder's authorisation", async () => {
    const mine = (await authorise(zhangsan)).body;
    expect((await lisi.api('GET', `/api/authorisations/${mine.id}`)).status).toBe(404);
    expect((await lisi.api('POST', `/api/authorisations/${mine.id}/revoke`)).status).toBe(404);
    expect((await openStream(lisi, mine.id)).res.status).toBe(404);
    expect((await zhangsan.api('GET', `/api/authorisations/${mine.id}`)).status).toBe(200);
  });
});

describe('live status', () => {
  it("pushes 'used' within a second of the counter's redemption, then closes the stream (with the events extension)", async ({ skip }) => {
    if (!has('events')) skip();
    const auth = (await authorise(zhangsan, { validitySeconds: 120 })).body;
    expect(Date.parse(auth.expiresAt) - Date.parse(auth.createdAt)).toBe(120_000);
    const stream = await openStream(zhangsan, auth.id);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect((await stream.next((e) => e.status === 'active')).data.redemptions).toEqual([]);
    // Let the feed's long poll settle on the upstream before the counter acts.
    await new Promise((r) => setTimeout(r, 200));

    const redeemedAt = Date.now();
    const env = await counter.get('/license/get_license', { auth_code: auth.authCode, operator_name: '赵六', biz_num: 'DC2026-TEST-1' });
    expect(env.ack_code).toBe('SUCCESS');
    const used = await stream.next((e) => e.status === 'used', 3000);
    expect(used.at - redeemedAt).toBeLessThan(1000);
    expect(used.data.redemptions).toEqual([expect.objectContaining({ interface: 'get_license', orgName: '北京市东城区政务服务中心', operatorName: '赵六' })]);
    await new Promise((r) => setTimeout(r, 100));
    expect(stream.ended).toBe(true);

    const read = (await zhangsan.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body;
    expect(read.status).toBe('used');
    expect(read.redemptions).toHaveLength(1);
  });

  it('revokes a code so the upstream refuses it, idempotently, and a refresh revokes the code it replaces (with revoke)', async ({ skip }) => {
    if (!has('revoke')) skip();
    const auth = (await authorise(zhangsan)).body;
    expect(auth.revocable).toBe(true);
    const stream = await openStream(zhangsan, auth.id);
    await stream.next((e) => e.status === 'active');
    const revoked = await zhangsan.api<Authorisation>('POST', `/api/authorisations/${auth.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    await stream.next((e) => e.status === 'revoked', 2000);
    expect(errorCode(await counter.get('/license/get_license', { auth_code: auth.authCode }))).toBe('AUTH_CODE_REVOKED');
    expect((await zhangsan.api<Authorisation>('POST', `/api/authorisations/${auth.id}/revoke`)).body.status).toBe('revoked');

    const old = (await authorise(zhangsan)).body;
    const fresh = await authorise(zhangsan, { replaces: old.id });
    expect(fresh.status).toBe(200);
    expect(fresh.body.authCode).not.toBe(old.authCode);
    expect((await zhangsan.api<Authorisation>('GET', `/api/authorisations/${old.id}`)).body.status).toBe('revoked');
    expect(errorCode(await counter.get('/license/get_license', { auth_code: old.authCode }))).toBe('AUTH_CODE_REVOKED');
    expect((await authorise(lisi, { licenseCode: license(LICENSE_ITEM.householdRegister), replaces: old.id })).status).toBe(404);
  });

  it('without revoke: offers no shorter validity, no revoke and no refresh, and never calls a code withdrawn', async ({ skip }) => {
    if (has('revoke')) skip();
    const shorter = await authorise(zhangsan, { validitySeconds: 120 });
    expect(shorter.status).toBe(400);
    expect(JSON.stringify(shorter.body)).toContain('不能缩短');
    const auth = (await authorise(zhangsan)).body;
    expect(auth).toMatchObject({ status: 'active', revocable: false });
    const refused = await zhangsan.api<{ error: { code: string; message: string } }>('POST', `/api/authorisations/${auth.id}/revoke`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('不支持撤回');
    expect((await authorise(zhangsan, { replaces: auth.id })).status).toBe(409);
    // The upstream still honours it, and the BFF says so.
    expect((await counter.get('/license/get_license', { auth_code: auth.authCode })).ack_code).toBe('SUCCESS');
    expect((await zhangsan.api<Authorisation>('GET', `/api/authorisations/${auth.id}`)).body.status).toBe(has('uses') ? 'used' : 'active');
  });

  it('without events or uses: the stream says what it knows and never invents a use', async ({ skip }) => {
    if (has('events') || has('uses')) skip();
    const callsBefore = upstreamCalls.length;
    const auth = (await authorise(zhangsan)).body;
    const stream = await openStream(zhangsan, auth.id);
    await stream.next((e) => e.status === 'active');
    expect((await counter.get('/license/get_license', { auth_code: auth.authCode })).ack_code).toBe('SUCCESS');
    await new Promise((r) => setTimeout(r, 1500));
    expect(stream.events.map((e) => e.data.status)).toEqual(['active']);
    stream.close();
    // Not asked for what it does not have (the start-up probe is the only time).
    expect(upstreamCalls.slice(callsBefore).some((p) => p.includes('/license/auth_code/'))).toBe(false);
  });
});

describe('history', () => {
  it('lists authorisations and redemptions newest first, uses by function included, filterable by certificate', async () => {
    const auth = (await authorise(zhangsan, { licenseCode: license(LICENSE_ITEM.marriage), serviceItemCode: SERVICE_ITEM.realEstateRegistration })).body;
    expect((await counter.get('/license/get_license', { auth_code: auth.authCode, operator_name: '赵六' })).ack_code).toBe('SUCCESS');
    // 依职能: the counter finds 张三's household register by his ID number and extracts it.
    const byFn = await counter.post('/license/auth', {
      identity_number: '110101199003071233', service_item_code: SERVICE_ITEM.householdAffairs, biz_num: 'DC2026-BYFN-1', operator: STAFF_OPERATOR,
    });
    expect(byFn.ack_code).toBe('SUCCESS');
    expect((await counter.get('/license/get_license', { auth_code: byFn.auth_codes![0], operator_name: '赵六' })).ack_code).toBe('SUCCESS');

    const history = (await zhangsan.api<HistoryResponse>('GET', '/api/history')).body;
    expect(history.usesReported).toBe(has('uses'));
    const all = history.entries;
    if (!has('uses')) {
      // The BFF's own records only, and the page is told that uses are not reported.
      expect(all.every((e) => e.kind === 'authorisation')).toBe(true);
      expect(all.find((e) => e.authorisation?.id === auth.id)).toMatchObject({ licenseName: '结婚证', serviceItemName: '不动产登记', orgName: '北京市东城区政务服务中心' });
      return;
    }
    // Newest first at the upstream's one-second precision (a use within the second of its authorisation lists first).
    const times = all.map((e) => Math.floor(Date.parse(e.at) / 1000));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // One entry per authorisation, its use inside it rather than beside it (issue 15).
    expect(all.find((e) => e.kind === 'authorisation' && e.authorisation?.id === auth.id)).toMatchObject({
      licenseName: '结婚证', serviceItemName: '不动产登记',
      uses: [{ interface: 'get_license', orgName: '北京市东城区政务服务中心', operatorName: '赵六' }],
    });
    expect(all.find((e) => e.kind === 'redemption' && e.licenseCode === auth.licenseCode && !e.byFunction)).toBeUndefined();
    expect(all.find((e) => e.kind === 'redemption' && e.byFunction)).toMatchObject({ licenseName: '居民户口簿', serviceItemName: '户籍业务办理' });

    const filtered = (await zhangsan.api<HistoryResponse>('GET', `/api/history?licenseCode=${auth.licenseCode}`)).body.entries;
    expect(filtered.length).toBeGreaterThanOrEqual(1);
    expect(filtered.every((e) => e.licenseCode === auth.licenseCode)).toBe(true);

    // The holder's own view on a phone is labelled as theirs, with no technical account name.
    expect((await zhangsan.api('POST', `/api/licenses/${auth.licenseCode}/mobile-view`)).status).toBe(200);
    const link = (await zhangsan.api<{ url: string }>('POST', `/api/licenses/${auth.licenseCode}/mobile-view`)).body;
    expect((await zhangsan.api('GET', link.url.replace('/m/license', '/api/mobile-view'))).status).toBe(200);
    const after = (await zhangsan.api<HistoryResponse>('GET', `/api/history?licenseCode=${auth.licenseCode}`)).body.entries;
    const own = after.filter((e) => e.ownView);
    expect(own.length).toBeGreaterThanOrEqual(1);
    expect(own[0]).toMatchObject({ kind: 'redemption', orgName: null, redemption: { systemName: '', orgName: '', operatorName: null } });
    expect(JSON.stringify(after)).not.toContain('holder-h5');
    expect((await lisi.api<HistoryResponse>('GET', `/api/history?licenseCode=${auth.licenseCode}`)).body.entries).toEqual([]);
  });
});

describe('shutdown', () => {
  it('ends open event streams and the feed promptly when the app closes', async () => {
    // Its own stack: closing the shared one would break every case that runs after this one.
    const own = await startBffStack();
    let closed = false;
    try {
      const holder = new BffClient(own.origin);
      await holder.login('zhangsan');
      const wallet = (await holder.api<LicenseListResponse>('GET', '/api/licenses')).body;
      const card = wallet.licenses.find((c) => c.licenseItemCode === LICENSE_ITEM.householdRegister && c.state === 'valid');
      const auth = (await authorise(holder, { licenseCode: card?.licenseCode })).body;
      const stream = await openStream(holder, auth.id, own.origin);
      await stream.next((e) => e.status === 'active');
      const started = Date.now();
      await own.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(3000);
      await stream.done;
      expect(stream.ended).toBe(true);
    } finally {
      if (!closed) await own.close();
    }
  });
});
