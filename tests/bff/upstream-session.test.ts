import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// The upstream client's session (DB11/T 2290 6.2, 6.8 step 1), observed at the network edge:
// every request the BFF sends toward license-app/v1 passes through `edge`.

interface Seen {
  path: string;
  token: string | null;
  signed: boolean;
  /** For logins: which access system. */
  appKey?: string;
}

function edgeRecorder() {
  const seen: Seen[] = [];
  const edge: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const path = url.pathname.replace(/^.*\/license-app\/v1/, '');
    const appKey = path === '/security/login' ? (JSON.parse(String(init?.body)) as { app_key: string }).app_key : undefined;
    seen.push({ path, token: url.searchParams.get('access_token'), signed: headers.has('x-signature'), ...(appKey ? { appKey } : {}) });
    return fetch(input, init);
  };
  // Background work of other BFF parts (the holder's status feed) may log in too: count per system.
  const logins = (appKey: string) => seen.filter((s) => s.path === '/security/login' && s.appKey === appKey).length;
  return { seen, edge, logins };
}

const licensesRoute = (app: BffStack['app']) => {
  app.get('/api/test/licenses', { preHandler: app.requireSession('citizen'), schema: { response: { 200: Type.Object({ count: Type.Integer() }) } } },
    async (req) => ({ count: (await app.upstream.webpage(req.session!.credential, { requestId: req.id })).length }));
};

describe('upstream session, unsigned', () => {
  const rec = edgeRecorder();
  let stack: BffStack;
  let holder: BffClient;

  beforeAll(async () => {
    stack = await startBffStack({ upstreamFetch: rec.edge, beforeListen: licensesRoute });
    holder = new BffClient(stack.origin);
    await holder.login('zhangsan');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('logs in once for a burst of first calls', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => stack.app.counterUpstream.currentUser()));
    expect(new Set(users.map((u) => u.account))).toEqual(new Set(['counter01']));
    expect(rec.logins('counter-demo')).toBe(1);
  });

  it('50 concurrent BFF calls right after the upstream session ended: one login, no failed call', async () => {
    const first = await holder.api<{ count: number }>('GET', '/api/test/licenses');
    expect(first.status).toBe(200);
    const holderLogins = rec.logins('holder-h5');
    expect(holderLogins).toBe(1);

    // End the holder system's upstream session behind the client's back, as a service restart or
    // an operator would: the client still holds the now-dead token.
    const token = rec.seen.filter((s) => s.path === '/license/webpage').at(-1)?.token;
    expect(token).toBeTruthy();
    const killed = await fetch(`${stack.config.upstream.url}/security/logout?access_token=${token}`, { method: 'POST' });
    expect(((await killed.json()) as { ack_code: string }).ack_code).toBe('SUCCESS');

    const answers = await Promise.all(Array.from({ length: 50 }, () => holder.api<{ count: number }>('GET', '/api/test/licenses')));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(answers.every((a) => a.body.count === first.body.count)).toBe(true);
    expect(rec.logins('holder-h5')).toBe(holderLogins + 1);
    // Each call was refused at most once with the dead token, then repeated with the new one.
    const webpage = rec.seen.filter((s) => s.path === '/license/webpage');
    expect(webpage.filter((s) => s.token === token).length).toBeLessThanOrEqual(51);
    expect(new Set(webpage.slice(-50).map((s) => s.token)).size).toBe(1);
  });

  it('logs out upstream on request, and the next call logs in again', async () => {
    const before = rec.seen.length;
    await stack.app.counterUpstream.logout();
    expect(rec.seen.slice(before).map((s) => s.path)).toEqual(['/security/logout']);
    // The next call simply logs in again.
    await stack.app.counterUpstream.currentUser();
    expect(rec.logins('counter-demo')).toBe(2);
  });
});

describe('upstream session, signed requests (5.4)', () => {
  it.each(['sm3', 'sha256'] as const)('signs every call with HMAC-%s and the sandbox accepts them', async (algorithm) => {
    const rec = edgeRecorder();
    const stack = await startBffStack({ env: { UPSTREAM_SIGNING: algorithm }, sandbox: { requestSigning: algorithm }, upstreamFetch: rec.edge });
    try {
      const user = await stack.app.upstream.currentUser();
      expect(user.account).toBe('holder-h5');
      const catalogue = await stack.app.upstream.catalogList({ pageIndex: 1, pageSize: 5 });
      expect(catalogue.entries.length).toBeGreaterThan(0);
      expect(rec.seen.length).toBeGreaterThanOrEqual(3);
      expect(rec.seen.every((s) => s.signed)).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('a service that expects signatures refuses an unsigned BFF with a clear 502, not a 500', async () => {
    const stack = await startBffStack({
      sandbox: { requestSigning: 'sha256' },
      beforeListen: (app) => {
        app.get('/api/test/whoami', { schema: { response: { 200: Type.Object({ account: Type.String() }) } } }, async () => ({ account: (await app.upstream.currentUser()).account }));
      },
    });
    try {
      const res = await fetch(`${stack.origin}/api/test/whoami`);
      expect(res.status).toBe(502);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UPSTREAM_ERROR');
      expect(body.error.message).toMatch(/[\u4e00-\u9fff]/);
    } finally {
      await stack.close();
    }
  });
});
