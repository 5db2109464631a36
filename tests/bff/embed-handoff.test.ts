// Issue 12: a sign-in in the top-level popup is handed to the portal's frame once, by code and
// the frame's secret, and only from our own pages; the framing policy follows FRAME_ANCESTORS.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/contract/bff.ts';
import { loadConfig } from '../../src/bff/config.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';

const PORTAL = 'https://portal.example.gov.cn';
const secretAndNonce = () => {
  const secret = randomBytes(32).toString('base64url');
  return { secret, nonce: createHash('sha256').update(secret).digest('base64url') };
};

let stack: BffStack;
beforeAll(async () => {
  stack = await startBffStack({ env: { FRAME_ANCESTORS: PORTAL }, captureLogs: true });
});
afterAll(async () => stack.close());

/** The popup: signed in first-party, mints a code for the frame's nonce. */
async function popupMints(nonce: string): Promise<{ popup: BffClient; code: string; status: number }> {
  const popup = new BffClient(stack.origin);
  await popup.login('zhangsan', { returnTo: '/embed/handoff' });
  const res = await popup.api<{ code: string }>('POST', '/api/embed/handoff', { body: { nonce } });
  return { popup, code: res.body.code, status: res.status };
}

describe('embed sign-in hand-off', () => {
  it('gives the frame its own partitioned session and ends the popup one', async () => {
    const { secret, nonce } = secretAndNonce();
    const { popup, code, status } = await popupMints(nonce);
    expect(status).toBe(200);
    expect((await popup.api('GET', '/api/session')).status).toBe(401);

    const frame = new BffClient(stack.origin);
    const redeemed = await frame.api<SessionInfo>('POST', '/api/embed/session', { body: { code, secret }, headers: { origin: stack.origin } });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.user.maskedName).toBe('张*');
    const cookie = frame.seen.find((h) => /^ecert_sid=[^;]+;/.test(h));
    expect(cookie).toMatch(/SameSite=None/i);
    expect(cookie).toMatch(/Partitioned/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect((await frame.api<SessionInfo>('GET', '/api/session')).body.user.name).toBe('张三');
    expect((await frame.api('GET', '/api/licenses')).status).toBe(200);
    // Nothing secret in the logs.
    expect(stack.logs.join('\n')).not.toContain(code);
    expect(stack.logs.join('\n')).not.toContain(secret);
  });

  it('is single use, and refuses a wrong secret (the code alone is not enough)', async () => {
    const { secret, nonce } = secretAndNonce();
    const { code } = await popupMints(nonce);
    const thief = new BffClient(stack.origin);
    const wrong = await thief.api('POST', '/api/embed/session', { body: { code, secret: secretAndNonce().secret } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    // The failed attempt used the code up: the real frame must sign in again, never a guess later.
    const late = await new BffClient(stack.origin).api('POST', '/api/embed/session', { body: { code, secret } });
    expect(late.status).toBe(400);
  });

  it('refuses a cross-site page, a malformed body and a popup that is not signed in', async () => {
    const { secret, nonce } = secretAndNonce();
    const { code } = await popupMints(nonce);
    const attacker = new BffClient(stack.origin);
    const cross = await attacker.api('POST', '/api/embed/session', { body: { code, secret }, headers: { origin: PORTAL } });
    expect(cross.status).toBe(403);
    const fetchSite = await attacker.api('POST', '/api/embed/session', { body: { code, secret }, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.status).toBe(403);
    const bad = await attacker.api('POST', '/api/embed/session', { body: { code: 'x', secret } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(bad.text).not.toMatch(/at .*\.ts/);
    const anonymous = await attacker.api('POST', '/api/embed/handoff', { body: { nonce } });
    expect(anonymous.status).toBe(401);
  });

  it('needs the CSRF token to mint', async () => {
    const popup = new BffClient(stack.origin);
    await popup.login('zhangsan');
    const res = await popup.api('POST', '/api/embed/handoff', { body: { nonce: secretAndNonce().nonce }, csrf: false });
    expect(res.status).toBe(403);
    expect((await popup.api('GET', '/api/session')).status).toBe(200);
  });

  it('tells the page which origins may frame it, and the CSP says the same', async () => {
    const res = await fetch(`${stack.origin}/api/embed/config`);
    expect(await res.json()).toMatchObject({ allowedOrigins: [PORTAL] });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(new RegExp(`frame-ancestors 'self' ${PORTAL.replace(/\./g, '\\.')}(;|$)`));
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('cross-origin-opener-policy')).toBe('unsafe-none');
  });
});

describe('embedding settings', () => {
  it('defaults the cookie to SameSite=None only when portals are configured', () => {
    expect(loadConfig({ FRAME_ANCESTORS: PORTAL }).session.sameSite).toBe('none');
    expect(loadConfig({}).session.sameSite).toBe('lax');
    expect(loadConfig({ FRAME_ANCESTORS: PORTAL, COOKIE_SAMESITE: 'lax' }).session.sameSite).toBe('lax');
  });

  it.each([
    ['https://a.example.gov.cn https://b.example.gov.cn:8443', true],
    ['https://a.example.gov.cn,http://localhost:8081', true],
    ["https://a.example.gov.cn; script-src 'unsafe-inline'", false],
    ['*', false],
    ['https://a.example.gov.cn/path', false],
  ])('FRAME_ANCESTORS=%s accepted: %s', (value, ok) => {
    if (ok) expect(() => loadConfig({ FRAME_ANCESTORS: value })).not.toThrow();
    else expect(() => loadConfig({ FRAME_ANCESTORS: value })).toThrow(/FRAME_ANCESTORS/);
  });
});
