import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { freePort } from '../support/sandbox-server.ts';

// A misbehaving license-app/v1 at the network edge: a tiny HTTP server this test controls.
// Whatever it does, the page gets a clear JSON error with a Chinese sentence, quickly.

type Mode = 'login-hangs' | 'login-garbage' | 'read-500' | 'read-hangs' | 'read-garbage' | 'refusal';

let mode: Mode = 'login-hangs';
const hits: string[] = [];
let stub: Server;
let stubRoot: string;
let stack: BffStack;
/** The rest of a complete production configuration (all or nothing); login is not exercised here. */
const REST_OF_PRODUCTION = {
  COUNTER_UPSTREAM_APP_KEY: 'ck', COUNTER_UPSTREAM_APP_SECRET: 'cs', COUNTER_UPSTREAM_ACCOUNT: 'ca', COUNTER_UPSTREAM_PASSWORD: 'cp',
  IDP_ISSUER: 'http://127.0.0.1:9/idp', IDP_CLIENT_ID: 'c', IDP_CLIENT_SECRET: 's',
};

const envelope = (extra: Record<string, unknown>) => JSON.stringify({
  ack_code: 'SUCCESS', errors: [], sign: null, sign_method: null, timestamp: '2026-11-28 10:00:00',
  correlation_id: null, response_id: 'r', total_count: 0, data: null, ...extra,
});

function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type }).end(body);
}

beforeAll(async () => {
  stub = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stub').pathname.replace('/license-app/v1', '');
    hits.push(`${req.method} ${path}`);
    req.resume();
    if (path === '/security/login') {
      if (mode === 'login-hangs') return; // never answers
      if (mode === 'login-garbage') return answer(res, 200, 'text/html', '<html><body>502 Bad Gateway (nginx)</body></html>');
      return answer(res, 200, 'application/json', envelope({ access_token: 'stub-session-token', expires_in: 3600 }));
    }
    if (mode === 'read-hangs') return;
    if (mode === 'read-500') return answer(res, 500, 'text/plain', 'upstream exploded');
    if (mode === 'read-garbage') return answer(res, 200, 'application/json', '{"ack_code": "SUCC');
    if (mode === 'refusal') {
      return answer(res, 200, 'application/json', envelope({ ack_code: 'FAILURE', errors: [{ code: 'AUTH_CODE_EXPIRED', message: '用证码已过期' }] }));
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => stub.listen(port, '127.0.0.1', resolve));
  stubRoot = `http://127.0.0.1:${port}/license-app/v1`;
  stack = await startBffStack({
    env: {
      UPSTREAM_URL: stubRoot, UPSTREAM_APP_KEY: 'k', UPSTREAM_APP_SECRET: 's', UPSTREAM_ACCOUNT: 'a', UPSTREAM_PASSWORD: 'p',
      UPSTREAM_TIMEOUT_MS: '300', ...REST_OF_PRODUCTION,
    },
    beforeListen: (app) => {
      app.get('/api/test/whoami', { schema: { response: { 200: Type.Object({ account: Type.String() }) } } },
        async () => ({ account: (await app.upstream.currentUser()).account }));
      app.get('/api/test/code', { schema: { response: { 200: Type.Object({ name: Type.String() }) } } },
        async () => ({ name: (await app.upstream.getLicense('expired-code')).name }));
      app.post('/api/test/revoke', { schema: { response: { 204: Type.Null() } } }, async (_req, reply) => {
        await app.upstream.revokeAuthCode('some-code', 'some-credential');
        return reply.code(204).send();
      });
    },
  });
});

afterAll(async () => {
  await stack?.close();
  stub?.closeAllConnections();
  await new Promise((r) => stub?.close(r));
});

async function timed(path: string, method = 'GET'): Promise<{ status: number; code: string; message: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${stack.origin}${path}`, { method, headers: { accept: 'application/json' } });
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(body.error.requestId).toBeTruthy();
  return { status: res.status, code: body.error.code, message: body.error.message, ms: Date.now() - started };
}

describe('an upstream that misbehaves', () => {
  it('login that never answers: 503 with a Chinese message after the timeout', async () => {
    mode = 'login-hangs';
    const r = await timed('/api/test/whoami');
    expect(r).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
    expect(r.message).toContain('超时');
    expect(r.ms).toBeLessThan(1500);
  });

  it('login answered with an HTML error page: 502', async () => {
    mode = 'login-garbage';
    const r = await timed('/api/test/whoami');
    expect(r).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR' });
    expect(r.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('a read that keeps failing with 500 is retried twice, then 503', async () => {
    mode = 'read-500';
    hits.length = 0;
    const r = await timed('/api/test/whoami');
    expect(r).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
    expect(hits.filter((h) => h === 'GET /security/get_current_user')).toHaveLength(3);
    expect(r.ms).toBeLessThan(2500);
  });

  it('a write is never repeated', async () => {
    hits.length = 0;
    const started = Date.now();
    const res = await fetch(`${stack.origin}/api/test/revoke`, { method: 'POST', headers: { origin: stack.origin } });
    expect(res.status).toBe(503);
    expect(hits.filter((h) => h === 'POST /license/auth_code/revoke')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a read that hangs: 503 after the timeout, not a hang', async () => {
    mode = 'read-hangs';
    const r = await timed('/api/test/whoami');
    expect(r).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
    expect(r.message).toContain('超时');
    expect(r.ms).toBeLessThan(1500);
  });

  it('truncated JSON: 502', async () => {
    mode = 'read-garbage';
    const r = await timed('/api/test/whoami');
    expect(r).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR' });
  });

  it('a business refusal no route handled becomes its typed answer', async () => {
    mode = 'refusal';
    const r = await timed('/api/test/code');
    expect(r).toMatchObject({ status: 409, code: 'CODE_NOT_REDEEMABLE', message: '用证码已过期' });
  });

  it('a service that is not listening: 503 quickly', async () => {
    const port = await freePort();
    const dead = await startBffStack({
      env: {
        UPSTREAM_URL: `http://127.0.0.1:${port}/license-app/v1`, UPSTREAM_APP_KEY: 'k', UPSTREAM_APP_SECRET: 's', UPSTREAM_ACCOUNT: 'a', UPSTREAM_PASSWORD: 'p', ...REST_OF_PRODUCTION,
      },
      sandbox: { seed: false },
      beforeListen: (app) => {
        app.get('/api/test/whoami', { schema: { response: { 200: Type.Object({ account: Type.String() }) } } },
          async () => ({ account: (await app.upstream.currentUser()).account }));
      },
    });
    try {
      const started = Date.now();
      const res = await fetch(`${dead.origin}/api/test/whoami`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status).toBe(503);
      expect(body.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: '电子证照共享服务暂时无法访问，请稍后再试' });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await dead.close();
    }
  });
});
