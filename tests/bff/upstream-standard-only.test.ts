import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryResponse, LicenseDetail, LicenseListResponse, ServiceCapabilities } from '../../src/contract/bff.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { freePort, startSandbox, type RunningSandbox } from '../support/sandbox-server.ts';

// A standard-only license-app/v1 written here from the spec's text, not from our sandbox: its
// missing extensions answer as gateways do (an HTML 404, a 405, an envelope 404, a bare 404),
// webpage records carry data_fields as a JSON string and fields we never heard of. The BFF must
// read it, offer nothing it lacks, and log one warning per missing extension, never per request.

const ITEM = '100010601000021135110000';
let webpageMode: 'ok' | 'missing-field' = 'ok';
let stub: Server;
let stack: BffStack;
/** Only its identity provider is used: a production BFF signs holders in at a real provider. */
let idp: RunningSandbox;
let zhangsan: BffClient;

const envelope = (data: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({
  ack_code: 'SUCCESS', errors: [], sign: null, sign_method: null, timestamp: '2026-11-28 10:00:00', correlation_id: null,
  response_id: 'r', total_count: Array.isArray(data) ? data.length : 0, data, vendor_extra: { anything: true }, ...extra,
});
const send = (res: ServerResponse, status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type }).end(body);

const record = () => ({
  license_code: 'LC-1', license_item_code: ITEM, name: '居民户口簿', license_type: 'CERTIFICATE', id_code: 'HK-0001', holder_name: '张三',
  holder_identity_type: '111', holder_identity_num: '110101199003071233', issue_org_name: '北京市公安局东城分局', license_status: 'ISSUED',
  issue_date: '2020-01-01', begin_date: '2020-01-01', expiry_date: null, seal_owner: 'not in the spec',
  // As a JSON string, the way get_license sends it, in a webpage record.
  data_fields: JSON.stringify({ HH: '110101099999', HZXM: '张三', CYRSFZJHM: '110101199003071233' }),
});

beforeAll(async () => {
  stub = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stub').pathname.replace('/license-app/v1/', '');
    req.resume();
    if (path === 'security/login') return send(res, 200, 'application/json', envelope(null, { access_token: 'stub-token', expires_in: 3600 }));
    if (path === 'security/get_current_user') return send(res, 200, 'application/json', envelope({ account: 'a', service_org: { org_code: 'ORG1', name: '北京市东城区政务服务中心' } }));
    if (path === 'service_item/list') return send(res, 200, 'application/json', envelope([{ service_item_code: 'S1', name: '户籍业务办理', license_item_codes: [ITEM] }]));
    if (path === 'catalog/list') return send(res, 200, 'application/json', envelope([]));
    if (path === `catalog/${ITEM}`) {
      return send(res, 200, 'application/json', envelope({
        license_item_code: ITEM, name: '居民户口簿', admin_org_code: 'ORG1', admin_org: '北京市公安局',
        data_items: [{ key: 'HH', name: '户号', is_show: true, index: 1 }, { key: 'HZXM', name: '户主姓名', is_show: true, index: 2 },
          { key: 'CYRSFZJHM', name: '持有人身份证件号码', is_show: true, is_sensitive: true, index: 3 }],
      }));
    }
    if (path === 'license/webpage') {
      const rec: Record<string, unknown> = record();
      if (webpageMode === 'missing-field') delete rec.license_code;
      return send(res, 200, 'application/json', envelope([rec]));
    }
    // The extensions, absent the four ways an unknown path answers in the field.
    if (path === 'license/auth_code/revoke') return send(res, 404, 'text/html', '<html><body><h1>404 Not Found</h1>nginx</body></html>');
    if (path === 'license/auth_code/uses') return send(res, 405, 'text/plain', 'Method Not Allowed');
    if (path === 'license/auth_code/events') {
      return send(res, 404, 'application/json', JSON.stringify({ ack_code: 'FAILURE', errors: [{ code: 'NOT_FOUND', message: '请求的内容不存在或无权查看' }], data: null }));
    }
    return send(res, 404, 'text/plain', '');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => stub.listen(port, '127.0.0.1', resolve));
  const bffPort = await freePort();
  const bffOrigin = `http://127.0.0.1:${bffPort}`;
  idp = await startSandbox({
    extraClients: [{ client_id: 'prod-bff', client_secret: 'prod-bff-secret', redirect_uris: [`${bffOrigin}/auth/callback`], post_logout_redirect_uris: [`${bffOrigin}/login`] }],
  });
  stack = await startBffStack({
    port: bffPort,
    captureLogs: true,
    env: {
      UPSTREAM_URL: `http://127.0.0.1:${port}/license-app/v1`, UPSTREAM_APP_KEY: 'k', UPSTREAM_APP_SECRET: 's', UPSTREAM_ACCOUNT: 'a', UPSTREAM_PASSWORD: 'p',
      COUNTER_UPSTREAM_APP_KEY: 'ck', COUNTER_UPSTREAM_APP_SECRET: 'cs', COUNTER_UPSTREAM_ACCOUNT: 'ca', COUNTER_UPSTREAM_PASSWORD: 'cp',
      IDP_ISSUER: idp.issuer, IDP_CLIENT_ID: 'prod-bff', IDP_CLIENT_SECRET: 'prod-bff-secret',
    },
  });
  zhangsan = new BffClient(stack.origin);
  await zhangsan.login('zhangsan');
});
afterAll(async () => {
  await stack?.close();
  await idp?.close();
  stub?.closeAllConnections();
  await new Promise((r) => stub?.close(r));
});

describe('a standard-only upstream', () => {
  it('is found to have no extension, and the page is told so', async () => {
    const caps = await zhangsan.api<ServiceCapabilities>('GET', '/api/capabilities');
    expect(caps.status).toBe(200);
    expect(caps.body).toEqual({ revoke: false, usesReported: false, liveStatus: false, mobileView: 'none', codeLifetimeSeconds: 300 });
  });

  it('reads records whatever form data_fields takes, ignoring fields it does not know', async () => {
    const wallet = await zhangsan.api<LicenseListResponse>('GET', '/api/licenses');
    expect(wallet.status, wallet.text).toBe(200);
    expect(wallet.body.licenses).toEqual([expect.objectContaining({ licenseCode: 'LC-1', name: '居民户口簿', state: 'valid' })]);
    const detail = await zhangsan.api<LicenseDetail>('GET', '/api/licenses/LC-1');
    expect(detail.body.fields.map((f) => [f.key, f.value])).toEqual([['HH', '110101099999'], ['HZXM', '张三'], ['CYRSFZJHM', '1101**********1233']]);
  });

  it("shows history from the BFF's own records, and says uses are not reported", async () => {
    const history = await zhangsan.api<HistoryResponse>('GET', '/api/history');
    expect(history.status).toBe(200);
    expect(history.body).toEqual({ entries: [], usesReported: false });
  });

  it('answers UPSTREAM_ERROR naming the field a record lacks', async () => {
    webpageMode = 'missing-field';
    try {
      const res = await zhangsan.api<{ error: { code: string; message: string } }>('GET', '/api/licenses');
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('UPSTREAM_ERROR');
      expect(res.body.error.message).toContain('license_code');
    } finally {
      webpageMode = 'ok';
    }
  });

  it('logs what it found once at info, and one warning per missing extension', async () => {
    // More requests must not add warnings.
    await zhangsan.api('GET', '/api/history');
    await zhangsan.api('GET', '/api/capabilities');
    const lines = stack.logs.map((l) => JSON.parse(l) as { level: number; msg: string; extension?: string });
    const warnings = lines.filter((l) => l.level === 40 && l.extension);
    expect(warnings.map((l) => l.extension).sort()).toEqual(['data_item_keys', 'events', 'license_by_token', 'revoke', 'uses']);
    expect(lines.filter((l) => l.msg.startsWith('upstream extensions:'))).toEqual([expect.objectContaining({ level: 30, msg: 'upstream extensions: none (standard only)' })]);
  });
});
