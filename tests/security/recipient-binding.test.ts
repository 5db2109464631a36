import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authorisation, LicenseListResponse, MobileViewLink } from '../../src/contract/bff.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { loginAtIdp } from '../support/idp-login.ts';
import { SandboxClient, errorCode } from '../support/sandbox-client.ts';
import { TEST_IDP_CLIENT } from '../support/sandbox-server.ts';

// Finding 8: the holder consented to one organisation's service item, but any access system of any
// organisation could redeem the code first. Now (shared/spec 6.6) a holder-authorised code is
// honoured only by an access system of the organisation that owns the item; the counter refuses
// another organisation's code before calling upstream when this BFF minted it.

let stack: BffStack;
const upstreamCalls: string[] = [];
let apiRoot: string;
let holderApp: SandboxClient;
let counter: SandboxClient; // 北京市东城区政务服务中心
let other: SandboxClient; // 北京市朝阳区不动产登记中心
let credential: string;

beforeAll(async () => {
  stack = await startBffStack({
    upstreamFetch: (input, init) => {
      upstreamCalls.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return fetch(input, init);
    },
  });
  apiRoot = `${stack.origin}/sandbox/license-app/v1`;
  [holderApp, counter, other] = await Promise.all([
    new SandboxClient(apiRoot).login('holder-h5'), new SandboxClient(apiRoot).login('counter-demo'), new SandboxClient(apiRoot).login('biz-other'),
  ]);
  credential = (await loginAtIdp({
    issuer: `${stack.origin}/sandbox/idp`, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret,
    redirectUri: TEST_IDP_CLIENT.redirect_uri, account: 'zhangsan', password: DEMO_PASSWORD,
  })).access_token;
}, 60_000);
afterAll(async () => stack?.close());

/** zhangsan's 居民户口簿 authorised, through the holder app's access system, for `serviceItem`. */
async function householdCodeFor(serviceItem: string): Promise<string> {
  const env = await holderApp.post('/license/holder', { service_item_code: serviceItem, credential, cas_no: 'oidc' });
  const i = (env.data as Array<{ license_item_code: string }>).findIndex((l) => l.license_item_code === LICENSE_ITEM.householdRegister);
  const code = env.auth_codes?.[i];
  if (!code) throw new Error(`no code for ${serviceItem}`);
  return code;
}

describe('the sharing service (sandbox)', () => {
  it("refuses a second organisation's get_license, token and archive, and leaves the code to the one consented to", async () => {
    const code = await householdCodeFor(SERVICE_ITEM.householdAffairs); // owned by 东城区政务服务中心
    for (const path of ['/license/get_license', '/license/token', '/license/archive']) {
      const env = await other.get(path, { auth_code: code });
      expect(errorCode(env)).toBe('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');
      expect(env.errors[0]?.inner_code).toBe('NOT_CONSENTED_RECIPIENT');
    }
    // Not bound by those attempts: the organisation the holder chose still redeems it.
    expect((await counter.get('/license/get_license', { auth_code: code, operator_name: '赵六' })).ack_code).toBe('SUCCESS');
  });

  it('honours a code for the second organisation only there', async () => {
    const code = await householdCodeFor(SERVICE_ITEM.realEstateTransfer); // owned by 朝阳区不动产登记中心
    expect(errorCode(await counter.get('/license/get_license', { auth_code: code }))).toBe('AUTH_CODE_BOUND_TO_OTHER_SYSTEM');
    expect((await other.get('/license/get_license', { auth_code: code })).ack_code).toBe('SUCCESS');
  });

  it('still lets the holder app exchange its own code for the mobile view (spec, holder app rights)', async () => {
    const code = await householdCodeFor(SERVICE_ITEM.realEstateTransfer);
    const env = await holderApp.get('/license/token', { auth_code: code });
    expect(env.ack_code).toBe('SUCCESS');
    expect(env.data.license_access_token).toBeTruthy();
  });
});

describe('the counter page (BFF)', () => {
  it("refuses a code this BFF minted for another organisation's item without calling upstream", async () => {
    const holder = new BffClient(stack.origin);
    await holder.login('zhangsan');
    const wallet = (await holder.api<LicenseListResponse>('GET', '/api/licenses')).body;
    const licenseCode = wallet.licenses.find((c) => c.licenseItemCode === LICENSE_ITEM.householdRegister)!.licenseCode;
    // 个体工商户设立登记 belongs to 北京市市场监督管理局, not to the counter's 东城区政务服务中心.
    const auth = await holder.api<Authorisation>('POST', '/api/authorisations', {
      body: { licenseCode, serviceItemCode: SERVICE_ITEM.soleTraderRegistration, validitySeconds: 120, idempotencyKey: 'recipient-1', sensitiveConsent: true },
    });
    expect(auth.status).toBe(200);

    const staff = new BffClient(stack.origin);
    await staff.login('staff01');
    upstreamCalls.length = 0;
    const kase = { bizNum: 'DC2026-REC-01', serviceItemCode: SERVICE_ITEM.householdAffairs, authCode: auth.body.authCode };
    for (const path of ['/api/counter/redeem', '/api/counter/archive']) {
      const res = await staff.api<{ error: { code: string; message: string } }>('POST', path, { body: kase });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('CODE_NOT_REDEEMABLE');
      expect(res.body.error.message).toContain('其他单位的事项');
    }
    expect(upstreamCalls.filter((p) => /get_license|archive|token/.test(p))).toEqual([]);

    // A code for the counter's own organisation still goes through.
    const own = await holder.api<Authorisation>('POST', '/api/authorisations', {
      body: { licenseCode, serviceItemCode: SERVICE_ITEM.householdAffairs, validitySeconds: 120, idempotencyKey: 'recipient-2', sensitiveConsent: true },
    });
    expect((await staff.api('POST', '/api/counter/redeem', { body: { ...kase, authCode: own.body.authCode } })).status).toBe(200);

    // And the holder's own mobile view, which redeems a code of the holder app's, works.
    const link = await holder.api<MobileViewLink>('POST', `/api/licenses/${licenseCode}/mobile-view`);
    expect(link.status).toBe(200);
    expect((await holder.api('GET', link.body.url.replace('/m/license', '/api/mobile-view'))).status).toBe(200);
  });
});
