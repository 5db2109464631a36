import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from '../support/ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialVerifier, idpPlugin, introspectionClient } from '../../src/sandbox/idp.ts';
import { loginAtIdp, logoutAtIdp, openLoginPage, pageError, revokeAtIdp, discover } from '../support/idp-login.ts';

const CLIENT = { client_id: 'idp-test', client_secret: 'idp-test-secret', redirect_uris: ['http://127.0.0.1:9/cb'], post_logout_redirect_uris: ['http://127.0.0.1:9/bye'] };
const login = (issuer: string, account: string, password = 'demo123456') => loginAtIdp({
  issuer, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: CLIENT.redirect_uris[0]!, account, password,
});

async function startIdp(dbFile: string, opts: { accessTokenTtl?: number } = {}): Promise<{ app: FastifyInstance; issuer: string; db: Database.Database }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}/sandbox/idp`;
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  const app = Fastify();
  await app.register(idpPlugin, { prefix: '/sandbox/idp', db, issuer, clients: [CLIENT], ...opts });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, issuer, db };
}

describe('sandbox identity provider', () => {
  let dir: string;
  let dbFile: string;
  let idp: Awaited<ReturnType<typeof startIdp>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idp-test-'));
    dbFile = join(dir, 'sandbox.db');
    idp = await startIdp(dbFile);
  });
  afterAll(async () => {
    await idp.app.close();
    idp.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes discovery under its mount prefix with code + PKCE, introspection, revocation and logout', async () => {
    const meta = await discover(idp.issuer) as unknown as Record<string, unknown>;
    expect(meta.issuer).toBe(idp.issuer);
    expect(meta.authorization_endpoint).toBe(`${idp.issuer}/auth`);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'phone', 'identity']));
    expect(meta.introspection_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/idp\//);
    expect(meta.revocation_endpoint).toBeTruthy();
    expect(meta.end_session_endpoint).toBeTruthy();
    const jwks = await (await fetch(meta.jwks_uri as string)).json() as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('logs zhangsan in through the Chinese form and the token verifies as 张三', async () => {
    const page = await openLoginPage({ issuer: idp.issuer, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: CLIENT.redirect_uris[0]! });
    expect(page.html).toContain('统一身份认证平台');
    expect(page.html).toMatch(/<label for="account">账号<\/label>/);
    expect(page.html).toMatch(/<label for="password">密码<\/label>/);
    expect(page.html).not.toMatch(/<script/i);

    const tokens = await login(idp.issuer, 'zhangsan');
    const idClaims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(idClaims).toMatchObject({ sub: 'zhangsan', aud: CLIENT.client_id, iss: idp.issuer });
    // The ID token travels in URLs (id_token_hint), so the identity number stays out of it.
    expect(idClaims).not.toHaveProperty('identity_num');
    const meta = await discover(idp.issuer) as unknown as { userinfo_endpoint: string };
    const userinfo = await (await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(userinfo).toEqual({
      sub: 'zhangsan', name: '张三', phone_number: '13800000001', phone_number_verified: true,
      identity_type: '111', identity_num: '110101199003071233', role: 'citizen',
    });

    const verify = createCredentialVerifier({ issuer: idp.issuer, ...introspectionClient(idp.db) });
    expect(await verify(tokens.access_token)).toEqual({
      sub: 'zhangsan', name: '张三', identity_type: '111', identity_num: '110101199003071233', phone: '13800000001', role: 'citizen',
    });
    expect(await verify('not-a-token-of-this-provider-at-all')).toBeNull();
    // A refresh token is not a credential.
    expect(tokens.refresh_token).toBeTruthy();
    expect(await verify(tokens.refresh_token!)).toBeNull();

    const staff = await login(idp.issuer, 'staff01');
    expect(await verify(staff.access_token)).toMatchObject({ name: '赵六', role: 'counter_staff', org_name: '北京市东城区政务服务中心' });
  });

  it('builds every URL from its configured issuer, whatever X-Forwarded-Host a client sends', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    const text = await res.text();
    expect(text).not.toContain('evil.example');
    expect((JSON.parse(text) as { authorization_endpoint: string }).authorization_endpoint).toBe(`${idp.issuer}/auth`);
  });

  it('answers a wrong password with a Chinese error and locks the account after repeated failures, from that address only', async () => {
    // Ten failures for wangwu from somewhere else do not lock wangwu out here.
    const insert = idp.db.prepare('INSERT INTO idp_login_failures (account, address, at) VALUES (?, ?, ?)');
    for (let i = 0; i < 12; i++) insert.run('wangwu', '203.0.113.7', Math.floor(Date.now() / 1000));
    await expect(login(idp.issuer, 'wangwu')).resolves.toHaveProperty('access_token');

    const attempt = async (account: string) => {
      try {
        await login(idp.issuer, account, 'wrong-password');
        throw new Error('login should have failed');
      } catch (err) {
        return err as { status: number; page: string; message: string };
      }
    };
    const first = await attempt('lisi');
    expect(first.status).toBe(401);
    expect(pageError(first.page)).toBe('账号或密码错误，请重新输入。');
    expect(first.page).toContain('value="lisi"');

    for (let i = 1; i < 10; i++) await attempt('lisi');
    const locked = await attempt('lisi');
    expect(locked.status).toBe(429);
    expect(pageError(locked.page)).toContain('15 分钟后再试');
    // Even the right password is refused while locked; other accounts are unaffected.
    await expect(login(idp.issuer, 'lisi')).rejects.toThrow(/15 分钟后再试/);
    await expect(login(idp.issuer, 'wangwu')).resolves.toHaveProperty('access_token');
    // Another address may still sign lisi in: the lock names the account and the address together.
    expect(idp.db.prepare("SELECT count(DISTINCT address) AS n FROM idp_login_failures WHERE account = 'lisi'").get()).toEqual({ n: 1 });
  });

  it('refuses the token after RP-initiated logout and after revocation', async () => {
    const verify = createCredentialVerifier({ issuer: idp.issuer, ...introspectionClient(idp.db) });

    const a = await login(idp.issuer, 'zhangsan');
    expect(await verify(a.access_token)).not.toBeNull();
    const landed = await logoutAtIdp({ issuer: idp.issuer, idToken: a.id_token, cookies: a.cookies, postLogoutRedirectUri: CLIENT.post_logout_redirect_uris[0] });
    expect(landed).toBe(CLIENT.post_logout_redirect_uris[0]);
    expect(await verify(a.access_token)).toBeNull();
    expect(await verify(a.refresh_token!)).toBeNull();

    const b = await login(idp.issuer, 'zhangsan');
    expect(await verify(b.access_token)).not.toBeNull();
    await revokeAtIdp({ issuer: idp.issuer, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, token: b.access_token });
    expect(await verify(b.access_token)).toBeNull();
  });

  it('keeps keys, clients and tokens across a restart on the same SQLite file, and tokens expire', async () => {
    const before = await login(idp.issuer, 'zhangsan');
    const jwksBefore = await (await fetch(`${idp.issuer}/jwks`)).json();

    const second = await startIdp(dbFile, { accessTokenTtl: 1 });
    try {
      expect(await (await fetch(`${second.issuer}/jwks`)).json()).toEqual(jwksBefore);
      // The token minted by the first instance is recognised by the second (same database).
      const verifySecond = createCredentialVerifier({ issuer: second.issuer, ...introspectionClient(second.db) });
      expect(await verifySecond(before.access_token)).toMatchObject({ name: '张三' });

      const shortLived = await login(second.issuer, 'wangwu');
      expect(await verifySecond(shortLived.access_token)).toMatchObject({ name: '王五' });
      await new Promise((r) => setTimeout(r, 2100));
      expect(await verifySecond(shortLived.access_token)).toBeNull();
    } finally {
      await second.app.close();
      second.db.close();
    }
  });
});
