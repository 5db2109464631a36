import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { SessionInfo } from '../../src/contract/bff.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

// The holder's login round trip through the real provider form, over real HTTP, with every log
// line of the BFF and the embedded sandbox captured for the leak check at the end. Once per kind
// of identity platform the embedded provider can play (SANDBOX_IDP_PROTOCOL).

describe.each(['oidc', 'oauth2', 'cas'] as const)('login as a holder (%s)', (mode) => {
  let stack: BffStack;
  const upstreamTokens = new Set<string>();

  beforeAll(async () => {
    stack = await startBffStack({
      env: { SANDBOX_IDP_PROTOCOL: mode },
      captureLogs: true,
      upstreamFetch: async (input, init) => {
        const token = new URL(String(input)).searchParams.get('access_token');
        if (token) upstreamTokens.add(token);
        return fetch(input, init);
      },
      // A route of the kind issue 5 adds: the holder's certificates via the upstream client.
      beforeListen: (app) => {
        app.get('/api/test/licenses', { preHandler: app.requireSession('citizen'), schema: { response: { 200: Type.Object({ count: Type.Integer() }) } } },
          async (req) => ({ count: (await app.upstream.webpage(req.session!.credential, { requestId: req.id })).length }));
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** The session's server-side secrets, to prove none of them ever reached the browser or a log. */
  function secretsOf(): string[] {
    const rows = stack.app.bffDb.prepare('SELECT credential, id_token, refresh_token FROM sessions').all() as Array<Record<string, string | null>>;
    return rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === 'string' && v.length > 0);
  }

  describe('round trip', () => {
    const browser = () => new BffClient(stack.origin);
    const secrets: string[] = [];
    let zhangsan: BffClient;
    let session: SessionInfo;

    it('signs in through the provider form and lands on the page first asked for, with masked identity', async () => {
      zhangsan = browser();
      const anonymous = await zhangsan.api('GET', '/api/session');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ error: { code: 'UNAUTHENTICATED', message: '请先登录' } });

      const result = await zhangsan.login('zhangsan', { returnTo: '/history?tab=uses' });
      session = result.session;
      expect(result.landedAt).toBe('/history?tab=uses');
      expect(session.user).toEqual({ maskedName: '张*', name: '张三', maskedIdentityNum: '1101**********1233', role: 'citizen' });
      expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(session.idleExpiresAt)).toBeLessThanOrEqual(Date.parse(session.absoluteExpiresAt));

      // The only cookie is the opaque session id: HttpOnly, SameSite=Lax, not a token.
      const sid = zhangsan.seen.find((h) => h.startsWith('ecert_sid=') && !h.startsWith('ecert_sid=;'));
      expect(sid).toMatch(/^ecert_sid=[A-Za-z0-9_-]{43};/);
      expect(sid).toMatch(/HttpOnly/i);
      expect(sid).toMatch(/SameSite=Lax/i);
      secrets.push(...secretsOf());
      // The credential, and per protocol an ID token (oidc) and a refresh token (oidc, oauth2).
      expect(secrets.length).toBeGreaterThanOrEqual(mode === 'cas' ? 1 : 2);
    });

    it('keeps the session on reload and serves upstream data with the stored credential', async () => {
      const again = await zhangsan.api<SessionInfo>('GET', '/api/session');
      expect(again.status).toBe(200);
      expect(again.body.user.name).toBe('张三');
      const licenses = await zhangsan.api<{ count: number }>('GET', '/api/test/licenses');
      expect(licenses.status).toBe(200);
      expect(licenses.body.count).toBeGreaterThan(0);
    });

    it('refuses a write without the CSRF token or from another origin', async () => {
      const noToken = await zhangsan.api('POST', '/api/session/extend', { csrf: false });
      expect(noToken.status).toBe(403);
      expect(noToken.body).toMatchObject({ error: { code: 'CSRF_FAILED' } });
      expect((noToken.body as { error: { message: string } }).error.message).toMatch(/[\u4e00-\u9fff]/);

      const wrongToken = await zhangsan.api('POST', '/api/session/extend', { csrf: false, headers: { 'x-csrf-token': 'A'.repeat(43) } });
      expect(wrongToken.status).toBe(403);
      const crossSite = await zhangsan.api('POST', '/api/session/extend', { headers: { origin: 'https://evil.example' } });
      expect(crossSite.status).toBe(403);
      const logoutNoToken = await zhangsan.api('POST', '/auth/logout', { csrf: false });
      expect(logoutNoToken.status).toBe(403);

      const ok = await zhangsan.api<SessionInfo>('POST', '/api/session/extend', { headers: { origin: stack.origin } });
      expect(ok.status).toBe(200);
      expect(ok.body.user.maskedName).toBe('张*');
    });

    it.each(['//evil.example', 'https://evil.example', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)'])(
      'ignores return_to %j and stays on our origin',
      async (target) => {
        // zhangsan still has a provider session: the round trip needs no password this time.
        const { landedAt } = await zhangsan.login('zhangsan', { returnTo: target });
        expect(landedAt).toBe('/');
      },
    );

    it('ignores a cross-origin return_to through the whole provider round trip', async () => {
      const lisi = browser();
      const { landedAt, session: s } = await lisi.login('lisi', { returnTo: '//evil.example/steal' });
      expect(landedAt).toBe('/');
      expect(s.user.maskedName).toBe('李*');
      secrets.push(...secretsOf());
    });

    it('refuses a forged state, and the real callback is then spent (single use)', async () => {
      const victim = browser();
      const callback = await victim.toCallback('/auth/login?return_to=/history', 'wangwu');
      const forged = new URL(callback);
      forged.searchParams.set('state', 'forged-state-value');
      const refused = await victim.raw('GET', forged.href);
      expect(refused.status).toBe(303);
      expect(refused.headers.get('location')).toBe('/login?error=expired');

      const replayed = await victim.raw('GET', callback);
      expect(replayed.headers.get('location')).toBe('/login?error=expired');
      expect((await victim.api('GET', '/api/session')).status).toBe(401);
    });

    it('refuses a replayed callback and one carried into another browser', async () => {
      const first = browser();
      const callback = await first.toCallback('/auth/login', 'wangwu');
      // An attacker's browser (no pending-login cookie) cannot use the code.
      const attacker = browser();
      const stolen = await attacker.raw('GET', callback, { headers: { accept: 'text/html' } });
      expect(stolen.status).toBe(303);
      expect(stolen.headers.get('location')).toBe('/login?error=expired');
      expect((await attacker.api('GET', '/api/session')).status).toBe(401);

      const ok = await first.raw('GET', callback);
      expect(ok.status).toBe(303);
      const replay = await first.raw('GET', callback);
      expect(replay.headers.get('location')).toBe('/login?error=expired');
      // The replay did not disturb the session the first visit created.
      expect((await first.api('GET', '/api/session')).status).toBe(200);
      secrets.push(...secretsOf());
    });

    it('issues a new session id at every login and ends the old one (no fixation)', async () => {
      const sid = (b: BffClient) => /ecert_sid=([^;]+)/.exec(b.jar.header())?.[1];
      const before = sid(zhangsan);
      expect(before).toBeDefined();
      await zhangsan.login('zhangsan', { returnTo: '/' });
      expect(sid(zhangsan)).not.toBe(before);
      // A browser holding the old id (as a planted cookie would) is signed out.
      const planted = await fetch(`${stack.origin}/api/session`, { headers: { cookie: `ecert_sid=${before}` } });
      expect(planted.status).toBe(401);
    });

    it('signs out at the BFF and at the provider, then asks for the password again', async () => {
      const out = await zhangsan.logout();
      expect(out.status).toBe(200);
      const endSession = new URL(out.body.redirectTo);
      expect(endSession.origin).toBe(stack.origin);
      expect((await zhangsan.api('GET', '/api/session')).status).toBe(401);
      if (mode === 'cas') {
        // CAS 3.0 /logout ends the single sign-on and returns to our login page.
        expect(endSession.pathname).toBe('/sandbox/idp/cas/logout');
        expect(endSession.searchParams.get('service')).toBe(`${stack.origin}/login`);
        const done = await zhangsan.raw('GET', endSession.href, { headers: { accept: 'text/html' } });
        expect(done.status).toBe(303);
        expect(done.headers.get('location')).toBe(`${stack.origin}/login`);
      } else {
        expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.origin}/login`);
        expect(endSession.searchParams.has('id_token_hint')).toBe(false);
        // The provider's confirmation page ends its own session and returns to /login.
        const page = await zhangsan.raw('GET', endSession.href, { headers: { accept: 'text/html' } });
        const html = await page.text();
        const action = /<form[^>]*\saction="([^"]+)"/.exec(html)?.[1];
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
        expect(action && xsrf).toBeTruthy();
        const confirmed = await zhangsan.raw('POST', new URL(action!.replace(/&amp;/g, '&'), endSession).href, { form: { xsrf: xsrf!, logout: 'yes' } });
        expect(confirmed.status).toBe(303);
        expect(confirmed.headers.get('location')).toBe(`${stack.origin}/login`);
      }

      // Signing in again shows the provider's password form (toCallback throws if it does not).
      let sawForm = false;
      const login = await zhangsan.raw('GET', '/auth/login');
      let url = new URL(login.headers.get('location')!, stack.origin).href;
      for (let i = 0; i < 5 && !sawForm; i++) {
        const r = await zhangsan.raw('GET', url, { headers: { accept: 'text/html' } });
        if (r.status === 200) sawForm = /name="password"/.test(await r.text());
        else url = new URL(r.headers.get('location')!, url).href;
      }
      expect(sawForm).toBe(true);
    });

    it('rate-limits /auth/login per client with a Chinese message', async () => {
      const b = browser();
      let last: Response | undefined;
      for (let i = 0; i < 31; i++) {
        last = await b.raw('GET', '/auth/login');
        if (last.status === 429) break;
        expect(last.status).toBe(303);
      }
      expect(last?.status).toBe(429);
      const body = (await last!.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('RATE_LIMITED');
      expect(body.error.message).toMatch(/[\u4e00-\u9fff]/);
    });

    it('never let a token, password, session id or identity number reach the browser or the logs', async () => {
      const browsers = [zhangsan];
      const seen = browsers.flatMap((b) => b.seen).join('\n');
      const logs = stack.logs.join('\n');
      expect(stack.logs.length).toBeGreaterThan(20);
      expect(logs).toContain('upstream call'); // the upstream client did log its calls

      const sessionIds = zhangsan.seen.map((h) => /^ecert_sid=([A-Za-z0-9_-]{43});/.exec(h)?.[1]).filter((v): v is string => Boolean(v));
      expect(sessionIds.length).toBeGreaterThan(0);
      expect(upstreamTokens.size).toBeGreaterThan(0);

      for (const secret of [...new Set(secrets)]) {
        expect(seen).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
      for (const value of [...sessionIds, ...upstreamTokens, 'demo123456', 'holder-h5-secret', 'holder-h5-pass', 'ecert-holder-bff-dev-secret']) {
        expect(logs).not.toContain(value);
      }
      // CAS service tickets ride in the callback URL: until we validate one, it is worth a credential.
      const tickets = seen.match(/ST-[A-Za-z0-9_-]{20,}/g) ?? [];
      expect(tickets.length > 0).toBe(mode === 'cas');
      for (const ticket of tickets) expect(logs).not.toContain(ticket);
      expect(logs).not.toContain('110101199003071233');
      expect(logs).not.toMatch(/(?<!\d)\d{17}[\dXx](?!\d)/);
      expect(seen).not.toContain('110101199003071233');
    });
  });
});
