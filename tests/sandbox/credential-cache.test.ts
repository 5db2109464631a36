import { EventEmitter } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CREDENTIAL_ENDING_EVENTS, CredentialCache, cachedVerifier, watchProvider } from '../../src/sandbox/credential-cache.ts';
import { DEMO_PASSWORD } from '../../src/sandbox/demo-data.ts';
import { SERVICE_ITEM } from '../../src/sandbox/seed.ts';
import { loginAtIdp, logoutAtIdp, revokeAtIdp } from '../support/idp-login.ts';
import { SandboxClient, errorCode } from '../support/sandbox-client.ts';
import { startSandbox, TEST_IDP_CLIENT, type RunningSandbox } from '../support/sandbox-server.ts';

// Issue 11: the embedded sharing service remembers a credential the provider vouched for, for a
// few seconds, instead of introspecting it over HTTP on every call; logout and revocation at the
// provider must still refuse it at once.

describe('CredentialCache', () => {
  const T0 = 1_000_000;
  let now = T0;
  const clock = () => now;
  afterEach(() => void (now = T0));

  const verifierSaying = (answer: string | null, expiresInMs = 60_000) => {
    const calls = vi.fn(async (_token: string, expiresAt: (ms: number) => void) => {
      expiresAt(now + expiresInMs);
      return answer;
    });
    return calls;
  };

  it.each([
    ['within the TTL', 4_999, 1],
    ['at the TTL', 5_000, 2],
    ['well after it', 60_000, 2],
  ])('answers from memory %s (second call after %i ms: %i verification(s))', async (_label, after, verifications) => {
    const verify = verifierSaying('zhangsan');
    const cached = new CredentialCache<string>({ ttlMs: 5_000, clock }).wrap(verify);
    expect(await cached('token-aaaaaaaaaaaaaaaa')).toBe('zhangsan');
    now += after;
    expect(await cached('token-aaaaaaaaaaaaaaaa')).toBe('zhangsan');
    expect(verify).toHaveBeenCalledTimes(verifications);
  });

  it('never keeps a credential past its own expiry', async () => {
    const verify = verifierSaying('zhangsan', 1_000);
    const cached = new CredentialCache<string>({ ttlMs: 5_000, clock }).wrap(verify);
    await cached('token-aaaaaaaaaaaaaaaa');
    now += 1_000;
    await cached('token-aaaaaaaaaaaaaaaa');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('does not remember a refusal, and keeps tokens apart', async () => {
    const verify = verifierSaying(null);
    const cached = new CredentialCache<string>({ clock }).wrap(verify);
    expect(await cached('token-aaaaaaaaaaaaaaaa')).toBeNull();
    expect(await cached('token-aaaaaaaaaaaaaaaa')).toBeNull();
    expect(verify).toHaveBeenCalledTimes(2);

    const ok = new CredentialCache<string>({ clock }).wrap(async (token, expiresAt) => {
      expiresAt(now + 60_000);
      return token.slice(-1);
    });
    expect([await ok('token-aaaaaaaaaaaaaaa1'), await ok('token-aaaaaaaaaaaaaaa2')]).toEqual(['1', '2']);
  });

  it('does not store an answer that was under way when the cache was cleared (a logout in between)', async () => {
    const cache = new CredentialCache<string>({ clock });
    let release!: () => void;
    const cached = cache.wrap(async (_t, expiresAt) => {
      await new Promise<void>((r) => (release = r));
      expiresAt(now + 60_000);
      return 'zhangsan';
    });
    const pending = cached('token-aaaaaaaaaaaaaaaa');
    await Promise.resolve();
    cache.clear();
    release();
    await pending;
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new CredentialCache<string>({ maxEntries: 2, clock });
    const cached = cache.wrap(async (token, expiresAt) => {
      expiresAt(now + 60_000);
      return token;
    });
    for (const t of ['token-aaaaaaaaaaaaaaa1', 'token-aaaaaaaaaaaaaaa2', 'token-aaaaaaaaaaaaaaa3']) await cached(t);
    expect(cache.size).toBe(2);
    expect(cache.get('token-aaaaaaaaaaaaaaa1')).toBeUndefined();
    expect(cache.get('token-aaaaaaaaaaaaaaa3')).toBe('token-aaaaaaaaaaaaaaa3');
  });

  it.each(CREDENTIAL_ENDING_EVENTS)('forgets everything when the provider emits %s; caches nothing for a provider not in this process', async (event) => {
    const provider = new EventEmitter();
    const verify = verifierSaying('zhangsan');
    const remote = cachedVerifier('https://idp.example/other', verify);
    await remote('token-aaaaaaaaaaaaaaaa');
    await remote('token-aaaaaaaaaaaaaaaa');
    expect(verify).toHaveBeenCalledTimes(2);

    const unwatch = watchProvider('https://idp.example/here', provider, { clock });
    try {
      const here = cachedVerifier('https://idp.example/here', verify);
      await here('token-aaaaaaaaaaaaaaaa');
      await here('token-aaaaaaaaaaaaaaaa');
      expect(verify).toHaveBeenCalledTimes(3);
      provider.emit(event);
      await here('token-aaaaaaaaaaaaaaaa');
      expect(verify).toHaveBeenCalledTimes(4);
    } finally {
      unwatch();
    }
  });
});

describe('the embedded sharing service with its provider', () => {
  let sb: RunningSandbox;
  let holderApp: SandboxClient;
  const realFetch = globalThis.fetch;
  let introspections = 0;

  beforeAll(async () => {
    // Counted at the network edge: every introspection is an HTTP call to the provider.
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input instanceof Request ? input.url : input).includes('/introspection')) introspections++;
      return realFetch(input, init);
    }) as typeof fetch;
    sb = await startSandbox();
    holderApp = await new SandboxClient(sb.apiRoot).login('holder-h5');
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await sb.close();
  });

  const login = () => loginAtIdp({
    issuer: sb.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret,
    redirectUri: TEST_IDP_CLIENT.redirect_uri, account: 'zhangsan', password: DEMO_PASSWORD,
  });
  const wallet = (credential: string) => holderApp.post('/license/webpage', { credential });

  it('introspects a credential once for several calls in a row', async () => {
    const { access_token } = await login();
    const before = introspections;
    for (let i = 0; i < 5; i++) expect((await wallet(access_token)).ack_code).toBe('SUCCESS');
    expect(introspections - before).toBe(1);
  });

  it('refuses a credential right after the holder signs out at the provider, although it was just used', async () => {
    const tokens = await login();
    expect((await wallet(tokens.access_token)).ack_code).toBe('SUCCESS');
    await logoutAtIdp({ issuer: sb.issuer, idToken: tokens.id_token, cookies: tokens.cookies });
    expect(errorCode(await wallet(tokens.access_token))).toBe('CREDENTIAL_INVALID');
    const body = { service_item_code: SERVICE_ITEM.householdAffairs, service_item_name: '测试', biz_num: 'H-9', credential: tokens.access_token };
    expect(errorCode(await holderApp.post('/license/holder', body))).toBe('CREDENTIAL_INVALID');
  });

  it('refuses a credential right after it is revoked at the provider, although it was just used', async () => {
    const { access_token } = await login();
    expect((await wallet(access_token)).ack_code).toBe('SUCCESS');
    await revokeAtIdp({ issuer: sb.issuer, clientId: TEST_IDP_CLIENT.client_id, clientSecret: TEST_IDP_CLIENT.client_secret, token: access_token });
    expect(errorCode(await wallet(access_token))).toBe('CREDENTIAL_INVALID');
  });
});
