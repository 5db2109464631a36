import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenseDetail, LicenseListResponse, MobileLicenseView, MobileViewLink, RevealResponse, ServiceItemListResponse } from '../../src/contract/bff.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// The holder's wallet, detail, reveal, service items and mobile view, over real HTTP against the
// BFF with the real sandbox and its identity provider mounted beside it (as `npm start` runs).

const MINUTE = 60_000;
let stack: BffStack;
/** Moves the sandbox's clock (not the BFF's): used last, to age a mobile-view token. */
let sandboxSkewMs = 0;
let zhangsan: BffClient;
let lisi: BffClient;
let wallet: LicenseListResponse;

beforeAll(async () => {
  stack = await startBffStack({ captureLogs: true, sandbox: { clock: () => Date.now() + sandboxSkewMs } });
  zhangsan = new BffClient(stack.origin);
  lisi = new BffClient(stack.origin);
  await Promise.all([zhangsan.login('zhangsan'), lisi.login('lisi')]);
  wallet = (await zhangsan.api<LicenseListResponse>('GET', '/api/licenses')).body;
});
afterAll(async () => {
  await stack?.close();
});

/** Whether the sandbox behind this run offers the extension (the suite runs with all and with none). */
const has = (e: 'revoke' | 'data_item_keys' | 'license_by_token') => stack.config.sandbox.extensions.includes(e);
const card = (item: string, state?: string) => wallet.licenses.find((c) => c.licenseItemCode === item && (!state || c.state === state));

describe('the wallet', () => {
  it("shows 张三's certificates with states from their dates and status, usable ones first", async () => {
    expect(wallet.licenses).toHaveLength(7);
    expect(card(LICENSE_ITEM.noCriminalRecord)).toMatchObject({ name: '无犯罪记录证明', state: 'expired', daysLeft: null });
    expect(card(LICENSE_ITEM.drivingLicence)).toMatchObject({ name: '机动车驾驶证', state: 'expiring', daysLeft: 20 });
    expect(card(LICENSE_ITEM.householdRegister)).toMatchObject({ state: 'valid', daysLeft: null, expiryDate: null, issueOrgName: expect.any(String) });
    expect(card(LICENSE_ITEM.realEstate, 'abolished')).toBeDefined();
    expect(card(LICENSE_ITEM.realEstate, 'valid')).toBeDefined();
    const states = wallet.licenses.map((c) => c.state);
    const firstUnusable = states.findIndex((s) => s === 'expired' || s === 'abolished');
    expect(states.slice(firstUnusable).every((s) => s === 'expired' || s === 'abolished')).toBe(true);
  });

  it('is empty for 王五, and needs a session', async () => {
    const wangwu = new BffClient(stack.origin);
    await wangwu.login('wangwu');
    expect((await wangwu.api('GET', '/api/licenses')).body).toEqual({ licenses: [] });
    expect((await new BffClient(stack.origin).api('GET', '/api/licenses')).status).toBe(401);
  });
});

describe('a certificate', () => {
  it('lists the face fields in catalogue order with the identity number masked, and links a replaced certificate', async () => {
    const marriage = card(LICENSE_ITEM.marriage)!;
    const res = await zhangsan.api<LicenseDetail>('GET', `/api/licenses/${marriage.licenseCode}`);
    expect(res.status).toBe(200);
    const d = res.body;
    expect(d.holderMaskedName).toBe('张*');
    expect(d.fields.map((f) => f.key)).toEqual(['ZZMC', 'ZZHM', 'CYRMC', 'CYRSFZJLX', 'CYRSFZJHM', 'DJRQ', 'POXM', 'POSFZJHM', 'DJJG', 'FZJGMC', 'FZJGZZJGDM', 'FZJGSSXZQHDM', 'FZRQ', 'YXQJSRQ']
      .filter((k) => d.fields.some((f) => f.key === k)));
    expect(d.fields.find((f) => f.key === 'CYRSFZJHM')).toMatchObject({ name: '持有人身份证件号码', value: '1101**********1233', sensitive: true, masked: true });
    expect(d.fields.find((f) => f.key === 'CYRSFZJLX')?.value).toBe('居民身份证');
    expect(JSON.stringify(d)).not.toContain('110101199003071233');

    const old = card(LICENSE_ITEM.realEstate, 'abolished')!;
    const successor = card(LICENSE_ITEM.realEstate, 'valid')!;
    const abolished = (await zhangsan.api<LicenseDetail>('GET', `/api/licenses/${old.licenseCode}`)).body;
    expect(abolished).toMatchObject({ state: 'abolished', abolishReason: expect.stringContaining('共有'), replacedBy: successor.licenseCode });
  });

  it("answers 404, not 403, for another holder's certificate or an unknown one", async () => {
    const marriage = card(LICENSE_ITEM.marriage)!;
    for (const path of [`/api/licenses/${marriage.licenseCode}`, `/api/licenses/${marriage.licenseCode}/service-items`]) {
      const res = await lisi.api('GET', path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    expect((await lisi.api('POST', `/api/licenses/${marriage.licenseCode}/reveal`)).status).toBe(404);
    expect((await zhangsan.api('GET', '/api/licenses/NO-SUCH-CODE')).status).toBe(404);
  });

  it('reveals sensitive values only on a CSRF-protected POST, and logs the fact without the values', async () => {
    const marriage = card(LICENSE_ITEM.marriage)!;
    expect((await zhangsan.api('POST', `/api/licenses/${marriage.licenseCode}/reveal`, { csrf: false })).status).toBe(403);
    const res = await zhangsan.api<RevealResponse>('POST', `/api/licenses/${marriage.licenseCode}/reveal`);
    expect(res.status).toBe(200);
    expect(res.body.fields).toEqual(expect.arrayContaining([{ key: 'CYRSFZJHM', value: '110101199003071233' }, { key: 'POSFZJHM', value: '110105198511124566' }]));
    const logs = stack.logs.join('\n');
    expect(logs).toContain('holder revealed sensitive fields');
    expect(logs).not.toContain('110101199003071233');
    expect(logs).not.toContain('110105198511124566');
  });

  it('offers the service items that accept it, with the fields to be shared and the validity bounds', async () => {
    const household = card(LICENSE_ITEM.householdRegister)!;
    const res = await zhangsan.api<ServiceItemListResponse>('GET', `/api/licenses/${household.licenseCode}/service-items`);
    expect(res.status).toBe(200);
    const codes = res.body.serviceItems.map((s) => s.serviceItemCode);
    expect(codes).toEqual(expect.arrayContaining([SERVICE_ITEM.householdAffairs, SERVICE_ITEM.realEstateRegistration, SERVICE_ITEM.employmentRegistration]));
    expect(codes).not.toContain(SERVICE_ITEM.drivingLicenceAffairs);
    const item = res.body.serviceItems.find((s) => s.serviceItemCode === SERVICE_ITEM.householdAffairs)!;
    expect(item.orgName).toBe('北京市东城区政务服务中心');
    const diploma = await zhangsan.api<ServiceItemListResponse>('GET', `/api/licenses/${card(LICENSE_ITEM.diploma)!.licenseCode}/service-items`);
    const employment = diploma.body.serviceItems.find((s) => s.serviceItemCode === SERVICE_ITEM.employmentRegistration)!;
    if (has('data_item_keys')) {
      expect(item.fields.filter((f) => f.sensitive).map((f) => f.key)).toEqual(['CYRSFZJHM', 'ZZ']);
      // Minimum necessary (PIPL art. 6): each item lists only the fields it receives of this certificate.
      expect(item.fields.map((f) => f.key)).toEqual(['ZZMC', 'ZZHM', 'CYRMC', 'CYRSFZJLX', 'CYRSFZJHM', 'HH', 'HZXM', 'YHZGX', 'ZZ', 'FZJGMC', 'FZRQ']);
      expect(employment.fields).toEqual([
        { key: 'ZZMC', name: '证照名称', sensitive: false }, { key: 'ZZHM', name: '证照号码', sensitive: false },
        { key: 'CYRMC', name: '持有人名称', sensitive: false }, { key: 'XXMC', name: '学校名称', sensitive: false },
        { key: 'ZYMC', name: '专业名称', sensitive: false }, { key: 'CC', name: '层次', sensitive: false }, { key: 'BYRQ', name: '毕业日期', sensitive: false },
      ]);
    } else {
      // A service naming no fields per item shares every shown field, and consent lists them all.
      expect(item.fields.length).toBeGreaterThan(11);
      expect(employment.fields.map((f) => f.key)).toEqual(expect.arrayContaining(['CYRSFZJHM', 'XXMC', 'BYRQ']));
    }
    const { minSeconds, maxSeconds, defaultSeconds } = stack.config.authorisation;
    const life = stack.config.upstream.holderCodeTtlSeconds;
    // Without revoke a code cannot be cut short: its validity is the upstream code's life, nothing to choose.
    expect(res.body.validity).toEqual(has('revoke')
      ? { minSeconds, maxSeconds: Math.min(maxSeconds, life), defaultSeconds: Math.min(defaultSeconds, 300) }
      : { minSeconds: life, maxSeconds: life, defaultSeconds: life });
  });
});

describe('the mobile view', () => {
  let link: MobileViewLink;

  it('is not offered by an upstream without license_by_token when no web root is configured', async ({ skip }) => {
    if (has('license_by_token')) skip();
    const res = await zhangsan.api<{ error: { code: string } }>('POST', `/api/licenses/${card(LICENSE_ITEM.diploma)!.licenseCode}/mobile-view`);
    expect([res.status, res.body.error.code]).toEqual([409, 'CONFLICT']);
    const caps = await zhangsan.api<{ mobileView: string }>('GET', '/api/capabilities');
    expect(caps.body.mobileView).toBe('none');
  });

  it('opens a certificate from a fresh access token, for anyone holding the link', async ({ skip }) => {
    if (!has('license_by_token')) skip();
    const diploma = card(LICENSE_ITEM.diploma)!;
    const res = await zhangsan.api<MobileViewLink>('POST', `/api/licenses/${diploma.licenseCode}/mobile-view`);
    expect(res.status).toBe(200);
    link = res.body;
    expect(link.url).toMatch(/^\/m\/license\?license_access_token=[A-Za-z0-9_-]+$/);
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());
    const token = new URL(link.url, stack.origin).searchParams.get('license_access_token')!;

    const signedIn = await zhangsan.api<MobileLicenseView>('GET', `/api/mobile-view?license_access_token=${token}`);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ viewer: '张*', license: { licenseCode: diploma.licenseCode, name: '学历证书', holderMaskedName: '张*' } });
    expect(signedIn.body.license.fields.find((f) => f.key === 'CYRSFZJHM')?.value).toBe('1101**********1233');

    const anonymous = await new BffClient(stack.origin).api<MobileLicenseView>('GET', `/api/mobile-view?license_access_token=${token}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.viewer).toBeNull();
  });

  it('refuses an unknown token and, once it has expired, the real one', async ({ skip }) => {
    if (!has('license_by_token')) skip();
    const unknown = await zhangsan.api('GET', '/api/mobile-view?license_access_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { message: '访问令牌已过期或无效' } });

    sandboxSkewMs = 11 * MINUTE;
    const token = new URL(link.url, stack.origin).searchParams.get('license_access_token')!;
    const expired = await zhangsan.api('GET', `/api/mobile-view?license_access_token=${token}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { message: '访问令牌已过期或无效' } });
  });
});
