import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TEST_IDP_CLIENT, type RunningSandbox } from '../support/sandbox-server.ts';
import { SandboxClient, errorCode, type Called } from '../support/sandbox-client.ts';
import { loginAtIdp } from '../support/idp-login.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { DEMO_SERVICE_ITEMS, LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/seed.ts';
import { parseExtensionList } from '../../src/contract/extensions.ts';
import type { LicenseRecord, ServiceItem } from '../../src/contract/upstream.ts';

// SANDBOX_EXTENSIONS=none: the sandbox plays the standard-only service of DB11/T 2290 section 6.
// Each extension answers exactly as an unknown path does, service items name no fields, and a
// code's receiver gets every field, as from a service that never heard of data_item_keys.

let standard: RunningSandbox;
let full: RunningSandbox;
let holderApp: SandboxClient;
let counter: SandboxClient;
let zhangsan: string;

beforeAll(async () => {
  [standard, full] = await Promise.all([startSandbox({ extensions: [] }), startSandbox()]);
  [holderApp, counter] = await Promise.all([new SandboxClient(standard.apiRoot).login('holder-h5'), new SandboxClient(standard.apiRoot).login('counter-demo')]);
  zhangsan = (await loginAtIdp({
    issuer: standard.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret,
    redirectUri: TEST_IDP_CLIENT.redirect_uri, account: 'zhangsan', password: DEMO_PASSWORD,
  })).access_token;
});
afterAll(async () => {
  await Promise.all([standard?.close(), full?.close()]);
});

/** What matters to a caller: status, ack_code, error code (response ids and times differ). */
const shape = (c: Called) => ({ status: c.status, ack: c.body.ack_code, code: errorCode(c.body), data: c.body.data });

describe('SANDBOX_EXTENSIONS=none', () => {
  it.each([
    ['POST', '/license/auth_code/revoke', { auth_code: 'x'.repeat(22), credential: 'c' }],
    ['POST', '/license/auth_code/uses', { credential: 'c' }],
    ['GET', '/license/auth_code/events', undefined],
    ['GET', '/license/license_by_token', undefined],
  ] as const)('%s %s answers exactly as an unknown path', async (method, path, body) => {
    const unknown = await holderApp.raw(method, '/license/no-such-interface', { body, query: { license_access_token: 'x'.repeat(22) } });
    const ext = await holderApp.raw(method, path, { body, query: { license_access_token: 'x'.repeat(22) } });
    expect(shape(ext)).toEqual(shape(unknown));
    expect(ext.status).toBe(404);
  });

  it('lists service items without data_item_keys, and a code receives every field', async () => {
    const items = (await holderApp.get('/service_item/list', { org_code: '11110101MB0000001X' })).data as ServiceItem[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => !('data_item_keys' in i))).toBe(true);

    const minted = await holderApp.post('/license/holder', { service_item_code: SERVICE_ITEM.householdAffairs, service_item_name: '测试', biz_num: 'S-1', credential: zhangsan, cas_no: 'oidc' });
    const i = (minted.data as LicenseRecord[]).findIndex((r) => r.license_item_code === LICENSE_ITEM.householdRegister);
    const got = await counter.get('/license/get_license', { auth_code: minted.auth_codes![i]! });
    const keys = Object.keys(JSON.parse(got.data.data_fields as string) as Record<string, string>);
    const declared = DEMO_SERVICE_ITEMS.find((s) => s.service_item_code === SERVICE_ITEM.householdAffairs)?.data_item_keys?.[LICENSE_ITEM.householdRegister] ?? [];
    // More than the item would get with the extension on: nothing narrows them here.
    expect(keys.length).toBeGreaterThan(declared.length);
  });
});

describe('conformance, extensions on', () => {
  it('starts the events feed at its current end when since is absent or empty', async () => {
    const app = await new SandboxClient(full.apiRoot).login('holder-h5');
    for (const since of [undefined, '']) {
      const env = await app.get('/license/auth_code/events', since === undefined ? {} : { since });
      expect(env.ack_code).toBe('SUCCESS');
      expect(env.data.events).toEqual([]);
      expect(env.data.next).toMatch(/^\d+$/);
    }
  });
});

describe('the extension list setting', () => {
  it.each([
    ['all', ['revoke', 'uses', 'events', 'data_item_keys', 'license_by_token']],
    ['none', []],
    ['uses, revoke', ['revoke', 'uses']],
    ['revoke,nonsense', null],
  ])('%s', (raw, expected) => {
    expect(parseExtensionList(raw)).toEqual(expected);
  });
});
