import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TEST_IDP_CLIENT, type RunningSandbox } from '../support/sandbox-server.ts';
import { SandboxClient, STAFF_OPERATOR, errorCode, type AnyEnvelope } from '../support/sandbox-client.ts';
import { loginAtIdp, logoutAtIdp, revokeAtIdp } from '../support/idp-login.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/seed.ts';
import type { AuthCodeEvent, AuthCodeUse, LicenseRecord } from '../../src/contract/upstream.ts';

// DB11/T 2290 6.6 holder authorisation and 6.7 by-function verification, with holder credentials
// obtained through the identity provider's real login form, and the call flows of 6.8.

const ZHANGSAN = '110101199003071233';
const LISI = '110105198511124566';

let sb: RunningSandbox;
let offsetMs = 0;
let holderApp: SandboxClient;
let counter: SandboxClient;
let other: SandboxClient;
let zhangsan: string;
let lisi: string;

const credentialOf = async (account: string) => (await loginAtIdp({
  issuer: sb.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret,
  redirectUri: TEST_IDP_CLIENT.redirect_uri, account, password: DEMO_PASSWORD,
})).access_token;

beforeAll(async () => {
  sb = await startSandbox({ clock: () => Date.now() + offsetMs });
  [holderApp, counter, other] = await Promise.all([
    new SandboxClient(sb.apiRoot).login('holder-h5'),
    new SandboxClient(sb.apiRoot).login('counter-demo'),
    new SandboxClient(sb.apiRoot).login('biz-other'),
  ]);
  [zhangsan, lisi] = await Promise.all([credentialOf('zhangsan'), credentialOf('lisi')]);
});
afterAll(async () => sb.close());

async function authorise(serviceItem: string, credential = zhangsan): Promise<{ data: LicenseRecord[]; auth_codes: string[] }> {
  const env = await holderApp.post('/license/holder', { service_item_code: serviceItem, service_item_name: '测试', biz_num: 'H-1', credential, cas_no: 'sandbox-idp' });
  expect(env.ack_code, JSON.stringify(env.errors)).toBe('SUCCESS');
  return { data: env.data as LicenseRecord[], auth_codes: env.auth_codes ?? [] };
}

async function codeFor(itemCode: string, serviceItem: string = SERVICE_ITEM.householdAffairs): Promise<string> {
  const { data, auth_codes } = await authorise(serviceItem);
  const i = data.findIndex((r) => r.license_item_code === itemCode);
  expect(i).toBeGreaterThanOrEqual(0);
  return auth_codes[i]!;
}

describe('6.6 holder authorisation', () => {
  it('returns the holder\'s issued certificates the service item accepts, each with a fresh usage code', async () => {
    const { data, auth_codes } = await authorise(SERVICE_ITEM.householdAffairs);
    expect(data.map((r) => r.name).sort()).toEqual(['居民户口簿', '结婚证']);
    expect(data.every((r) => r.license_status === 'ISSUED' && r.holder_identity_num === ZHANGSAN && typeof r.data_fields === 'object')).toBe(true);
    expect(auth_codes).toHaveLength(2);
    for (const code of auth_codes) expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits, base64url
    expect(new Set(auth_codes).size).toBe(2);
    // Only the changed (new) 不动产权证书 is offered, never the abolished one.
    const estate = await authorise(SERVICE_ITEM.realEstateRegistration);
    expect(estate.data.filter((r) => r.license_item_code === LICENSE_ITEM.realEstate)).toHaveLength(1);
    expect(estate.data.find((r) => r.license_item_code === LICENSE_ITEM.realEstate)?.correlative_license).toBeTruthy();
  });

  it('refuses the same credential once the holder has signed out at the provider', async () => {
    const login = await loginAtIdp({
      issuer: sb.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret,
      redirectUri: TEST_IDP_CLIENT.redirect_uri, account: 'zhangsan', password: DEMO_PASSWORD,
    });
    const body = { service_item_code: SERVICE_ITEM.householdAffairs, service_item_name: '测试', biz_num: 'H-2', credential: login.access_token, cas_no: 'sandbox-idp' };
    expect((await holderApp.post('/license/holder', body)).ack_code).toBe('SUCCESS');
    await logoutAtIdp({ issuer: sb.issuer, idToken: login.id_token, cookies: login.cookies });
    expect(errorCode(await holderApp.post('/license/holder', body))).toBe('CREDENTIAL_INVALID');
  });

  it('returns nothing for an item that accepts none of the holder\'s certificates, NOT_FOUND for an unknown item', async () => {
    expect(await authorise(SERVICE_ITEM.businessStartup)).toEqual({ data: [], auth_codes: [] });
    expect(errorCode(await holderApp.post('/license/holder', { service_item_code: 'NO-SUCH-ITEM', credential: zhangsan }))).toBe('NOT_FOUND');
  });

  it('lists the holder\'s own issued and abolished certificates, expired ones included', async () => {
    const list = (await holderApp.post('/license/webpage', { credential: zhangsan, cas_no: 'sandbox-idp' })).data as LicenseRecord[];
    expect(list.length).toBeGreaterThanOrEqual(7);
    expect(list.filter((r) => r.license_status === 'ABOLISHED')).toHaveLength(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(list.some((r) => r.expiry_date !== null && r.expiry_date < today)).toBe(true);
    const in30 = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    expect(list.some((r) => r.expiry_date !== null && r.expiry_date >= today && r.expiry_date <= in30)).toBe(true);
    expect(list.find((r) => r.name === '居民户口簿')?.data_fields.CYRSFZJHM).toBe(ZHANGSAN);
    const li = (await holderApp.post('/license/webpage', { credential: lisi })).data as LicenseRecord[];
    expect(li.map((r) => r.name).sort()).toEqual(['学历证书', '结婚证']);
  });

  it('refuses a made-up credential, a revoked one, and callers other than the holder app', async () => {
    expect(errorCode(await holderApp.post('/license/webpage', { credential: 'not-a-real-token-at-all' }))).toBe('CREDENTIAL_INVALID');
    const wangwu = await credentialOf('wangwu');
    expect((await holderApp.post('/license/webpage', { credential: wangwu })).data).toEqual([]);
    await revokeAtIdp({ issuer: sb.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret, token: wangwu });
    expect(errorCode(await holderApp.post('/license/webpage', { credential: wangwu }))).toBe('CREDENTIAL_INVALID');
    expect(errorCode(await counter.post('/license/holder', { service_item_code: SERVICE_ITEM.householdAffairs, credential: zhangsan }))).toBe('FORBIDDEN');
    expect(errorCode(await counter.post('/license/webpage', { credential: zhangsan }))).toBe('FORBIDDEN');
  });
});

describe('usage codes', () => {
  it('binds a code to the first system that redeems it and records every redemption for the holder', async () => {
    const code = await codeFor(LICENSE_ITEM.marriage);
    const got = await counter.get('/license/get_license', { auth_code: code, operator_name: '赵六', biz_num: 'DC-2026-001' });
    expect(got.data.name).toBe('结婚证');
    // Sensitive face fields are masked unless a counter asks for them.
    expect(JSON.parse(got.data.data_fields).POSFZJHM).toBe('1101**********4566');
    const full = await counter.get('/license/get_license', { auth_code: code, show_sensitive_data: true });
    expect(JSON.parse(full.data.data_fields).POSFZJHM).toBe(LISI);
    expect(errorCode(await other.get('/license/get_license', { auth_code: code }))).toBe('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');
    expect(errorCode(await counter.get('/license/get_license', { auth_code: 'x'.repeat(43) }))).toBe('AUTH_CODE_INVALID');

    const uses = (await holderApp.post('/license/auth_code/uses', { credential: zhangsan })).data as AuthCodeUse[];
    const mine = uses.filter((u) => u.auth_code === code);
    expect(mine).toHaveLength(2);
    expect(mine[1]).toMatchObject({ interface: 'get_license', system: 'counter-demo', org_name: '北京市东城区政务服务中心', operator_name: '赵六', biz_num: 'DC-2026-001', origin: 'holder', license_name: '结婚证', service_item_code: SERVICE_ITEM.householdAffairs });
    expect((await holderApp.post('/license/auth_code/uses', { credential: lisi })).data.some((u: AuthCodeUse) => u.auth_code === code)).toBe(false);
  });

  it('expires a holder code after its TTL (300 s by default)', async () => {
    const code = await codeFor(LICENSE_ITEM.householdRegister);
    offsetMs = 301_000;
    try {
      expect(errorCode(await counter.get('/license/get_license', { auth_code: code }))).toBe('AUTH_CODE_EXPIRED');
    } finally {
      offsetMs = 0;
    }
    expect((await counter.get('/license/get_license', { auth_code: code })).ack_code).toBe('SUCCESS');
  });

  it('lets the holder revoke a code of theirs, not someone else\'s', async () => {
    const code = await codeFor(LICENSE_ITEM.householdRegister);
    expect(errorCode(await holderApp.post('/license/auth_code/revoke', { auth_code: code, credential: lisi }))).toBe('AUTH_CODE_INVALID');
    const revoked = await holderApp.post('/license/auth_code/revoke', { auth_code: code, credential: zhangsan });
    expect(revoked.data.auth_code).toBe(code);
    expect((await holderApp.post('/license/auth_code/revoke', { auth_code: code, credential: zhangsan })).ack_code).toBe('SUCCESS');
    expect(errorCode(await counter.get('/license/get_license', { auth_code: code }))).toBe('AUTH_CODE_REVOKED');
    expect(errorCode(await counter.get('/license/archive', { auth_code: code }))).toBe('AUTH_CODE_REVOKED');
  });

  it('gives the holder app the token for its own code only, and nothing sensitive', async () => {
    const own = await codeFor(LICENSE_ITEM.householdRegister);
    const token = await holderApp.get('/license/token', { auth_code: own });
    expect(token.data.license_access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const seconds = (Date.parse(token.data.expiry_date.replace(' ', 'T') + '+08:00') - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(590);
    expect(seconds).toBeLessThanOrEqual(600);
    const viewed = await new SandboxClient(sb.apiRoot).get('/license/license_by_token', { license_access_token: token.data.license_access_token });
    expect(viewed.data.license.name).toBe('居民户口簿');
    expect(viewed.data.license.data_fields.CYRSFZJHM).toBe('1101**********1233');
    expect(viewed.data.viewer_system).toBe('holder-h5');

    const byFunction = await counter.post('/license/auth', { identity_number: ZHANGSAN, service_item_code: SERVICE_ITEM.householdAffairs, biz_num: 'B-9', operator: STAFF_OPERATOR });
    expect(errorCode(await holderApp.get('/license/token', { auth_code: byFunction.auth_codes![0]! }))).toBe('FORBIDDEN');
    const another = await codeFor(LICENSE_ITEM.householdRegister);
    expect(errorCode(await holderApp.get('/license/get_license', { auth_code: another, show_sensitive_data: true }))).toBe('FORBIDDEN');
    expect(errorCode(await holderApp.get('/license/archive', { auth_code: another }))).toBe('FORBIDDEN');
    // The refusals did not bind the code: the counter can still use it.
    expect((await counter.get('/license/get_license', { auth_code: another })).ack_code).toBe('SUCCESS');
  });

  it('expires a license_access_token after 600 s', async () => {
    const code = await codeFor(LICENSE_ITEM.householdRegister);
    const token = (await counter.get('/license/token', { auth_code: code })).data.license_access_token as string;
    offsetMs = 601_000;
    try {
      expect(errorCode(await new SandboxClient(sb.apiRoot).get('/license/license_by_token', { license_access_token: token }))).toBe('AUTH_CODE_EXPIRED');
    } finally {
      offsetMs = 0;
    }
  });
});

describe('redemption feed', () => {
  it('holds a long poll open and answers within a second of a redemption, then a revocation', async () => {
    const start = await holderApp.get('/license/auth_code/events');
    expect(start.data.events).toEqual([]);
    const code = await codeFor(LICENSE_ITEM.householdRegister);
    const t0 = Date.now();
    const polling = holderApp.get('/license/auth_code/events', { since: start.data.next, wait: 10 });
    await new Promise((r) => setTimeout(r, 200));
    await counter.get('/license/get_license', { auth_code: code, operator_name: '赵六' });
    const got = await polling;
    expect(Date.now() - t0).toBeLessThan(1500);
    const events = got.data.events as AuthCodeEvent[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'redeemed', auth_code: code, interface: 'get_license', system: 'counter-demo', operator_name: '赵六' });

    await holderApp.post('/license/auth_code/revoke', { auth_code: code, credential: zhangsan });
    const next = await holderApp.get('/license/auth_code/events', { since: got.data.next, wait: 5 });
    expect((next.data.events as AuthCodeEvent[]).map((e) => e.type)).toEqual(['revoked']);
    // Another system's feed never sees codes it did not mint.
    expect((await other.get('/license/auth_code/events', { since: '0' })).data.events).toEqual([]);
  });

  it('returns empty when the wait is over, and refuses a wait above 30 s as a business refusal', async () => {
    const t0 = Date.now();
    const env = await holderApp.get('/license/auth_code/events', { wait: 0.3 });
    expect(env.data.events).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const tooLong = await holderApp.raw('GET', '/license/auth_code/events', { query: { wait: 31 } });
    expect([tooLong.status, errorCode(tooLong.body)]).toEqual([200, 'INVALID_REQUEST']);
  });
});

describe('6.8 call flows over real HTTP', () => {
  it('flow 3, holder: identity login → license/holder → counter get_license, archive (signed PDF), token → view', async () => {
    const credential = await credentialOf('zhangsan');
    const code = (await holderApp.post('/license/holder', { service_item_code: SERVICE_ITEM.drivingLicenceAffairs, credential, biz_num: 'JSZ-1' }));
    expect(code.data.map((r: LicenseRecord) => r.name)).toEqual(['机动车驾驶证']);
    const authCode = code.auth_codes![0]!;
    const data = await counter.get('/license/get_license', { auth_code: authCode, operator_name: '赵六', biz_num: 'JSZ-1' });
    expect(JSON.parse(data.data.data_fields).ZJCX).toBe('C1');
    const archive = await counter.get('/license/archive', { auth_code: authCode, file_type: 'pdf', show_sensitive_data: false });
    expect(archive.ack_code, JSON.stringify(archive.errors)).toBe('SUCCESS');
    expect(archive.data.file_type).toBe('pdf');
    const pdf = Buffer.from(archive.data.file_data, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { verifyLicensePdf } = await import('../../src/sandbox/pdf.ts');
    const verified = await verifyLicensePdf(new Uint8Array(pdf), data.data.s_sign_cert);
    expect(verified).toMatchObject({ valid: true });
    const token = await counter.get('/license/token', { auth_code: authCode });
    const view = await new SandboxClient(sb.apiRoot).get('/license/license_by_token', { license_access_token: token.data.license_access_token });
    expect(view.data.license.name).toBe('机动车驾驶证');
    const uses = (await holderApp.post('/license/auth_code/uses', { credential })).data as AuthCodeUse[];
    expect(uses.filter((u) => u.auth_code === authCode).map((u) => u.interface)).toEqual(['token', 'archive', 'get_license']);
  });

  it('flow 4, by function: license/auth by ID numbers → get_license; logged for the holder', async () => {
    const env: AnyEnvelope = await counter.post('/license/auth', {
      identity_number: `${ZHANGSAN}, ${LISI}`, service_item_code: SERVICE_ITEM.realEstateRegistration, service_item_name: '不动产登记',
      biz_num: 'BDC-2026-0001', page_index: 1, page_size: 2, request_id: 'bf-1', operator: STAFF_OPERATOR,
    });
    expect(env.correlation_id).toBe('bf-1');
    expect(env.total_count).toBe(4); // 张三: 户口簿, 结婚证, the changed 不动产权证书; 李四: 结婚证
    expect(env.data).toHaveLength(2);
    expect(env.auth_codes).toHaveLength(2);
    const rec = await counter.get('/license/get_license', { auth_code: env.auth_codes![0]!, operator_name: '赵六', biz_num: 'BDC-2026-0001' });
    expect(rec.ack_code).toBe('SUCCESS');
    // By-function codes belong to the system that searched.
    expect(errorCode(await other.get('/license/get_license', { auth_code: env.auth_codes![1]! }))).toBe('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');
    const uses = (await holderApp.post('/license/auth_code/uses', { credential: zhangsan })).data as AuthCodeUse[];
    expect(uses.some((u) => u.auth_code === env.auth_codes![0] && u.origin === 'by_function' && u.biz_num === 'BDC-2026-0001')).toBe(true);
  });

  it('flow 4 refusals: another organisation\'s item, an unknown item, a holder app, a missing operator', async () => {
    const body = { identity_number: ZHANGSAN, service_item_code: SERVICE_ITEM.householdAffairs, biz_num: 'X', operator: STAFF_OPERATOR };
    expect((await other.post('/license/auth', body)).errors[0]).toMatchObject({ code: 'FORBIDDEN', inner_code: 'NOT_OWN_SERVICE_ITEM' });
    expect(errorCode(await counter.post('/license/auth', { ...body, service_item_code: 'NOPE' }))).toBe('NOT_FOUND');
    expect(errorCode(await holderApp.post('/license/auth', body))).toBe('FORBIDDEN');
    const { operator: _o, ...noOperator } = body;
    const refused = await counter.raw('POST', '/license/auth', { body: noOperator });
    expect([refused.status, errorCode(refused.body)]).toEqual([200, 'INVALID_REQUEST']);
    const ok = await other.post('/license/auth', { ...body, service_item_code: SERVICE_ITEM.realEstateTransfer });
    expect(ok.data.every((r: LicenseRecord) => [LICENSE_ITEM.realEstate, LICENSE_ITEM.marriage, LICENSE_ITEM.householdRegister].includes(r.license_item_code as never))).toBe(true);
  });
});
