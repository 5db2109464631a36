import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authorisation, LicenseListResponse, SessionInfo } from '../../src/contract/bff.ts';
import { LICENSE_ITEM, SERVICE_ITEM } from '../../src/sandbox/catalogue-data.ts';
import { BffClient } from '../support/bff-client.ts';
import { startBffStack, type BffStack } from '../support/bff-stack.ts';
import { onFreePort } from '../support/ports.ts';
import { freePort, startSandbox, type RunningSandbox } from '../support/sandbox-server.ts';

// The BFF configured for production (IDP_PROTOCOL + IDP_*), against the standalone sandbox playing
// each kind of platform: the claim mapping by configuration, a wrong mapping, a tampered or
// replayed ticket, and CAS single logout. A refusal never leaves a session behind.

type Protocol = 'oidc' | 'oauth2' | 'cas';

interface Pair { sandbox: RunningSandbox; bff: BffStack }

function startPair(protocol: Protocol, idpEnv: (issuer: string) => Record<string, string>): Promise<Pair> {
  return onFreePort((port) => startPairOn(port, protocol, idpEnv));
}

async function startPairOn(port: number, protocol: Protocol, idpEnv: (issuer: string) => Record<string, string>): Promise<Pair> {
  const origin = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({
    idpProtocol: protocol,
    extraClients: [{
      client_id: 'prod-bff', client_secret: 'prod-bff-secret',
      redirect_uris: [`${origin}/auth/callback`], post_logout_redirect_uris: [`${origin}/login`],
    }],
  });
  try {
    const bff = await startBffStack({
      port,
      captureLogs: true,
      env: {
        UPSTREAM_URL: sandbox.apiRoot, UPSTREAM_APP_KEY: 'holder-h5', UPSTREAM_APP_SECRET: 'holder-h5-secret', UPSTREAM_ACCOUNT: 'holder-h5', UPSTREAM_PASSWORD: 'holder-h5-pass',
        COUNTER_UPSTREAM_APP_KEY: 'counter-demo', COUNTER_UPSTREAM_APP_SECRET: 'counter-demo-secret', COUNTER_UPSTREAM_ACCOUNT: 'counter01', COUNTER_UPSTREAM_PASSWORD: 'counter01-pass',
        IDP_PROTOCOL: protocol,
        ...idpEnv(sandbox.issuer),
      },
    });
    return { sandbox, bff };
  } catch (err) {
    await sandbox.close();
    throw err;
  }
}

/** A pair per describe block, started before its tests and closed after. */
function usePair(protocol: Protocol, idpEnv: (issuer: string) => Record<string, string>): () => Pair {
  let pair: Pair | undefined;
  beforeAll(async () => {
    pair = await startPair(protocol, idpEnv);
  }, 60_000);
  afterAll(async () => {
    await pair?.bff.close();
    await pair?.sandbox.close();
  });
  return () => pair!;
}

const oauth2Env = (issuer: string): Record<string, string> => ({
  IDP_AUTHORIZE_URL: `${issuer}/auth`, IDP_TOKEN_URL: `${issuer}/token`, IDP_USERINFO_URL: `${issuer}/oauth2/userinfo`,
  IDP_CLIENT_ID: 'prod-bff', IDP_CLIENT_SECRET: 'prod-bff-secret', IDP_SCOPE: 'user_info',
});
const casEnv = (issuer: string): Record<string, string> => ({ IDP_CAS_URL: `${issuer}/cas`, IDP_CREDENTIAL: 'attribute:token' });

const sessionCount = (bff: BffStack): number => (bff.app.bffDb.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;

/** Runs the sign-in up to the callback and visits it: where the BFF sends the browser. */
async function callbackOutcome(b: BffClient, tamper?: (callback: URL) => void): Promise<string> {
  const callback = new URL(await b.toCallback('/auth/login?return_to=/history', 'zhangsan'));
  tamper?.(callback);
  const res = await b.raw('GET', callback.href, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(303);
  return res.headers.get('location') ?? '';
}

describe.each([
  ['oauth2', oauth2Env],
  ['cas', casEnv],
  ['cas', (issuer: string) => ({ ...casEnv(issuer), IDP_CAS_FORMAT: 'json' })],
] as const)('a %s platform configured by hand', (protocol, env) => {
  const current = usePair(protocol, env);

  it('signs zhangsan in with its own field names and reads his certificates upstream with the credential', async () => {
    const b = new BffClient(current().bff.origin);
    const { landedAt, session } = await b.login('zhangsan', { returnTo: '/history' });
    expect(landedAt).toBe('/history');
    expect(session.user).toMatchObject({ name: '张三', maskedIdentityNum: '1101**********1233', role: 'citizen' });
    const wallet = await b.api<LicenseListResponse>('GET', '/api/licenses');
    expect(wallet.status).toBe(200);
    expect(wallet.body.licenses.length).toBeGreaterThan(0);

    // Authorising a use sends the platform's credential upstream (license/holder) and mints a code.
    const licenseCode = wallet.body.licenses.find((c) => c.licenseItemCode === LICENSE_ITEM.householdRegister)!.licenseCode;
    const auth = await b.api<Authorisation>('POST', '/api/authorisations', {
      body: { licenseCode, serviceItemCode: SERVICE_ITEM.householdAffairs, validitySeconds: 300, idempotencyKey: `platform-${protocol}-${Date.now()}`, sensitiveConsent: true },
    });
    expect(auth.status).toBe(200);
    expect(auth.body.authCode).toMatch(/^[A-Za-z0-9_-]{22,}$/);

    // Sign-out ends the session here as in the OIDC mode.
    expect((await b.logout()).status).toBe(200);
    expect((await b.api('GET', '/api/session')).status).toBe(401);
  });

  it('gives staff01 the counter role from the platform role field', async () => {
    const { session } = await new BffClient(current().bff.origin).login('staff01');
    expect(session.user).toMatchObject({ role: 'counter_staff', orgName: '北京市东城区政务服务中心' });
  });
});

describe.each([
  ['oauth2', oauth2Env],
  ['cas', casEnv],
] as const)('a wrong claim mapping on a %s platform', (protocol, env) => {
  const current = usePair(protocol, (issuer) => ({ ...env(issuer), IDP_CLAIM_IDENTITY_NUM: 'idCardNo' }));

  it('ends on /login?error=claims naming the missing field, with no session at all', async () => {
    const b = new BffClient(current().bff.origin);
    expect(await callbackOutcome(b)).toBe('/login?error=claims&claim=idCardNo&return_to=%2Fhistory');
    expect(sessionCount(current().bff)).toBe(0);
    expect((await b.api('GET', '/api/session')).status).toBe(401);
    expect(current().bff.logs.join('\n')).toMatch(/"loginError":"claims","detail":"idCardNo"/);
  });
});

describe('a CAS platform: tickets and single logout', () => {
  const current = usePair('cas', casEnv);

  it.each([
    ['a tampered ticket', (u: URL) => u.searchParams.set('ticket', `${u.searchParams.get('ticket')!.slice(0, -2)}xx`)],
    ['a made-up ticket', (u: URL) => u.searchParams.set('ticket', 'ST-made-up-ticket-value')],
    ['a ticket with markup', (u: URL) => u.searchParams.set('ticket', '<x>')],
    ['no ticket', (u: URL) => u.searchParams.delete('ticket')],
  ])('refuses %s with /login?error=provider and no session', async (_what, tamper) => {
    const b = new BffClient(current().bff.origin);
    const before = sessionCount(current().bff);
    expect(await callbackOutcome(b, tamper)).toBe('/login?error=provider&return_to=%2Fhistory');
    expect(sessionCount(current().bff)).toBe(before);
  });

  it('refuses a ticket validated once already (single use), even in the browser it was issued to', async () => {
    const b = new BffClient(current().bff.origin);
    const callback = await b.toCallback('/auth/login', 'wangwu');
    const ticket = new URL(callback).searchParams.get('ticket')!;
    // Someone validates it first (as a thief with the URL would).
    const service = new URL(callback);
    service.searchParams.delete('ticket');
    const stolen = await fetch(`${current().sandbox.issuer}/cas/p3/serviceValidate?${new URLSearchParams({ service: service.href, ticket })}`);
    expect(await stolen.text()).toContain('<cas:authenticationSuccess>');
    const res = await b.raw('GET', callback);
    expect(res.headers.get('location')).toBe('/login?error=provider');
    expect((await b.api('GET', '/api/session')).status).toBe(401);
  });

  it('ends the BFF session when the holder signs out at the platform (back-channel single logout)', async () => {
    const b = new BffClient(current().bff.origin);
    await b.login('lisi');
    expect((await b.api<SessionInfo>('GET', '/api/session')).status).toBe(200);
    // Signing out at the platform itself, e.g. from another government app.
    const out = await b.raw('GET', `${current().sandbox.issuer}/cas/logout`, { headers: { accept: 'text/html' } });
    expect(out.status).toBe(200);
    expect((await b.api('GET', '/api/session')).status).toBe(401);
    expect(current().bff.logs.join('\n')).toMatch(/"ended":true,"msg":"single logout from the identity platform"/);
  });

  it('refuses a logout request that is not one, and one naming an unknown ticket changes nothing', async () => {
    const b = new BffClient(current().bff.origin);
    await b.login('zhangsan');
    const garbage = await b.raw('POST', '/auth/callback', { form: { logoutRequest: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>' } });
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const unknown = await b.raw('POST', '/auth/callback', {
      form: { logoutRequest: '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:SessionIndex>ST-not-a-real-ticket</samlp:SessionIndex></samlp:LogoutRequest>' },
    });
    expect(unknown.status).toBe(200);
    expect((await b.api('GET', '/api/session')).status).toBe(200);
  });
});

describe('a platform that cannot be reached, or a holder who cancels', () => {
  it('sends the browser to /login?error=provider instead of an error page when the platform is down', async () => {
    const port = await freePort();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const bff = await startBffStack({
      port,
      env: {
        UPSTREAM_URL: `${dead}/license-app/v1`, UPSTREAM_APP_KEY: 'k', UPSTREAM_APP_SECRET: 's', UPSTREAM_ACCOUNT: 'a', UPSTREAM_PASSWORD: 'p',
        COUNTER_UPSTREAM_APP_KEY: 'ck', COUNTER_UPSTREAM_APP_SECRET: 'cs', COUNTER_UPSTREAM_ACCOUNT: 'ca', COUNTER_UPSTREAM_PASSWORD: 'cp',
        IDP_ISSUER: `${dead}/idp`, IDP_CLIENT_ID: 'c', IDP_CLIENT_SECRET: 's',
      },
    });
    try {
      const res = await fetch(`${bff.origin}/auth/login?return_to=/history`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/login?error=provider&return_to=%2Fhistory');
    } finally {
      await bff.close();
    }
  });

  it('sends a holder who cancelled at the platform to /login?error=cancelled', async () => {
    const bff = await startBffStack({ env: { SANDBOX_IDP_PROTOCOL: 'oauth2' }, sandbox: { seed: false } });
    try {
      const b = new BffClient(bff.origin);
      const start = await b.raw('GET', '/auth/login');
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const back = await b.raw('GET', `/auth/callback?${new URLSearchParams({ error: 'access_denied', state })}`);
      expect(back.headers.get('location')).toBe('/login?error=cancelled');
      expect(sessionCount(bff)).toBe(0);
    } finally {
      await bff.close();
    }
  });
});
