import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { SessionInfo } from '../../src/contract/bff.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// What happens to a session over time: sliding idle timeout, absolute timeout, the provider
// credential renewed behind the page's back, roles, and a BFF restart. The lifetime rules are the
// same whichever kind of identity platform signed the holder in.

describe.each(['oidc', 'oauth2', 'cas'] as const)('session lifetime (%s)', (mode) => {
  let stack: BffStack;
  const tokenRequests: string[] = [];

  beforeAll(async () => {
    stack = await startBffStack({
      env: { SANDBOX_IDP_PROTOCOL: mode },
      beforeListen: (app) => {
        // Counts the provider's token endpoint calls (refresh grants) at the network edge.
        app.addHook('onRequest', async (req) => {
          if (req.method === 'POST' && req.url.split('?')[0] === '/sandbox/idp/token') tokenRequests.push(req.url);
        });
        app.get('/api/test/licenses', { preHandler: app.requireSession('citizen'), schema: { response: { 200: Type.Object({ count: Type.Integer() }) } } },
          async (req) => ({ count: (await app.upstream.webpage(req.session!.credential)).length }));
        app.get('/api/test/counter-only', { preHandler: app.requireSession('counter_staff'), schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } },
          async () => ({ ok: true }));
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const sessions = () => stack.app.bffDb;
  /** Moves one of the session's instants, as if time had passed. */
  function shift(column: 'idle_expires_at' | 'absolute_expires_at' | 'credential_expires_at', value: number): void {
    sessions().prepare(`UPDATE sessions SET ${column} = ?`).run(value);
  }

  describe('timeouts, renewal and roles', () => {
    it('slides the idle timeout once the deadline would move by more than a minute, not on every request', async () => {
      const b = new BffClient(stack.origin);
      const { session } = await b.login('zhangsan');
      // Right after the last write: nothing is written (issue 11), the deadline stays.
      const soon = await b.api<SessionInfo>('GET', '/api/session');
      expect(soon.body.idleExpiresAt).toBe(session.idleExpiresAt);
      // As if the last write were two minutes ago: this request slides the deadline.
      const idleMs = stack.config.session.idleSeconds * 1000;
      shift('idle_expires_at', Date.now() + idleMs - 120_000);
      const later = await b.api<SessionInfo>('GET', '/api/session');
      expect(Date.parse(later.body.idleExpiresAt)).toBeGreaterThan(Date.now() + idleMs - 60_000);
      expect(later.body.absoluteExpiresAt).toBe(session.absoluteExpiresAt);
      sessions().prepare('DELETE FROM sessions').run();
    });

    it.each(['idle_expires_at', 'absolute_expires_at'] as const)('ends the session when %s has passed: 401 and the cookie is cleared', async (column) => {
      const b = new BffClient(stack.origin);
      await b.login('zhangsan');
      shift(column, Date.now() - 1);
      const res = await b.api('GET', '/api/session');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'UNAUTHENTICATED', message: '请先登录' } });
      expect(res.headers.getSetCookie().some((c) => /^ecert_sid=;/.test(c))).toBe(true);
      expect(sessions().prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
    });

    // A CAS sign-in has nothing to renew with: its credential lasts as long as the session may.
    it.skipIf(mode === 'cas')('renews the provider credential shortly before it expires, once for concurrent calls', async () => {
      const b = new BffClient(stack.origin);
      await b.login('zhangsan');
      const before = sessions().prepare('SELECT credential, refresh_token FROM sessions').get() as { credential: string; refresh_token: string | null };
      expect(before.refresh_token).toBeTruthy(); // the provider issues refresh tokens without offline_access
      shift('credential_expires_at', Date.now() + 30_000);
      tokenRequests.length = 0;
      const answers = await Promise.all(Array.from({ length: 5 }, () => b.api<{ count: number }>('GET', '/api/test/licenses')));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(tokenRequests).toHaveLength(1);
      const after = sessions().prepare('SELECT credential, credential_expires_at FROM sessions').get() as { credential: string; credential_expires_at: number };
      expect(after.credential).not.toBe(before.credential);
      expect(after.credential_expires_at).toBeGreaterThan(Date.now() + 5 * 60_000);
      sessions().prepare('DELETE FROM sessions').run();
    });

    it('ends the session when the credential has expired and cannot be renewed', async () => {
      const b = new BffClient(stack.origin);
      await b.login('zhangsan');
      sessions().prepare('UPDATE sessions SET refresh_token = ?, credential_expires_at = ?').run('not-a-valid-refresh-token', Date.now() - 1000);
      const res = await b.api('GET', '/api/test/licenses');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect((await b.api('GET', '/api/session')).status).toBe(401);
    });

    it('gives counter staff their role and organisation, and keeps each role to its own routes', async () => {
      const staff = new BffClient(stack.origin);
      const { session } = await staff.login('staff01');
      expect(session.user).toMatchObject({ role: 'counter_staff', maskedName: '赵*', orgName: '北京市东城区政务服务中心' });
      expect((await staff.api('GET', '/api/test/counter-only')).status).toBe(200);
      const wrongRole = await staff.api('GET', '/api/test/licenses');
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body).toMatchObject({ error: { code: 'FORBIDDEN' } });

      const citizen = new BffClient(stack.origin);
      await citizen.login('lisi');
      expect((await citizen.api('GET', '/api/test/counter-only')).status).toBe(403);
      expect((await new BffClient(stack.origin).api('GET', '/api/test/counter-only')).status).toBe(401);
    });
  });

});

describe('session storage', () => {
  it('survives a BFF restart (SQLite file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bff-session-'));
    const file = join(dir, 'bff.sqlite');
    try {
      const first = await startBffStack({ env: { BFF_DB: file } });
      const b = new BffClient(first.origin);
      await b.login('zhangsan');
      await first.close();

      const second = await startBffStack({ env: { BFF_DB: file }, sandbox: { seed: false } });
      try {
        const res = await fetch(`${second.origin}/api/session`, { headers: { cookie: b.jar.header() } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as SessionInfo).user.name).toBe('张三');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('marks the cookie SameSite=None; Secure; Partitioned for embedding', async () => {
    const embedded = await startBffStack({ env: { COOKIE_SAMESITE: 'none' }, sandbox: { seed: false } });
    try {
      const b = new BffClient(embedded.origin);
      await b.login('zhangsan');
      const sid = b.seen.find((h) => /^ecert_sid=[^;]+;/.test(h));
      expect(sid).toMatch(/SameSite=None/i);
      expect(sid).toMatch(/; Secure/i);
      expect(sid).toMatch(/Partitioned/i);
      expect(sid).toMatch(/HttpOnly/i);
    } finally {
      await embedded.close();
    }
  });
});
