import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../support/sandbox-server.ts';
import { SandboxClient, errorCode, systemCredentials, type AnyEnvelope } from '../support/sandbox-client.ts';
import { signRequest } from '../../src/sandbox/request-signing.ts';
import { canonicalRequestString } from '../../src/contract/request-signing.ts';
import type { RequestSigningAlgorithm } from '../../src/contract/upstream.ts';

// DB11/T 2290 5.4 request signing (our decision: HMAC-SM3 / HMAC-SHA256), and persistence.

async function signedCall(sb: RunningSandbox, alg: RequestSigningAlgorithm, appKey: string, method: 'GET' | 'POST', path: string,
  opts: { query?: Record<string, string>; body?: unknown; timestamp?: number; nonce?: string; tamper?: (s: string) => string } = {}): Promise<AnyEnvelope> {
  const url = new URL(sb.apiRoot + path);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
  const timestamp = String(opts.timestamp ?? Date.now());
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
  const secret = systemCredentials(appKey).app_secret;
  let signature = signRequest(alg, secret, { method, path: url.pathname, query, timestamp, nonce, body });
  if (opts.tamper) signature = opts.tamper(signature);
  const res = await fetch(url, {
    method,
    headers: { 'x-app-key': appKey, 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body || undefined,
  });
  return (await res.json()) as AnyEnvelope;
}

describe('5.4 request signing (HMAC-SM3)', () => {
  let sb: RunningSandbox;
  beforeAll(async () => { sb = await startSandbox({ requestSigning: 'sm3' }); });
  afterAll(async () => sb.close());

  it('accepts correctly signed calls and refuses unsigned, tampered, stale and replayed ones', async () => {
    const login = await signedCall(sb, 'sm3', 'counter-demo', 'POST', '/security/login', { body: systemCredentials('counter-demo') });
    expect(login.ack_code).toBe('SUCCESS');
    const token = login.access_token!;
    const q = { access_token: token, page_size: '2', page_index: '1' };
    expect((await signedCall(sb, 'sm3', 'counter-demo', 'GET', '/catalog/list', { query: q })).data).toHaveLength(2);

    expect(errorCode(await new SandboxClient(sb.apiRoot).raw('GET', '/catalog/list', { query: q }).then((r) => r.body))).toBe('SIGNATURE_INVALID');
    expect(errorCode(await signedCall(sb, 'sm3', 'counter-demo', 'GET', '/catalog/list', { query: q, tamper: (s) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1) }))).toBe('SIGNATURE_INVALID');
    expect(errorCode(await signedCall(sb, 'sha256', 'counter-demo', 'GET', '/catalog/list', { query: q }))).toBe('SIGNATURE_INVALID');
    const stale = await signedCall(sb, 'sm3', 'counter-demo', 'GET', '/catalog/list', { query: q, timestamp: Date.now() - 6 * 60_000 });
    expect(stale.errors[0]).toMatchObject({ code: 'SIGNATURE_INVALID', inner_code: 'STALE_TIMESTAMP' });
    const nonce = randomBytes(16).toString('hex');
    expect((await signedCall(sb, 'sm3', 'counter-demo', 'GET', '/catalog/list', { query: q, nonce })).ack_code).toBe('SUCCESS');
    expect(errorCode(await signedCall(sb, 'sm3', 'counter-demo', 'GET', '/catalog/list', { query: q, nonce }))).toBe('REPLAYED_REQUEST');
    // A session used under another system's key.
    expect(errorCode(await signedCall(sb, 'sm3', 'biz-other', 'GET', '/catalog/list', { query: q }))).toBe('SIGNATURE_INVALID');
  });
});

describe('canonical request string', () => {
  it('sorts and encodes the query and joins the parts with newlines', () => {
    expect(canonicalRequestString({ method: 'get', path: '/license-app/v1/license/token', query: { b: '2', a: ['z', 'y'], c: '中 文' }, timestamp: '1700000000000', nonce: 'n1', bodyHashHex: 'e3b0' }))
      .toBe('GET\n/license-app/v1/license/token\na=y&a=z&b=2&c=%E4%B8%AD%20%E6%96%87\n1700000000000\nn1\ne3b0');
  });
});

describe('persistence', () => {
  it('keeps sessions and certificates across a restart on the same file, and seeds only once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const dbFile = join(dir, 'sandbox.sqlite');
    try {
      const first = await startSandbox({ dbFile });
      const c = await new SandboxClient(first.apiRoot).login('counter-demo');
      const before = await c.post('/license/auth', { identity_number: '110101199003071233', service_item_code: 'DC-HJ-0001', biz_num: 'P-1', operator: { account: 'a', name: 'b', identity_num: '', role: '', service_org: '', service_org_code: '', division: '', division_code: '' } });
      await first.close();
      const second = await startSandbox({ dbFile });
      try {
        const again = new SandboxClient(second.apiRoot);
        again.token = c.token;
        const after = await again.get('/license/get_license', { auth_code: before.auth_codes![0]! });
        expect(after.ack_code).toBe('SUCCESS');
        expect((await again.get('/catalog/list')).total_count).toBe(8);
        const webpageCount = await again.post('/license/auth', { identity_number: '110101199003071233', service_item_code: 'DC-HJ-0001', biz_num: 'P-2', operator: { account: 'a', name: 'b', identity_num: '', role: '', service_org: '', service_org_code: '', division: '', division_code: '' } });
        expect(webpageCount.total_count).toBe(before.total_count);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
