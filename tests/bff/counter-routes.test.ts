// The counter routes over real HTTP: the BFF and the embedded sandbox in one listening process
// (tests/support/bff-stack.ts, as src/server.ts composes them), staff and citizens signed in
// through the identity provider's real login form, holder codes minted by license/holder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import type { Config } from '../../src/bff/config.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import type { CounterByFunctionResponse, CounterRedemption, CounterServiceItemsResponse } from '../../src/contract/counter.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { loginAtIdp } from '../support/idp-login.ts';
import { SandboxClient } from '../support/sandbox-client.ts';

const ZHANGSAN_ID = '110101199003071233';
const HOUSEHOLD = 'DC-HJ-0001';
const EMPLOYMENT = 'DC-JY-0001';
const BUSINESS_STARTUP = 'DC-QYKB-0001';

let stack: BffStack;
let config: Config;
let origin: string;

async function signIn(account: string): Promise<BffClient> {
  const client = new BffClient(origin);
  await client.login(account);
  return client;
}

async function call(b: BffClient | null, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  if (b) return b.raw(method, path, { body, headers: b.csrfToken ? { 'x-csrf-token': b.csrfToken } : {} });
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  return fetch(`${origin}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Codes zhangsan's holder app would show as QR codes, from license/holder with his real credential. */
async function holderCodes(serviceItemCode: string): Promise<Array<{ name: string; code: string }>> {
  const tokens = await loginAtIdp({
    issuer: config.idp.issuer, clientId: config.idp.clientId, clientSecret: config.idp.clientSecret,
    redirectUri: `${origin}/auth/callback`, account: 'zhangsan', password: DEMO_PASSWORD,
  });
  const holderApp = await new SandboxClient(config.upstream.url).login('holder-h5');
  const env = await holderApp.post('/license/holder', { service_item_code: serviceItemCode, credential: tokens.access_token, cas_no: 'oidc' });
  expect(env.ack_code).toBe('SUCCESS');
  return (env.data as Array<{ name: string }>).map((l, i) => ({ name: l.name, code: env.auth_codes?.[i] ?? '' }));
}

let staff: BffClient;
let citizen: BffClient;
const kase = { bizNum: 'DC2026-000123', serviceItemCode: HOUSEHOLD };
const logs = (): string => stack.logs.join('\n');

beforeAll(async () => {
  stack = await startBffStack({ captureLogs: true, env: { COUNTER_RESULT_CLEAR_SECONDS: '90' } });
  ({ config, origin } = stack);
  [staff, citizen] = await Promise.all([signIn('staff01'), signIn('zhangsan')]);
});

afterAll(async () => {
  await stack?.close();
});

describe('who may use the counter', () => {
  it('refuses anonymous callers (401) and citizens (403) on every counter route', async () => {
    const routes: Array<['GET' | 'POST', string, unknown?]> = [
      ['GET', '/api/counter/service-items'],
      ['POST', '/api/counter/redeem', { ...kase, authCode: 'A'.repeat(43) }],
      ['POST', '/api/counter/archive', { ...kase, authCode: 'A'.repeat(43) }],
      ['POST', '/api/counter/by-function', { ...kase, identityNumber: ZHANGSAN_ID, page: 1 }],
    ];
    for (const [method, path, body] of routes) {
      expect((await call(null, method, path, body)).status, `${method} ${path} anonymous`).toBe(401);
      const res = await call(citizen, method, path, body);
      expect(res.status, `${method} ${path} citizen`).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
  });

  it("lists the staff member's organisation's service items with the result clear time", async () => {
    const res = await call(staff, 'GET', '/api/counter/service-items');
    expect(res.status).toBe(200);
    const body = (await res.json()) as CounterServiceItemsResponse;
    expect(body.orgName).toBe('北京市东城区政务服务中心');
    expect(body.resultClearSeconds).toBe(90);
    expect(body.sensitiveVisible).toBe(false);
    expect(body.serviceItems.map((i) => i.serviceItemCode)).toEqual(expect.arrayContaining([HOUSEHOLD, EMPLOYMENT, BUSINESS_STARTUP]));
    // Another organisation's item (朝阳 不动产转移登记) is not offered.
    expect(body.serviceItems.map((i) => i.serviceItemCode)).not.toContain('CY-BDC-0001');
  });
});

describe('redeeming a code the holder showed', () => {
  it("shows 张三's certificate data, masked, in catalogue order, and hands over the signed PDF", async () => {
    const [household] = await holderCodes(HOUSEHOLD);
    expect(household?.name).toContain('户口');
    const res = await call(staff, 'POST', '/api/counter/redeem', { ...kase, authCode: household?.code });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const r = (await res.json()) as CounterRedemption;
    expect(r.holderName).toBe('张三');
    expect(r.holderIdentityNum).toBe('1101**********1233');
    expect(r.state).toBe('valid');
    expect(r.warnings).toEqual([]);
    expect(r.serviceItemName).toBe('户籍业务办理');
    const byKey = Object.fromEntries(r.fields.map((f) => [f.key, f]));
    expect(byKey.HZXM?.value).toBe('张三');
    expect(byKey.ZZ?.name).toBe('住址');
    expect(byKey.CYRSFZJLX?.value).toBe('居民身份证');
    expect(byKey.CYRSFZJHM).toMatchObject({ value: '1101**********1233', sensitive: true, masked: true });
    expect(JSON.stringify(r)).not.toContain(ZHANGSAN_ID);
    // Catalogue order: the common head (证照名称 ...) before the issuing body at the tail.
    const keys = r.fields.map((f) => f.key);
    expect(keys.indexOf('ZZMC')).toBeLessThan(keys.indexOf('HZXM'));
    expect(keys.indexOf('HZXM')).toBeLessThan(keys.indexOf('FZJGMC'));

    const pdf = await call(staff, 'POST', '/api/counter/archive', { ...kase, authCode: household?.code });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('cache-control')).toBe('no-store');
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment; filename="DC2026-000123_.*\.pdf"; filename\*=UTF-8''DC2026-000123_/);
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBeGreaterThan(0);

    // Neither the code nor the full identity number reached the logs.
    expect(logs()).toContain('counter.redeem');
    expect(logs()).not.toContain(household?.code);
    expect(logs()).not.toContain(ZHANGSAN_ID);
  });

  it('warns about an expired certificate and one the service item does not accept', async () => {
    const codes = await holderCodes(EMPLOYMENT);
    const noRecord = codes.find((c) => c.name.includes('无犯罪'));
    expect(noRecord).toBeDefined();
    const res = await call(staff, 'POST', '/api/counter/redeem', { bizNum: 'DC2026-000124', serviceItemCode: EMPLOYMENT, authCode: noRecord?.code });
    expect(res.status).toBe(200);
    const r = (await res.json()) as CounterRedemption;
    expect(r.state).toBe('expired');
    expect(r.warnings.map((w) => w.code)).toContain('expired');
    expect(r.warnings.find((w) => w.code === 'expired')?.message).toMatch(/已于 \d{4}-\d{2}-\d{2} 过期/);

    const other = codes.find((c) => c !== noRecord);
    const wrongItem = await call(staff, 'POST', '/api/counter/redeem', { bizNum: 'DC2026-000124', serviceItemCode: BUSINESS_STARTUP, authCode: other?.code });
    expect(((await wrongItem.json()) as CounterRedemption).warnings.map((w) => w.code)).toContain('not_accepted_by_item');
  });

  it("shows only the face fields the case's service item receives, none filled back in from the record", async ({ skip }) => {
    // Needs the data_item_keys extension; a standard-only service gives every field (the bff-standard run).
    if (!stack.config.sandbox.extensions.includes('data_item_keys')) skip();
    const diploma = (await holderCodes(EMPLOYMENT)).find((c) => c.name.includes('学历'));
    const res = await call(staff, 'POST', '/api/counter/redeem', { bizNum: 'DC2026-000125', serviceItemCode: EMPLOYMENT, authCode: diploma?.code });
    expect(res.status).toBe(200);
    const r = (await res.json()) as CounterRedemption;
    expect(r.fields.map((f) => f.key)).toEqual(['ZZMC', 'ZZHM', 'CYRMC', 'XXMC', 'ZYMC', 'CC', 'BYRQ']);
  });

  it("refuses a code the holder authorised for another organisation's item, in words the staff member can pass on", async () => {
    // DB11/T 2290 6.6: a holder code is honoured only by the organisation owning its service item;
    // minted outside this BFF, so the upstream is the one that refuses.
    const [forOther] = await holderCodes('CY-BDC-0001');
    const other = await new SandboxClient(config.upstream.url).login('biz-other');
    const [household] = await holderCodes(HOUSEHOLD);
    expect((await other.get('/license/get_license', { auth_code: household?.code })).errors[0]?.code).toBe('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');

    const res = await call(staff, 'POST', '/api/counter/redeem', { ...kase, authCode: forOther?.code });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CODE_NOT_REDEEMABLE');
    expect(body.error.message).toContain('请持证人重新授权');
    // The second organisation's attempt did not take the household code away from this counter.
    expect((await call(staff, 'POST', '/api/counter/redeem', { ...kase, authCode: household?.code })).status).toBe(200);
  });

  it('explains an unknown code and rejects malformed input before calling upstream', async () => {
    const unknown = await call(staff, 'POST', '/api/counter/redeem', { ...kase, authCode: 'Z'.repeat(43) });
    expect(unknown.status).toBe(409);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('用证码无效');
    const bad = await call(staff, 'POST', '/api/counter/redeem', { ...kase, authCode: 'not a code' });
    expect(bad.status).toBe(400);
  });
});

describe('verification by function (6.7)', () => {
  it("lists 张三's certificates for an item that accepts them, nothing for one that does not, and opens each by handle", async () => {
    const res = await call(staff, 'POST', '/api/counter/by-function', { ...kase, identityNumber: ZHANGSAN_ID, page: 1 });
    expect(res.status).toBe(200);
    const found = (await res.json()) as CounterByFunctionResponse;
    expect(found.totalCount).toBe(2);
    expect(found.items.map((i) => i.name).join()).toMatch(/户口/);
    expect(found.items.map((i) => i.name).join()).toMatch(/结婚/);
    for (const item of found.items) expect(item.handle).toMatch(/^bf\./);

    const none = await call(staff, 'POST', '/api/counter/by-function', { ...kase, serviceItemCode: BUSINESS_STARTUP, identityNumber: ZHANGSAN_ID, page: 1 });
    expect(((await none.json()) as CounterByFunctionResponse)).toMatchObject({ totalCount: 0, items: [] });

    const first = found.items[0];
    const data = await call(staff, 'POST', '/api/counter/redeem', { ...kase, authCode: first?.handle });
    expect(data.status).toBe(200);
    expect((await data.json()) as CounterRedemption).toMatchObject({ holderName: '张三', byFunction: true, licenseCode: first?.licenseCode });
    const pdf = await call(staff, 'POST', '/api/counter/archive', { ...kase, authCode: first?.handle });
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // A handle belongs to its case: another case number cannot use it.
    const otherCase = await call(staff, 'POST', '/api/counter/redeem', { ...kase, bizNum: 'DC2026-999999', authCode: first?.handle });
    expect(otherCase.status).toBe(410);
  });

  it('refuses an identity number whose GB 11643 check digit is wrong', async () => {
    const res = await call(staff, 'POST', '/api/counter/by-function', { ...kase, identityNumber: '110101199003071234', page: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('身份证号码校验不通过');
  });

  it('limits searches per staff member with a clear Chinese message', async () => {
    let limited: Response | null = null;
    for (let i = 0; i < 12 && !limited; i++) {
      const res = await call(staff, 'POST', '/api/counter/by-function', { ...kase, serviceItemCode: BUSINESS_STARTUP, identityNumber: ZHANGSAN_ID, page: 1 });
      if (res.status === 429) limited = res;
    }
    expect(limited).not.toBeNull();
    const body = (await limited?.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/^依职能查询过于频繁：每位工作人员每分钟最多 10 次，请 \d+ 秒后再试$/);
  });
});
