import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox-server.ts';
import { SandboxClient, errorCode, systemCredentials } from '../support/sandbox-client.ts';
import { DEMO_ORG } from '../../src/sandbox/demo-data.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/seed.ts';

// DB11/T 2290 6.2 session, 6.3 catalogue and the protocol conventions, over real HTTP.

let sb: RunningSandbox;
let offsetMs = 0;

beforeAll(async () => {
  sb = await startSandbox({ sessionTtlSeconds: 3600, clock: () => Date.now() + offsetMs });
});
afterAll(async () => sb.close());

describe('6.2 session', () => {
  it('logs in, echoes request_id as correlation_id and answers in the envelope', async () => {
    const c = new SandboxClient(sb.apiRoot);
    const { status, body } = await c.raw('POST', '/security/login', { body: { ...systemCredentials('counter-demo'), request_id: 'req-42' }, withToken: false });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ack_code: 'SUCCESS', errors: [], sign: null, sign_method: null, correlation_id: 'req-42', expires_in: 3600 });
    expect(body.access_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(body.response_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['wrong password', { password: 'nope' }],
    ['wrong secret', { app_secret: 'nope' }],
    ['wrong account', { account: 'issuer01' }],
    ['unknown app_key', { app_key: 'ghost' }],
  ])('refuses a login with a %s as INVALID_CREDENTIALS, HTTP 200', async (_label, patch) => {
    const c = new SandboxClient(sb.apiRoot);
    const { status, body } = await c.raw('POST', '/security/login', { body: { ...systemCredentials('counter-demo'), ...patch }, withToken: false });
    expect(status).toBe(200);
    expect(errorCode(body)).toBe('INVALID_CREDENTIALS');
    expect(body.errors[0]?.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(body.access_token).toBeUndefined();
  });

  it('tells who is logged in, and logout ends the session', async () => {
    const c = await new SandboxClient(sb.apiRoot).login('counter-demo');
    const me = await c.get('/security/get_current_user');
    expect(me.data).toEqual({ account: 'counter01', name: '东城区政务服务中心窗口系统', role: 'counter', division: '东城区', division_code: '110101',
      service_org: { org_code: DEMO_ORG.code, name: DEMO_ORG.name } });
    expect((await c.post('/security/logout')).ack_code).toBe('SUCCESS');
    expect(errorCode(await c.get('/security/get_current_user'))).toBe('INVALID_ACCESS_TOKEN');
  });

  it('refuses a missing or unknown token, and an expired one as ACCESS_TOKEN_EXPIRED', async () => {
    const c = await new SandboxClient(sb.apiRoot).login('holder-h5');
    const anonymous = new SandboxClient(sb.apiRoot);
    expect(errorCode(await anonymous.get('/catalog/list'))).toBe('INVALID_ACCESS_TOKEN');
    anonymous.token = '00000000-0000-0000-0000-000000000000';
    expect(errorCode(await anonymous.get('/catalog/list'))).toBe('INVALID_ACCESS_TOKEN');
    offsetMs = 3601_000;
    try {
      expect(errorCode(await c.get('/catalog/list'))).toBe('ACCESS_TOKEN_EXPIRED');
    } finally {
      offsetMs = 0;
    }
  });

  it('lists an organisation\'s service items', async () => {
    const c = await new SandboxClient(sb.apiRoot).login('holder-h5');
    const items = await c.get('/service_item/list', { org_code: DEMO_ORG.code, type: 0 });
    const codes = (items.data as Array<{ service_item_code: string; name: string; license_item_codes: string[] }>).map((i) => i.service_item_code);
    expect(codes).toContain(SERVICE_ITEM.householdAffairs);
    expect(codes).toContain(SERVICE_ITEM.businessStartup);
    expect((await c.get('/service_item/list', { org_code: 'nobody' })).data).toEqual([]);
  });
});

describe('6.3 catalogue', () => {
  it('pages the catalogue and returns one entry with its face fields', async () => {
    const c = await new SandboxClient(sb.apiRoot).login('issuer-demo');
    const page = await c.get('/catalog/list', { page_index: 2, page_size: 3 });
    expect(page.total_count).toBeGreaterThanOrEqual(7);
    expect(page.data).toHaveLength(3);
    const entry = await c.get(`/catalog/${LICENSE_ITEM.marriage}`);
    expect(entry.data).toMatchObject({ license_item_code: LICENSE_ITEM.marriage, name: '结婚证', holder_type: 0, type: 'CERTIFICATE', status: 2 });
    expect(entry.data.license_item_code).toHaveLength(24);
    const keys = (entry.data.data_items as Array<{ key: string; is_sensitive: boolean }>).map((d) => d.key);
    expect(keys).toEqual(expect.arrayContaining(['ZZMC', 'ZZHM', 'CYRMC', 'CYRSFZJHM', 'FZJGMC', 'FZRQ', 'YXQJSRQ', 'POXM']));
    expect(errorCode(await c.get('/catalog/000000000000000000000000'))).toBe('NOT_FOUND');
  });
});

describe('protocol faults', () => {
  it('answers malformed JSON with HTTP 400, and a well-formed request with invalid fields with HTTP 200 INVALID_REQUEST', async () => {
    const c = new SandboxClient(sb.apiRoot);
    const bad = await c.raw('POST', '/security/login', { rawBody: '{"app_key": ', withToken: false });
    expect(bad.status).toBe(400);
    expect(errorCode(bad.body)).toBe('INVALID_REQUEST');
    const missing = await c.raw('POST', '/security/login', { body: { app_key: 'counter-demo', request_id: 'r-9' }, withToken: false });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ ack_code: 'FAILURE', correlation_id: 'r-9', errors: [{ code: 'INVALID_REQUEST' }] });
    const counter = await new SandboxClient(sb.apiRoot).login('counter-demo');
    const badPage = await counter.raw('GET', '/catalog/list', { query: { page_size: 'lots' } });
    expect([badPage.status, errorCode(badPage.body)]).toEqual([200, 'INVALID_REQUEST']);
  });

  it('answers an unknown path under the prefix with a 404 envelope', async () => {
    const { status, body } = await new SandboxClient(sb.apiRoot).raw('GET', '/license/nothing-here');
    expect(status).toBe(404);
    expect(errorCode(body)).toBe('NOT_FOUND');
  });
});
